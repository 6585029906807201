import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { alarmHref } from '../devices/routes';
import { linkClick } from '../lib/router';
import type { DeviceLiveEvent, Me } from '../lib/types';
import { useConsole } from '../console/context';
import { useDeviceLive } from './live';
import { useToast } from './ui';
import './alarm-notices.css';

/**
 * A new alarm reaches the person at once (domain §6): a notice with a link to it; a critical
 * one as a red banner that stays until dismissed or opened, read out by screen readers.
 */
export function AlarmNotices({ me }: { me: Me }) {
  const { t } = useTranslation();
  const { orgName } = useConsole();
  const toast = useToast();
  const [critical, setCritical] = useState<DeviceLiveEvent[]>([]);
  const seen = useRef(new Set<string>());

  useDeviceLive((e) => {
    if (e.kind !== 'alarm' || e.status !== 'open' || !e.alarmId || seen.current.has(e.alarmId)) return;
    seen.current.add(e.alarmId);
    if (e.severity === 'critical') {
      setCritical((xs) => [...xs.slice(-2), e]);
      return;
    }
    toast({
      text: t('alarmLive.raised', { severity: t(`severity.${e.severity ?? 'info'}`), rule: t(`rule.${e.rule ?? ''}`, { defaultValue: e.rule ?? '' }), org: orgName(e.orgCode) }),
      kind: e.severity === 'warning' ? 'warning' : 'info', href: alarmHref(me, e.alarmId), linkText: t('alarmLive.open'),
    });
  });

  if (critical.length === 0) return null;
  const close = (id: string | null) => setCritical((xs) => xs.filter((x) => x.alarmId !== id));
  return (
    <div className="cz-alarm-banner" role="alert" data-testid="critical-alarms">
      {critical.map((e) => {
        const href = alarmHref(me, e.alarmId);
        return (
          <div key={e.alarmId} className="cz-alarm-banner-row" data-testid="critical-alarm" data-id={e.alarmId}>
            <span className="cz-alarm-banner-mark" aria-hidden="true">!</span>
            <span className="cz-alarm-banner-text">
              {t('alarmLive.critical', { rule: t(`rule.${e.rule ?? ''}`, { defaultValue: e.rule ?? '' }), org: orgName(e.orgCode) })}
            </span>
            <a href={href} onClick={(ev) => { close(e.alarmId); linkClick(href)(ev); }}>{t('alarmLive.handle')}</a>
            <button type="button" aria-label={t('common.close')} onClick={() => close(e.alarmId)}>×</button>
          </div>
        );
      })}
    </div>
  );
}
