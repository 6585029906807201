import { Button, Card, Col, Row, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { useKeysetList, useUrlFilters } from '../lib/useKeysetList';
import { ALARM_RULES, ALARM_STATUSES, SEVERITIES, type AlarmView } from '../lib/types';
import { PageHead } from '../console/bits';
import { useConsole } from '../console/context';
import { FilterSelect, KeysetTable } from '../console/parts';
import { useDeviceLive } from '../shell/live';
import { AlarmDrawer } from './AlarmDrawer';
import { evidenceSummary } from './format';
import { AlarmStatusTag, SeverityTag } from './tags';
import './devices.css';

const KEYS = ['orgCode', 'status', 'rule', 'severity', 'deviceId', 'open'] as const;

/** 告警中心: every alarm in the reader's units, newest first, filtered through the address bar; live. */
export default function AlarmsConsole() {
  const { villages, towns, orgName } = useConsole();
  const { t } = useTranslation();
  const { filters, setFilter, field } = useUrlFilters('/alarms', KEYS);
  const { open, ...query } = filters;
  const list = useKeysetList<AlarmView>('/api/alarms', query, { quietMs: 500 });
  const { reloadSoon } = list;
  useDeviceLive((e) => e.kind === 'alarm' && reloadSoon(), reloadSoon);

  const columns: TableColumnsType<AlarmView> = [
    { key: 'at', title: t('alarm.at'), render: (_: unknown, a) => formatTime(a.createdAt), width: 150, responsive: ['sm'] },
    { key: 'sev', title: t('alarm.severity'), render: (_: unknown, a) => <SeverityTag severity={a.severity} />, width: 80 },
    {
      key: 'rule', title: t('alarm.rule'),
      render: (_: unknown, a) => (
        <>
          <Button type="link" className="cz-row-open" onClick={(e) => { e.stopPropagation(); setFilter({ open: a.id }); }} data-testid="alarm-open">
            {t(`rule.${a.rule}`, { defaultValue: a.rule })}
          </Button>
          {a.autoLocked && <span className="cz-sub">{t('alarm.autoLockedShort')}</span>}
        </>
      ),
    },
    { key: 'org', title: t('dev.unit'), render: (_: unknown, a) => a.orgName ?? orgName(a.orgCode), responsive: ['md'] },
    { key: 'device', title: t('alarm.device'), render: (_: unknown, a) => a.deviceLabel ?? a.deviceId ?? t('common.none'), responsive: ['lg'] },
    { key: 'what', title: t('alarm.what'), render: (_: unknown, a) => evidenceSummary(a.evidence, t, (iso) => formatTime(iso)), responsive: ['xl'] },
    { key: 'status', title: t('alarm.status'), render: (_: unknown, a) => <AlarmStatusTag status={a.status} />, width: 90 },
  ];

  return (
    <>
      <PageHead title={t('nav.alarms')} subtitle={t('alarm.subtitle')} />
      <Card size="small" className="cz-filters">
        <Row gutter={[12, 8]} align="bottom" role="search" aria-label={t('alarm.filters')}>
          <Col xs={24} sm={12} lg={6}><FilterSelect id="a-org" label={t('dev.unit')} {...field('orgCode')} search options={[...towns, ...villages].map((v) => ({ value: v.code, label: v.name }))} /></Col>
          <Col xs={12} sm={6} lg={4}><FilterSelect id="a-status" label={t('alarm.status')} {...field('status')} options={ALARM_STATUSES.map((s) => ({ value: s, label: t(`alarmStatus.${s}`) }))} /></Col>
          <Col xs={12} sm={6} lg={4}><FilterSelect id="a-sev" label={t('alarm.severity')} {...field('severity')} options={SEVERITIES.map((s) => ({ value: s, label: t(`severity.${s}`) }))} /></Col>
          <Col xs={24} sm={12} lg={6}><FilterSelect id="a-rule" label={t('alarm.rule')} {...field('rule')} search options={ALARM_RULES.map((r) => ({ value: r, label: t(`rule.${r}`) }))} /></Col>
          {filters.deviceId && (
            <Col xs={24} lg={4}><Button onClick={() => setFilter({ deviceId: undefined })}>{t('alarm.clearDevice')}</Button></Col>
          )}
        </Row>
      </Card>
      <KeysetTable<AlarmView> list={list} quiet columns={columns} label={t('alarm.list')} testid="alarm-table" empty={t('alarm.empty')}
        rowClassName={(a) => `cz-click-row${a.severity === 'critical' && a.status === 'open' ? ' cz-row-critical' : ''}`}
        onRow={(a) => ({ onClick: () => setFilter({ open: a.id }) })} />
      <AlarmDrawer id={open ?? null} onClose={() => setFilter({ open: undefined })} onChanged={reloadSoon} />
    </>
  );
}
