import { Tag, Timeline } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import type { AuditEntry, LockDisplay } from '../lib/types';

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

/** A code word (a status, a severity) in its colour, named by its i18n section; an unknown code as itself. */
function Coded({ value, colors, section, testid }: { value: string; colors: Record<string, string>; section: string; testid: string }) {
  const { t } = useTranslation();
  return <Solid color={colors[value] ?? '#434343'} text={t(`${section}.${value}`, { defaultValue: value })} testid={testid} value={value} />;
}

export const LockTag = ({ lock }: { lock: LockDisplay }) => <Coded value={lock} colors={LOCK_COLOR} section="lock" testid="lock" />;
export const DeviceStatusTag = ({ status }: { status: string }) => <Coded value={status} colors={DEVICE_STATUS_COLOR} section="devStatus" testid="device-status" />;
export const SeverityTag = ({ severity }: { severity: string }) => <Coded value={severity} colors={SEVERITY_COLOR} section="severity" testid="severity" />;
export const AlarmStatusTag = ({ status }: { status: string }) => <Coded value={status} colors={ALARM_STATUS_COLOR} section="alarmStatus" testid="alarm-status" />;
export const RequestStatusTag = ({ status }: { status: string }) => <Coded value={status} colors={REQUEST_COLOR} section="reqStatus" testid="request-status" />;
export const CommandStatusTag = ({ status }: { status: string }) => <Coded value={status} colors={COMMAND_COLOR} section="cmdStatus" testid="command-status" />;

export function StateTag({ state }: { state: string | null }) {
  const { t } = useTranslation();
  if (!state) return <span>{t('common.none')}</span>;
  return <Coded value={state} colors={STATE_COLOR} section="devState" testid="device-state" />;
}

export function OnlineTag({ online }: { online: boolean }) {
  const { t } = useTranslation();
  return <Solid color={online ? '#237804' : '#595959'} text={online ? t('dev.online') : t('dev.offline')} testid="online" value={String(online)} />;
}

/** A device's or an alarm's trail, newest first, with who acted where the server names them. */
export function HistoryTimeline({ history }: { history: AuditEntry[] }) {
  const { t } = useTranslation();
  return (
    <Timeline items={[...history].sort((x, y) => y.seq - x.seq).map((h) => ({
      key: h.seq,
      content: <div><strong>{t(`devAudit.${h.action}`, { defaultValue: h.action })}</strong><span className="cz-sub">{formatTime(h.at)}</span>{h.actorName && <span className="cz-sub">{h.actorName}</span>}</div>,
    }))} />
  );
}
