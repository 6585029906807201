import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api, qs } from '../lib/api';
import { errorText } from '../lib/errors';
import { searchOf, usePath } from '../lib/router';
import type { AlarmView, Listing } from '../lib/types';
import { useConsole } from '../console/context';
import { useDeviceLive } from '../shell/live';
import { Dialog, Empty, ErrorBox, Loading, PageTitle, PhotoViewer, useLoad, useToast } from '../shell/ui';
import { alarmLockReason, alarmSteps, evidencePhotos, evidenceRows, lockLabel } from './format';
import { acknowledgeAlarm, alarmPhotoUrl, resolveAlarm, useLocks, type DeviceBrief } from './useLocks';
import './devices.css';

/** Open and acknowledged alarms, newest first (two small pages: the box holds what is still to do). */
async function loadBox(): Promise<AlarmView[]> {
  const [open, acked] = await Promise.all(['open', 'acknowledged'].map((status) => api.get<Listing<AlarmView>>(`/api/alarms${qs({ status, limit: 50 })}`)));
  return [...open!.items, ...acked!.items].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** 告警待办 (phone): each alarm as a card with a big 一键锁定 for its device, acknowledge and resolve. */
export default function AlarmBox() {
  const { t } = useTranslation();
  const focus = searchOf(usePath()).get('focus');
  const { data: items, error, reload: load } = useLoad(loadBox, []);
  const { devices, lock } = useLocks(items?.map((a) => a.deviceId) ?? []);
  useDeviceLive((e) => e.kind === 'alarm' && void load(), () => void load());

  // An alarm opened from a notice scrolls into view once the list is there.
  useEffect(() => {
    if (focus && items) document.getElementById(`alarm-${focus}`)?.scrollIntoView({ block: 'start' });
  }, [focus, items]);

  return (
    <section className="m-page" data-testid="alarm-box">
      <PageTitle title={t('nav.alarmBox')} sub={t('alarm.boxSub')} />
      {error && <ErrorBox text={error} onRetry={load} />}
      {!items && !error && <Loading />}
      {items && items.length === 0 && <Empty text={t('alarm.boxEmpty')} />}
      {items && items.length > 0 && (
        <ul className="m-list" aria-label={t('nav.alarmBox')}>
          {items.map((a) => (
            <AlarmCard key={a.id} alarm={a} device={a.deviceId ? devices.get(a.deviceId) : undefined} focused={a.id === focus}
              onLock={(id) => lock(id, alarmLockReason(a, t))} onChanged={load} />
          ))}
        </ul>
      )}
    </section>
  );
}

function AlarmCard({ alarm: a, device, focused, onLock, onChanged }: {
  alarm: AlarmView; device: DeviceBrief | undefined; focused: boolean; onLock: (deviceId: string) => Promise<void>; onChanged: () => Promise<void>;
}) {
  const { me, orgName } = useConsole();
  const { t } = useTranslation();
  const toast = useToast();
  const [busy, setBusy] = useState<null | 'lock' | 'ack'>(null);
  const [error, setError] = useState<string | null>(null);
  const [resolving, setResolving] = useState(false);
  const [photo, setPhoto] = useState<{ src: string; label: string } | null>(null);
  const steps = alarmSteps(a, me);
  const rows = evidenceRows(a.evidence, t, (iso) => formatTime(iso)).slice(0, 4);
  const photos = evidencePhotos(a.evidence, t);

  const run = async (what: 'lock' | 'ack') => {
    setBusy(what);
    setError(null);
    try {
      if (what === 'lock') await onLock(a.deviceId!);
      else {
        await acknowledgeAlarm(a);
        toast({ text: t('alarm.acked'), kind: 'success' });
        await onChanged();
      }
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(null);
    }
  };

  const lockState = device?.lock;
  return (
    <li id={`alarm-${a.id}`} className={`m-card cz-alarm cz-alarm-${a.severity}${focused ? ' cz-alarm-focus' : ''}`} data-testid="alarm-card" data-id={a.id} data-status={a.status}>
      <div className="m-app-top">
        <strong className="m-app-title">{t(`rule.${a.rule}`, { defaultValue: a.rule })}</strong>
        <span className={`m-badge cz-sev-${a.severity}`}>{t(`severity.${a.severity}`)}</span>
      </div>
      <p className="m-app-line m-muted">
        {a.orgName ?? orgName(a.orgCode)}{device ? ` · ${device.label}` : a.deviceLabel ? ` · ${a.deviceLabel}` : ''} · {formatTime(a.createdAt)}
        {a.status === 'acknowledged' && <> · {t('alarmStatus.acknowledged')}</>}
      </p>
      {a.autoLocked && <p className="m-app-line m-warn-text">{t('alarm.autoLockedYes')}</p>}
      <dl className="m-facts">
        {rows.map((r) => <Fact key={r.key} label={r.label} value={r.value} />)}
      </dl>
      {photos.length > 0 && (
        <div className="cz-alarm-photos">
          {photos.map((p) => <Thumb key={p.key} src={alarmPhotoUrl(a.id, p.sm3)} label={p.label} onOpen={setPhoto} />)}
        </div>
      )}
      <div className="m-btns">
        {steps.lock && (
          <button type="button" className="btn btn-danger btn-big cz-lock-btn" disabled={busy !== null || (!!lockState && lockState !== 'unlocked')}
            onClick={() => run('lock')} data-testid="lock-button" data-lock={lockState ?? 'unknown'} aria-live="polite">{lockLabel(lockState, busy === 'lock', t)}</button>
        )}
        {steps.acknowledge && <button type="button" className="btn btn-big" onClick={() => run('ack')} disabled={busy !== null} data-testid="ack-button">{t('alarm.acknowledge')}</button>}
        {steps.resolve && <button type="button" className="btn btn-primary btn-big" onClick={() => setResolving(true)} data-testid="resolve-button">{t('alarm.resolve')}</button>}
      </div>
      {error && <ErrorBox text={error} />}
      <ResolveDialog alarm={a} open={resolving} onClose={() => setResolving(false)} onDone={async () => { setResolving(false); toast({ text: t('alarm.resolved'), kind: 'success' }); await onChanged(); }} />
      <PhotoViewer src={photo?.src ?? null} alt={photo?.label ?? ''} onClose={() => setPhoto(null)} />
    </li>
  );
}

/** A photo of the evidence; one the device has not uploaded yet says so instead of a broken image. */
function Thumb({ src, label, onOpen }: { src: string; label: string; onOpen: (p: { src: string; label: string }) => void }) {
  const { t } = useTranslation();
  const [failed, setFailed] = useState(false);
  if (failed) return <div className="cz-nophoto-box"><span>{label}</span><span className="m-hint">{t('alarm.photoMissing')}</span></div>;
  return (
    <button type="button" className="m-page-btn" onClick={() => onOpen({ src, label })} aria-label={t('alarm.enlarge', { label })}>
      <img src={src} alt={label} loading="lazy" onError={() => setFailed(true)} />
      <span>{label}</span>
    </button>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return <><dt>{label}</dt><dd>{value}</dd></>;
}

/** 处理完毕 with a required note, in the phone's own dialog. */
function ResolveDialog({ alarm, open, onClose, onDone }: { alarm: AlarmView; open: boolean; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    if (!note.trim()) {
      setError(t('alarm.noteRequired'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await resolveAlarm(alarm, note);
      setNote('');
      await onDone();
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };
  const id = `resolve-${alarm.id}`;
  return (
    <Dialog open={open} title={t('alarm.resolveTitle')} onClose={() => !busy && onClose()} testid="resolve-dialog"
      footer={<><button type="button" className="btn" onClick={onClose} disabled={busy}>{t('common.cancel')}</button>
        <button type="button" className="btn btn-primary" onClick={submit} disabled={busy} data-testid="resolve-submit">{busy ? t('common.loading') : t('alarm.resolve')}</button></>}>
      <label className="m-label" htmlFor={id}>{t('alarm.note')}<span className="m-req" aria-hidden="true"> *</span></label>
      <textarea id={id} rows={4} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} aria-invalid={!!error} aria-describedby={`${id}-hint`} />
      <p className="m-hint" id={`${id}-hint`}>{t('alarm.noteHint')}</p>
      {error && <p className="m-error" role="alert">{error}</p>}
    </Dialog>
  );
}
