import { App, Button, Descriptions, Popconfirm, Space, Table, Tabs } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api } from '../lib/api';
import { errorText } from '../lib/errors';
import { can, type CommandView, type DeviceAction, type DeviceDetail, type DeviceEventView, type DeviceRequestView, type DeviceView, type Me, type Provisioned } from '../lib/types';
import { useConsole } from '../console/context';
import { DetailDrawer } from '../console/parts';
import { useDeviceLive } from '../shell/live';
import { useLoad } from '../shell/ui';
import { BindModal, BundleModal, EditDeviceModal, ReasonModal, type ReasonKind } from './DeviceForms';
import { batteryInk, e6ToDeg, eventSummary, lockLabel } from './format';
import { CommandStatusTag, DeviceStatusTag, HistoryTimeline, LockTag, OnlineTag, RequestStatusTag, StateTag } from './tags';

/** The steps the reader may take, as the server offers them (or, from an older server, by permission). */
function actionsOf(d: DeviceDetail, me: Me): DeviceAction[] {
  if (d.actions) return d.actions;
  const v = d.device;
  if (v.status === 'retired') return [];
  const out: DeviceAction[] = [];
  if (can(me, 'device.manage', v.orgCode)) out.push('update', v.sealId ? 'unbind' : 'bind', 'replace', 'retire');
  if (can(me, 'device.lock', v.orgCode)) out.push(v.lockWanted ? 'request_unlock' : 'lock');
  if (can(me, 'device.maintain', v.orgCode)) out.push('request_maintenance');
  return out;
}

const pos = (v: DeviceView) => (v.latE6 !== null && v.lngE6 !== null ? `${e6ToDeg(v.latE6)}, ${e6ToDeg(v.lngE6)}` : null);

