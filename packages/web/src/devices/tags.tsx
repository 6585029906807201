import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { LockDisplay } from '../lib/types';

/** White text on dark fills, all above 4.5:1 (as console/theme.ts). */
const LOCK_COLOR: Record<LockDisplay, string> = { locked: '#a8071a', locking: '#ad4e00', unlocking: '#5b4a9e', unlocked: '#237804' };
const DEVICE_STATUS_COLOR: Record<string, string> = { provisioned: '#0b57d0', active: '#237804', retired: '#434343' };
const SEVERITY_COLOR: Record<string, string> = { info: '#0b57d0', warning: '#ad4e00', critical: '#a8071a' };
const ALARM_STATUS_COLOR: Record<string, string> = { open: '#a8071a', acknowledged: '#ad4e00', resolved: '#434343' };
const STATE_COLOR: Record<string, string> = { locked: '#434343', authorized: '#0b57d0', stamping: '#08797a', alarm_locked: '#a8071a', maintenance: '#5b4a9e' };
const REQUEST_COLOR: Record<string, string> = { pending: '#0b57d0', approved: '#237804', rejected: '#a8071a', cancelled: '#434343' };
const COMMAND_COLOR: Record<string, string> = { pending: '#ad4e00', acked: '#237804', refused: '#a8071a', expired: '#434343', superseded: '#595959' };

function Solid({ color, text, testid, value }: { color: string; text: string; testid: string; value: string }) {
  return <Tag variant="solid" color={color} data-testid={testid} data-value={value}>{text}</Tag>;
}

export function LockTag({ lock }: { lock: LockDisplay }) {
  const { t } = useTranslation();
  return <Solid color={LOCK_COLOR[lock] ?? '#434343'} text={t(`lock.${lock}`)} testid="lock" value={lock} />;
}

export function DeviceStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Solid color={DEVICE_STATUS_COLOR[status] ?? '#434343'} text={t(`devStatus.${status}`, { defaultValue: status })} testid="device-status" value={status} />;
}

export function StateTag({ state }: { state: string | null }) {
  const { t } = useTranslation();
  if (!state) return <span>{t('common.none')}</span>;
  return <Solid color={STATE_COLOR[state] ?? '#434343'} text={t(`devState.${state}`, { defaultValue: state })} testid="device-state" value={state} />;
}

export function SeverityTag({ severity }: { severity: string }) {
  const { t } = useTranslation();
  return <Solid color={SEVERITY_COLOR[severity] ?? '#434343'} text={t(`severity.${severity}`, { defaultValue: severity })} testid="severity" value={severity} />;
}

export function AlarmStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Solid color={ALARM_STATUS_COLOR[status] ?? '#434343'} text={t(`alarmStatus.${status}`, { defaultValue: status })} testid="alarm-status" value={status} />;
}

export function RequestStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Solid color={REQUEST_COLOR[status] ?? '#434343'} text={t(`reqStatus.${status}`, { defaultValue: status })} testid="request-status" value={status} />;
}

export function CommandStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Solid color={COMMAND_COLOR[status] ?? '#434343'} text={t(`cmdStatus.${status}`, { defaultValue: status })} testid="command-status" value={status} />;
}

export function OnlineTag({ online }: { online: boolean }) {
  const { t } = useTranslation();
  return <Solid color={online ? '#237804' : '#595959'} text={online ? t('dev.online') : t('dev.offline')} testid="online" value={String(online)} />;
}
