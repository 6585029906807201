import { App, Button, Descriptions, Empty, Form, Image, Input, Space } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api } from '../lib/api';
import { errorText } from '../lib/errors';
import { linkClick } from '../lib/router';
import { can, type AlarmDetailView, type AlarmView } from '../lib/types';
import { useConsole } from '../console/context';
import { DetailDrawer, FormModal } from '../console/parts';
import { useDeviceLive } from '../shell/live';
import { useLoad } from '../shell/ui';
import { alarmLockReason, alarmSteps, evidencePhotos, evidenceRows, lockLabel } from './format';
import { AlarmStatusTag, HistoryTimeline, LockTag, SeverityTag } from './tags';
import { acknowledgeAlarm, alarmPhotoUrl, resolveAlarm, useLocks } from './useLocks';

/** GET /api/alarms/:id answers { alarm, history, deviceLock, actions }; an older draft the alarm alone. */
async function fetchAlarm(id: string | null): Promise<AlarmDetailView | null> {
  if (!id) return null;
  const r = await api.get<AlarmDetailView | AlarmView>(`/api/alarms/${encodeURIComponent(id)}`);
  return 'alarm' in r ? r : { alarm: r };
}

/** One alarm: what rule, what was observed (in words, with photos), who handled it; acknowledge, resolve, lock. */
export function AlarmDrawer({ id, onClose, onChanged }: { id: string | null; onClose: () => void; onChanged: () => void }) {
  const { me, orgName } = useConsole();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { data, error, reload: load } = useLoad(() => fetchAlarm(id), [id]);
  // The alarm shown a moment ago stays out while the next one loads.
  const detail = data?.alarm.id === id ? data : null;
  const alarm = detail?.alarm ?? null;
  const [resolving, setResolving] = useState(false);
  const [busy, setBusy] = useState<null | 'ack' | 'lock'>(null);
  const { devices, lock } = useLocks([alarm?.deviceId ?? null]);
  useDeviceLive((e) => {
    if (e.kind === 'alarm' && e.alarmId === id) void load();
  }, () => void load());

  const act = async (what: 'ack' | 'lock') => {
    if (!alarm) return;
    setBusy(what);
    try {
      if (what === 'ack') {
        await acknowledgeAlarm(alarm);
        await load();
        void message.success(t('alarm.acked'));
      } else {
        await lock(alarm.deviceId!, alarmLockReason(alarm, t));
        void message.info(t('dev.lockSent'));
      }
      onChanged();
    } catch (e) {
      void message.error(errorText(e, t));
    } finally {
      setBusy(null);
    }
  };

  const a = alarm;
  const device = a?.deviceId ? devices.get(a.deviceId) : undefined;
  const steps = a ? alarmSteps(a, me, detail?.actions) : null;
  const photos = a ? evidencePhotos(a.evidence, t) : [];
  return (
    <DetailDrawer open={!!id} onClose={onClose} width={820} title={a ? t(`rule.${a.rule}`, { defaultValue: a.rule }) : t('alarm.detail')}
      testid="alarm-detail" error={error} ready={!!a}>
      {a && (
        <>
          <Space wrap className="cz-gap-bottom">
            {steps?.lock && a.deviceId && (
              <Button danger type="primary" size="large" onClick={() => act('lock')} loading={busy === 'lock'} disabled={!!device && device.lock !== 'unlocked'} data-testid="alarm-lock">
                {lockLabel(device?.lock, false, t)}
              </Button>
            )}
            {steps?.acknowledge && <Button onClick={() => act('ack')} loading={busy === 'ack'} data-testid="alarm-ack">{t('alarm.acknowledge')}</Button>}
            {steps?.resolve && <Button type="primary" onClick={() => setResolving(true)} data-testid="alarm-resolve">{t('alarm.resolve')}</Button>}
          </Space>
          <Descriptions size="small" bordered column={{ xs: 1, md: 2 }} items={[
            { key: 'sev', label: t('alarm.severity'), children: <SeverityTag severity={a.severity} /> },
            { key: 'status', label: t('alarm.status'), children: <AlarmStatusTag status={a.status} /> },
            { key: 'at', label: t('alarm.at'), children: formatTime(a.createdAt) },
            { key: 'org', label: t('dev.unit'), children: a.orgName ?? orgName(a.orgCode) },
            {
              key: 'device', label: t('alarm.device'), children: a.deviceId ? (
                <>
                  {can(me, 'device.read') ? <a href={`/devices?open=${a.deviceId}`} onClick={linkClick(`/devices?open=${a.deviceId}`)}>{device?.label ?? a.deviceLabel ?? a.deviceId}</a> : (device?.label ?? a.deviceId)}
                  {device && <> <LockTag lock={device.lock} /></>}
                </>
              ) : t('common.none'),
            },
            { key: 'seal', label: t('dev.seal'), children: a.sealName ?? device?.sealName ?? t('common.none') },
            { key: 'auto', label: t('alarm.autoLocked'), children: a.autoLocked ? t('alarm.autoLockedYes') : t('evi.no') },
            ...(a.acknowledgedAt ? [{ key: 'ack', label: t('alarm.acknowledgedBy'), children: `${a.acknowledgedByName ?? a.acknowledgedBy ?? ''} · ${formatTime(a.acknowledgedAt)}` }] : []),
            ...(a.resolvedAt ? [{ key: 'res', label: t('alarm.resolvedBy'), children: `${a.resolvedByName ?? a.resolvedBy ?? ''} · ${formatTime(a.resolvedAt)}` }] : []),
            ...(a.note ? [{ key: 'note', label: t('alarm.note'), children: <span className="m-pre">{a.note}</span> }] : []),
          ]} />
          <h3 className="cz-gap">{t('alarm.evidence')}</h3>
          <Descriptions size="small" bordered column={1} data-testid="evidence"
            items={evidenceRows(a.evidence, t, (iso) => formatTime(iso)).map((r) => ({ key: r.key, label: r.label, children: r.value }))} />
          {photos.length > 0 && (
            <>
              <h3 className="cz-gap">{t('alarm.photos')}</h3>
              <Image.PreviewGroup>
                <div className="cz-shots" data-testid="evidence-photos">
                  {photos.map((p) => (
                    <figure key={p.key}>
                      <Image src={alarmPhotoUrl(a.id, p.sm3)} alt={p.label} fallback="data:image/gif;base64,R0lGODlhAQABAAAAACw=" />
                      <figcaption>{p.label} · <span className="cz-mono" title={p.sm3}>SM3 {p.sm3.slice(0, 10)}…</span></figcaption>
                    </figure>
                  ))}
                </div>
              </Image.PreviewGroup>
            </>
          )}
          {photos.length === 0 && a.rule === 'unauthorized_impression' && <Empty description={t('alarm.noPhotos')} />}
          {detail?.history && detail.history.length > 0 && (
            <>
              <h3 className="cz-gap">{t('dev.history')}</h3>
              <HistoryTimeline history={detail.history} />
            </>
          )}
        </>
      )}
      {a && resolving && <ResolveModal alarm={a} onClose={() => setResolving(false)} onDone={() => { setResolving(false); void load(); onChanged(); }} />}
    </DetailDrawer>
  );
}

/** 处理完毕: resolving needs a note saying what was found and done. */
export function ResolveModal({ alarm, onClose, onDone }: { alarm: AlarmView; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  const submit = async ({ note }: { note: string }) => {
    await resolveAlarm(alarm, note);
    onDone();
  };
  return (
    <FormModal<{ note: string }> title={t('alarm.resolveTitle')} okText={t('alarm.resolve')} onClose={onClose} submit={submit} testid="resolve">
      <Form.Item name="note" label={t('alarm.note')} extra={t('alarm.noteHint')} rules={[{ required: true, whitespace: true, message: t('alarm.noteRequired') }]}>
        <Input.TextArea rows={4} maxLength={500} />
      </Form.Item>
    </FormModal>
  );
}
