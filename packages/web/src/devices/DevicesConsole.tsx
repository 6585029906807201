import { Alert, Button, Card, Col, Row, Select, Table, type TableColumnsType } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api, qs } from '../lib/api';
import { errorText } from '../lib/errors';
import { navigate, searchOf, usePath } from '../lib/router';
import { can, DEVICE_STATUSES, type DeviceView, type LockDisplay, type Page, type Provisioned } from '../lib/types';
import { PageHead } from '../console/bits';
import { useConsole } from '../console/context';
import { useDeviceLive } from '../shell/live';
import { DeviceDrawer } from './DeviceDrawer';
import { BundleModal, ProvisionModal } from './DeviceForms';
import { batteryInk } from './format';
import { DeviceStatusTag, LockTag, OnlineTag, StateTag } from './tags';
import './devices.css';

const PAGE = 50;
type Filters = { orgCode?: string; status?: string; online?: string; open?: string };

/** 设备管理: the smart-seal devices of the reader's units, their lock live, one device in a drawer. */
export default function DevicesConsole() {
  const { me, villages, towns } = useConsole();
  const { t } = useTranslation();
  const path = usePath();
  const filters = useMemo<Filters>(() => {
    const p = searchOf(path);
    const f: Filters = {};
    for (const k of ['orgCode', 'status', 'online', 'open'] as const) {
      const v = p.get(k);
      if (v) f[k] = v;
    }
    return f;
  }, [path]);
  const { open, ...query } = filters;
  const queryKey = JSON.stringify(query);
  const [rows, setRows] = useState<DeviceView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [provisioning, setProvisioning] = useState(false);
  const [bundle, setBundle] = useState<Provisioned | null>(null);
  const [tick, setTick] = useState(0);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => {
    let live = true;
    setLoading(true);
    api.get<Page<DeviceView>>(`/api/devices${qs({ ...(JSON.parse(queryKey) as Filters), limit: PAGE })}`)
      .then((p) => {
        if (!live) return;
        setRows(p.items);
        setNext(p.next);
        setError(null);
      })
      .catch((e: unknown) => live && setError(errorText(e, t)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [queryKey, t, tick]);

  // A device event changes its lock at once; the rest of the row follows with a quiet reload.
  const reloadSoon = useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setTick((n) => n + 1), 800);
  }, []);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  useDeviceLive((e) => {
    if (e.kind !== 'device' || !e.deviceId) return;
    setRows((rs) => rs.map((r) => (r.id === e.deviceId && (['locked', 'locking', 'unlocking', 'unlocked'] as string[]).includes(e.status) ? { ...r, lockDisplay: e.status as LockDisplay } : r)));
    reloadSoon();
  }, reloadSoon);

  const setFilter = (patch: Filters) => navigate(`/devices${qs({ ...filters, ...patch })}`, { replace: true });

  const loadMore = async () => {
    if (!next) return;
    setLoading(true);
    try {
      const p = await api.get<Page<DeviceView>>(`/api/devices${qs({ ...query, limit: PAGE, cursor: next })}`);
      setRows((r) => [...r, ...p.items]);
      setNext(p.next);
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setLoading(false);
    }
  };

  const columns: TableColumnsType<DeviceView> = [
    {
      key: 'label', title: t('dev.label'),
      render: (_: unknown, d) => (
        <>
          <Button type="link" className="cz-row-open" onClick={() => setFilter({ open: d.id })} data-testid="device-open">{d.label}</Button>
          {/* On a phone the state and link columns are hidden: a line under the name says them. */}
          <span className="cz-narrow-only cz-sub-block">{d.state ? t(`devState.${d.state}`) : t('common.none')} · {d.online ? t('dev.online') : t('dev.offline')}</span>
        </>
      ),
    },
    { key: 'org', title: t('dev.unit'), dataIndex: 'orgName', responsive: ['md'] },
    { key: 'seal', title: t('dev.seal'), render: (_: unknown, d) => d.sealName ?? t('dev.noSeal'), responsive: ['lg'] },
    { key: 'lock', title: t('dev.lock'), render: (_: unknown, d) => (d.status === 'retired' ? t('common.none') : <LockTag lock={d.lockDisplay} />), width: 100 },
    { key: 'state', title: t('dev.state'), render: (_: unknown, d) => <StateTag state={d.state} />, responsive: ['sm'] },
    { key: 'online', title: t('dev.link'), render: (_: unknown, d) => <OnlineTag online={d.online} />, responsive: ['sm'] },
    { key: 'status', title: t('dev.status'), render: (_: unknown, d) => <DeviceStatusTag status={d.status} />, responsive: ['md'] },
    { key: 'battery', title: t('dev.batteryInk'), render: (_: unknown, d) => batteryInk(d), responsive: ['lg'] },
    { key: 'seen', title: t('dev.lastSeenCol'), render: (_: unknown, d) => formatTime(d.lastSeenAt), responsive: ['xl'] },
  ];

  return (
    <>
      <PageHead title={t('nav.devices')} subtitle={t('dev.subtitle')}
        extra={can(me, 'device.manage') && <Button type="primary" onClick={() => setProvisioning(true)} data-testid="provision-device">{t('dev.provision')}</Button>} />
      <Card size="small" className="cz-filters">
        <Row gutter={[12, 8]} align="bottom" role="search" aria-label={t('dev.filters')}>
          <Col xs={24} sm={12} lg={8}>
            <label htmlFor="d-org" className="cz-label">{t('dev.unit')}</label>
            <Select id="d-org" className="cz-full" allowClear showSearch={{ optionFilterProp: 'label' }} placeholder={t('common.all')}
              value={filters.orgCode} onChange={(v?: string) => setFilter({ orgCode: v || undefined })}
              options={[...towns, ...villages].map((v) => ({ value: v.code, label: v.name }))} />
          </Col>
          <Col xs={12} sm={6} lg={4}>
            <label htmlFor="d-status" className="cz-label">{t('dev.status')}</label>
            <Select id="d-status" className="cz-full" allowClear placeholder={t('common.all')} value={filters.status}
              onChange={(v?: string) => setFilter({ status: v || undefined })}
              options={DEVICE_STATUSES.map((s) => ({ value: s, label: t(`devStatus.${s}`) }))} />
          </Col>
          <Col xs={12} sm={6} lg={4}>
            <label htmlFor="d-online" className="cz-label">{t('dev.link')}</label>
            <Select id="d-online" className="cz-full" allowClear placeholder={t('common.all')} value={filters.online}
              onChange={(v?: string) => setFilter({ online: v || undefined })}
              options={[{ value: 'true', label: t('dev.online') }, { value: 'false', label: t('dev.offline') }]} />
          </Col>
        </Row>
      </Card>
      {error && <Alert type="error" title={error} showIcon role="alert" style={{ margin: '12px 0' }} />}
      <Table<DeviceView> className="cz-table" rowKey="id" columns={columns} dataSource={rows} loading={loading && rows.length === 0} pagination={false}
        size="middle" aria-label={t('dev.list')} data-testid="device-table" locale={{ emptyText: t('dev.empty') }}
        onRow={(d) => ({ onClick: () => setFilter({ open: d.id }), className: 'cz-click-row', 'data-device': d.id } as object)} />
      <div className="cz-more">
        <span role="status">{t('common.shown', { n: rows.length })}</span>
        {next ? <Button onClick={loadMore} loading={loading}>{t('common.loadMore')}</Button> : rows.length > 0 && <span>{t('common.noMore')}</span>}
      </div>
      <DeviceDrawer id={open ?? null} onClose={() => setFilter({ open: undefined })} onChanged={reloadSoon} />
      {provisioning && <ProvisionModal onClose={() => setProvisioning(false)} onDone={(p) => { setProvisioning(false); setBundle(p); reloadSoon(); }} />}
      {bundle && <BundleModal result={bundle} onClose={() => setBundle(null)} />}
    </>
  );
}
