import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api } from '../lib/api';
import { errorText } from '../lib/errors';
import { MAINTENANCE_KINDS, type DeviceRequestView, type DeviceView, type MaintenanceKind, type Page } from '../lib/types';
import { useConsole } from '../console/context';
import { useDeviceLive } from '../shell/live';
import { Dialog, Empty, ErrorBox, Loading, PageTitle, useToast } from '../shell/ui';
import './devices.css';

interface Box { devices: DeviceView[]; requests: DeviceRequestView[] }

/**
 * 我的设备 (the keeper's phone): the device of the seal they keep — lock, state, battery, ink —
 * and 申请维护: opening the device needs two people, the keeper on site and a remote approval.
 */
export default function MyDevices() {
  const { me } = useConsole();
  const { t } = useTranslation();
  const [box, setBox] = useState<Box | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [asking, setAsking] = useState<DeviceView | null>(null);

  const load = useCallback(async () => {
    try {
      const [d, r] = await Promise.all([api.get<Page<DeviceView>>('/api/devices?limit=50'), api.get<DeviceRequestView[]>('/api/device-requests').catch(() => [])]);
      setBox({ devices: d.items.filter((x) => x.status !== 'retired' && x.sealId), requests: r.filter((x) => x.requestedBy === me.user.id) });
      setError(null);
    } catch (e) {
      setError(errorText(e, t));
    }
  }, [me.user.id, t]);
  useEffect(() => {
    void load();
  }, [load]);
  useDeviceLive((e) => e.kind === 'device' && void load(), () => void load());

  return (
    <section className="m-page" data-testid="my-devices">
      <PageTitle title={t('nav.myDevices')} sub={t('mydev.sub')} />
      {error && <ErrorBox text={error} onRetry={load} />}
      {!box && !error && <Loading />}
      {box && box.devices.length === 0 && <Empty text={t('mydev.empty')} />}
      {box && box.devices.length > 0 && (
        <ul className="m-list">
          {box.devices.map((d) => {
            const pending = box.requests.find((r) => r.deviceId === d.id && r.status === 'pending' && r.kind === 'maintenance');
            return (
              <li key={d.id} className="m-card" data-testid="my-device" data-id={d.id}>
                <div className="m-app-top">
                  <strong className="m-app-title">{d.label}</strong>
                  <span className={`m-badge cz-lock-${d.lockDisplay}`}>{t(`lock.${d.lockDisplay}`)}</span>
                </div>
                <dl className="m-facts">
                  <dt>{t('dev.seal')}</dt><dd>{d.sealName ?? t('dev.noSeal')}</dd>
                  <dt>{t('dev.state')}</dt><dd>{d.state ? t(`devState.${d.state}`) : t('common.none')}</dd>
                  <dt>{t('dev.link')}</dt><dd>{d.online ? t('dev.online') : t('dev.offline')} · {t('dev.lastSeen', { at: formatTime(d.lastSeenAt) })}</dd>
                  <dt>{t('dev.batteryInk')}</dt><dd>{d.battery ?? '—'}% / {d.ink ?? '—'}%</dd>
                </dl>
                {pending ? <p className="m-alert m-alert-info" data-testid="maintenance-pending">{t('mydev.pending', { kind: t(`maint.${pending.maintenanceKind ?? 'repair'}`), at: formatTime(pending.requestedAt) })}</p> : (
                  <button type="button" className="btn btn-primary btn-big btn-block" onClick={() => setAsking(d)} data-testid="ask-maintenance">{t('dev.requestMaintenance')}</button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {box && box.requests.length > 0 && (
        <section className="cz-section" aria-labelledby="my-requests">
          <h2 id="my-requests">{t('mydev.requests')}</h2>
          <ul className="m-list">
            {box.requests.map((r) => (
              <li key={r.id} className="m-card" data-testid="my-request" data-status={r.status}>
                <strong>{r.kind === 'unlock' ? t('req.unlock') : t(`maint.${r.maintenanceKind ?? 'repair'}`)}</strong> · {r.deviceLabel} · {t(`reqStatus.${r.status}`)}
                <p className="m-app-line m-muted">{formatTime(r.requestedAt)} · {r.reason}{r.opinion ? ` · ${t('req.opinion')}${t('errors.sep')}${r.opinion}` : ''}</p>
              </li>
            ))}
          </ul>
        </section>
      )}
      {asking && <MaintenanceDialog device={asking} onClose={() => setAsking(null)} onDone={async () => { setAsking(null); await load(); }} />}
    </section>
  );
}

function MaintenanceDialog({ device, onClose, onDone }: { device: DeviceView; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [kind, setKind] = useState<MaintenanceKind>('ink');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (reason.trim().length < 2) {
      setError(t('dev.reasonRequired'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/devices/${device.id}/maintenance-requests`, { kind, reason: reason.trim() });
      toast({ text: t('dev.done_maintenance'), kind: 'success' });
      await onDone();
    } catch (e) {
      setError(errorText(e, t));
      setBusy(false);
    }
  };
  return (
    <Dialog open title={t('dev.title_maintenance', { label: device.label })} onClose={() => !busy && onClose()} testid="maintenance-dialog"
      footer={<><button type="button" className="btn" onClick={onClose} disabled={busy}>{t('common.cancel')}</button>
        <button type="button" className="btn btn-primary" onClick={submit} disabled={busy} data-testid="maintenance-submit">{busy ? t('common.loading') : t('dev.ok_maintenance')}</button></>}>
      <p>{t('dev.body_maintenance')}</p>
      <fieldset className="cz-radios">
        <legend className="m-label">{t('dev.maintenanceKind')}</legend>
        {MAINTENANCE_KINDS.map((k) => (
          <label key={k} className="cz-radio"><input type="radio" name="mkind" value={k} checked={kind === k} onChange={() => setKind(k)} /> {t(`maint.${k}`)}</label>
        ))}
      </fieldset>
      <label className="m-label" htmlFor="m-reason">{t('dev.reason')}<span className="m-req" aria-hidden="true"> *</span></label>
      <textarea id="m-reason" rows={3} maxLength={200} value={reason} onChange={(e) => setReason(e.target.value)} aria-invalid={!!error} />
      {error && <p className="m-error" role="alert">{error}</p>}
    </Dialog>
  );
}
