import { Button, Card, Col, Row, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { useKeysetList, useUrlFilters } from '../lib/useKeysetList';
import { can, DEVICE_STATUSES, LOCK_DISPLAYS, type DeviceView, type LockDisplay, type Provisioned } from '../lib/types';
import { PageHead } from '../console/bits';
import { useConsole } from '../console/context';
import { FilterSelect, KeysetTable } from '../console/parts';
import { useDeviceLive } from '../shell/live';
import { DeviceDrawer } from './DeviceDrawer';
import { BundleModal, ProvisionModal } from './DeviceForms';
import { batteryInk } from './format';
import { DeviceStatusTag, LockTag, OnlineTag, StateTag } from './tags';
import './devices.css';

const KEYS = ['orgCode', 'status', 'online', 'open'] as const;

/** 设备管理: the smart-seal devices of the reader's units, their lock live, one device in a drawer. */
export default function DevicesConsole() {
  const { me, villages, towns } = useConsole();
  const { t } = useTranslation();
  const { setFilter, field, filters } = useUrlFilters('/devices', KEYS);
  const { open, ...query } = filters;
  const list = useKeysetList<DeviceView>('/api/devices', query, { quietMs: 800 });
  const { setItems, reloadSoon } = list;
  const [provisioning, setProvisioning] = useState(false);
  const [bundle, setBundle] = useState<Provisioned | null>(null);

  // A device event changes its lock at once; the rest of the row follows with a quiet reload.
  useDeviceLive((e) => {
    if (e.kind !== 'device' || !e.deviceId) return;
    if ((LOCK_DISPLAYS as readonly string[]).includes(e.status)) {
      setItems((rs) => rs.map((r) => (r.id === e.deviceId ? { ...r, lockDisplay: e.status as LockDisplay } : r)));
    }
    reloadSoon();
  }, reloadSoon);

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
            <FilterSelect id="d-org" label={t('dev.unit')} {...field('orgCode')} search options={[...towns, ...villages].map((v) => ({ value: v.code, label: v.name }))} />
          </Col>
          <Col xs={12} sm={6} lg={4}>
            <FilterSelect id="d-status" label={t('dev.status')} {...field('status')} options={DEVICE_STATUSES.map((s) => ({ value: s, label: t(`devStatus.${s}`) }))} />
          </Col>
          <Col xs={12} sm={6} lg={4}>
            <FilterSelect id="d-online" label={t('dev.link')} {...field('online')} options={[{ value: 'true', label: t('dev.online') }, { value: 'false', label: t('dev.offline') }]} />
          </Col>
        </Row>
      </Card>
      <KeysetTable<DeviceView> list={list} quiet columns={columns} label={t('dev.list')} testid="device-table" empty={t('dev.empty')}
        onRow={(d) => ({ onClick: () => setFilter({ open: d.id }), className: 'cz-click-row', 'data-device': d.id } as object)} />
      <DeviceDrawer id={open ?? null} onClose={() => setFilter({ open: undefined })} onChanged={reloadSoon} />
      {provisioning && <ProvisionModal onClose={() => setProvisioning(false)} onDone={(p) => { setProvisioning(false); setBundle(p); reloadSoon(); }} />}
      {bundle && <BundleModal result={bundle} onClose={() => setBundle(null)} />}
    </>
  );
}