/** One device: what it reports, its lock, the steps open now, its events, commands, requests and history. */
export function DeviceDrawer({ id, onClose, onChanged }: { id: string | null; onClose: () => void; onChanged: () => void }) {
  const { me } = useConsole();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { data, setData: setDetail, error, reload: load } = useLoad(() => (id ? api.get<DeviceDetail>(`/api/devices/${encodeURIComponent(id)}`) : Promise.resolve(null)), [id]);
  // The device shown a moment ago stays out while the next one loads.
  const detail = data?.device.id === id ? data : null;
  const [modal, setModal] = useState<null | 'edit' | 'bind' | ReasonKind>(null);
  const [bundle, setBundle] = useState<Provisioned | null>(null);
  const [busy, setBusy] = useState(false);
  useDeviceLive((e) => {
    if (id && e.deviceId === id) void load();
  }, () => void load());

  const changed = () => {
    setModal(null);
    void load();
    onChanged();
  };

  const lock = async () => {
    if (!detail) return;
    setBusy(true);
    try {
      const v = await api.post<DeviceView>(`/api/devices/${detail.device.id}/lock`, { reason: t('dev.oneTapReason') });
      setDetail((d) => (d ? { ...d, device: { ...d.device, ...v } } : d));
      void message.info(t('dev.lockSent'));
      onChanged();
      void load();
    } catch (e) {
      void message.error(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  const unbind = async () => {
    if (!detail) return;
    try {
      await api.post(`/api/devices/${detail.device.id}/unbind`, {});
      changed();
    } catch (e) {
      void message.error(errorText(e, t));
    }
  };

  const v = detail?.device;
  const actions = detail ? actionsOf(detail, me) : [];
  return (
    <DetailDrawer open={!!id} onClose={onClose} width={900} title={v ? v.label : t('dev.detail')} testid="device-detail" error={error} ready={!!detail}>
      {detail && v && (
        <>
          <Space wrap className="cz-gap-bottom">
            {actions.includes('lock') && (
              <Button danger type="primary" size="large" onClick={lock} loading={busy} disabled={v.lockDisplay !== 'unlocked'} data-testid="device-lock">
                {lockLabel(v.lockDisplay, false, t)}
              </Button>
            )}
            {actions.includes('request_unlock') && <Button onClick={() => setModal('unlock')} data-testid="device-unlock">{t('dev.requestUnlock')}</Button>}
            {actions.includes('request_maintenance') && <Button onClick={() => setModal('maintenance')} data-testid="device-maintain">{t('dev.requestMaintenance')}</Button>}
            {actions.includes('update') && <Button onClick={() => setModal('edit')} data-testid="device-edit">{t('dev.edit')}</Button>}
            {actions.includes('bind') && <Button onClick={() => setModal('bind')} data-testid="device-bind">{t('dev.bind')}</Button>}
            {actions.includes('unbind') && (
              <Popconfirm title={t('dev.unbindConfirm', { seal: v.sealName ?? v.sealId })} okText={t('dev.unbind')} cancelText={t('common.cancel')} onConfirm={unbind}>
                <Button data-testid="device-unbind">{t('dev.unbind')}</Button>
              </Popconfirm>
            )}
            {actions.includes('replace') && <Button onClick={() => setModal('replace')} data-testid="device-replace">{t('dev.replace')}</Button>}
            {actions.includes('retire') && <Button danger onClick={() => setModal('retire')} data-testid="device-retire">{t('dev.retire')}</Button>}
          </Space>
          <Descriptions size="small" bordered column={{ xs: 1, md: 2 }} items={[
            { key: 'lock', label: t('dev.lock'), children: <><LockTag lock={v.lockDisplay} />{v.lockReason && <span className="cz-sub">{v.lockReason}</span>}</> },
            { key: 'state', label: t('dev.state'), children: <StateTag state={v.state} /> },
            { key: 'status', label: t('dev.status'), children: <DeviceStatusTag status={v.status} /> },
            { key: 'online', label: t('dev.link'), children: <><OnlineTag online={v.online} /><span className="cz-sub">{t('dev.lastSeen', { at: formatTime(v.lastSeenAt) })}</span></> },
            { key: 'org', label: t('dev.unit'), children: v.orgName },
            { key: 'seal', label: t('dev.seal'), children: v.sealName ?? t('dev.noSeal') },
            { key: 'battery', label: t('dev.batteryInk'), children: batteryInk(v) },
            { key: 'pos', label: t('dev.position'), children: pos(v) ?? t('common.none') },
            { key: 'fence', label: t('dev.fence'), children: v.geofence ? t('evi.fenceV', { lat: e6ToDeg(v.geofence.latE6), lon: e6ToDeg(v.geofence.lngE6), r: v.geofence.radiusM }) : t('dev.noFence') },
            { key: 'hours', label: t('dev.hours'), children: v.hours ? `${v.hours.from}–${v.hours.to}` : t('dev.noHours') },
            { key: 'model', label: t('dev.model'), children: [v.model, v.hardware, v.firmware].filter(Boolean).join(' · ') || t('common.none') },
            { key: 'seq', label: t('dev.seq'), children: t('dev.seqV', { seq: v.seqHigh, gaps: v.openGaps }) },
            { key: 'skew', label: t('dev.skew'), children: v.clockSkewMs === null ? t('common.none') : t('evi.seconds', { n: Math.round(v.clockSkewMs / 100) / 10 }) },
            { key: 'id', label: t('dev.id'), children: <span className="cz-mono">{v.id}{v.virtual ? ` · ${t('dev.virtual')}` : ''}</span> },
            ...(v.replaces || v.replacedBy ? [{ key: 'rep', label: t('dev.replacement'), children: <span className="cz-mono">{v.replaces ? `← ${v.replaces}` : ''} {v.replacedBy ? `→ ${v.replacedBy}` : ''}</span> }] : []),
          ]} />
          <Tabs className="cz-gap" items={[
            { key: 'events', label: t('dev.events', { n: detail.events.length }), children: <Events events={detail.events} /> },
            { key: 'commands', label: t('dev.commands', { n: detail.commands.length }), children: <Commands commands={detail.commands} /> },
            ...(detail.requests ? [{ key: 'requests', label: t('dev.requests', { n: detail.requests.length }), children: <Requests requests={detail.requests} /> }] : []),
            ...(detail.history ? [{ key: 'history', label: t('dev.history'), children: <HistoryTimeline history={detail.history} /> }] : []),
          ]} />
        </>
      )}
      {v && modal === 'edit' && <EditDeviceModal device={v} onClose={() => setModal(null)} onSaved={changed} />}
      {v && modal === 'bind' && <BindModal device={v} onClose={() => setModal(null)} onSaved={changed} />}
      {v && (modal === 'retire' || modal === 'replace' || modal === 'unlock' || modal === 'maintenance') && (
        <ReasonModal device={v} kind={modal} onClose={() => setModal(null)} onDone={(p) => { if (p) setBundle(p); changed(); }} />
      )}
      {bundle && <BundleModal result={bundle} onClose={() => setBundle(null)} />}
    </DetailDrawer>
  );
}

function Events({ events }: { events: DeviceEventView[] }) {
  const { t } = useTranslation();
  return (
    <Table<DeviceEventView> rowKey="seq" size="small" pagination={{ pageSize: 20, hideOnSinglePage: true }} dataSource={[...events].sort((a, b) => b.seq - a.seq)}
      locale={{ emptyText: t('common.empty') }} data-testid="device-events" columns={[
        { key: 'seq', title: t('dev.seqShort'), dataIndex: 'seq', width: 70 },
        { key: 'type', title: t('dev.eventType'), render: (_: unknown, e) => t(`devEvType.${e.type}`, { defaultValue: e.type }), width: 90 },
        { key: 'what', title: t('dev.eventWhat'), render: (_: unknown, e) => eventSummary(e.type, e.body, t) },
        { key: 'at', title: t('dev.deviceTime'), render: (_: unknown, e) => formatTime(e.deviceTime), responsive: ['md'] },
        {
          key: 'recv', title: t('dev.receivedAt'), responsive: ['lg'],
          // A gap of minutes between the two times: the event waited in the device's offline buffer.
          render: (_: unknown, e) => <>{formatTime(e.receivedAt)}{Date.parse(e.receivedAt) - Date.parse(e.deviceTime) > 300_000 && <span className="cz-sub">{t('dev.late')}</span>}</>,
        },
      ]} />
  );
}

function Commands({ commands }: { commands: CommandView[] }) {
  const { t } = useTranslation();
  return (
    <Table<CommandView> rowKey="id" size="small" pagination={{ pageSize: 20, hideOnSinglePage: true }} dataSource={commands}
      locale={{ emptyText: t('common.empty') }} data-testid="device-commands" columns={[
        { key: 'type', title: t('dev.commandType'), render: (_: unknown, c) => t(`cmdType.${c.type}`, { defaultValue: c.type }) },
        { key: 'status', title: t('dev.commandStatus'), render: (_: unknown, c) => <><CommandStatusTag status={c.status} />{c.error && <span className="cz-sub">{c.error}</span>}</> },
        { key: 'attempts', title: t('dev.attempts'), dataIndex: 'attempts', width: 70, responsive: ['md'] },
        { key: 'created', title: t('dev.sentAt'), render: (_: unknown, c) => formatTime(c.createdAt) },
        { key: 'acked', title: t('dev.ackedAt'), render: (_: unknown, c) => formatTime(c.ackedAt), responsive: ['md'] },
      ]} />
  );
}

function Requests({ requests }: { requests: DeviceRequestView[] }) {
  const { t } = useTranslation();
  return (
    <Table<DeviceRequestView> rowKey="id" size="small" pagination={false} dataSource={requests} locale={{ emptyText: t('common.empty') }} columns={[
      { key: 'kind', title: t('req.kind'), render: (_: unknown, r) => (r.kind === 'unlock' ? t('req.unlock') : t(`maint.${r.maintenanceKind ?? 'repair'}`)) },
      { key: 'reason', title: t('dev.reason'), dataIndex: 'reason' },
      { key: 'by', title: t('req.requestedBy'), render: (_: unknown, r) => r.requestedByName ?? r.requestedBy, responsive: ['md'] },
      { key: 'status', title: t('req.status'), render: (_: unknown, r) => <RequestStatusTag status={r.status} /> },
    ]} />
  );
}
