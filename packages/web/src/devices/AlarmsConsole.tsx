import { Alert, Button, Card, Col, Row, Select, Table, type TableColumnsType } from 'antd';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api, qs } from '../lib/api';
import { errorText } from '../lib/errors';
import { navigate, searchOf, usePath } from '../lib/router';
import { ALARM_RULES, ALARM_STATUSES, SEVERITIES, type AlarmView, type Listing } from '../lib/types';
import { PageHead } from '../console/bits';
import { useConsole } from '../console/context';
import { useDeviceLive } from '../shell/live';
import { AlarmDrawer } from './AlarmDrawer';
import { evidenceSummary } from './format';
import { AlarmStatusTag, SeverityTag } from './tags';
import './devices.css';

const PAGE = 50;
const KEYS = ['orgCode', 'status', 'rule', 'severity', 'deviceId', 'open'] as const;
type Filters = Partial<Record<(typeof KEYS)[number], string>>;

/** 告警中心: every alarm in the reader's units, newest first, filtered through the address bar; live. */
export default function AlarmsConsole() {
  const { villages, towns, orgName } = useConsole();
  const { t } = useTranslation();
  const path = usePath();
  const filters = useMemo<Filters>(() => {
    const p = searchOf(path);
    const f: Filters = {};
    for (const k of KEYS) {
      const v = p.get(k);
      if (v) f[k] = v;
    }
    return f;
  }, [path]);
  const { open, ...query } = filters;
  const queryKey = JSON.stringify(query);
  const [rows, setRows] = useState<AlarmView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const timer = useRef<number | undefined>(undefined);

  useEffect(() => {
    let live = true;
    setLoading(true);
    api.get<Listing<AlarmView>>(`/api/alarms${qs({ ...(JSON.parse(queryKey) as Filters), limit: PAGE })}`)
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

  const reloadSoon = useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setTick((n) => n + 1), 500);
  }, []);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  useDeviceLive((e) => e.kind === 'alarm' && reloadSoon(), reloadSoon);

  const setFilter = (patch: Filters) => navigate(`/alarms${qs({ ...filters, ...patch })}`, { replace: true });
  const loadMore = async () => {
    if (!next) return;
    setLoading(true);
    try {
      const p = await api.get<Listing<AlarmView>>(`/api/alarms${qs({ ...query, limit: PAGE, cursor: next })}`);
      setRows((r) => [...r, ...p.items]);
      setNext(p.next);
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setLoading(false);
    }
  };

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

  const select = (id: string, key: keyof Filters, options: { value: string; label: string }[], label: string, search = false) => (
    <>
      <label htmlFor={id} className="cz-label">{label}</label>
      <Select id={id} className="cz-full" allowClear placeholder={t('common.all')} value={filters[key]} onChange={(v?: string) => setFilter({ [key]: v || undefined })}
        options={options} {...(search ? { showSearch: { optionFilterProp: 'label' } } : {})} />
    </>
  );
  return (
    <>
      <PageHead title={t('nav.alarms')} subtitle={t('alarm.subtitle')} />
      <Card size="small" className="cz-filters">
        <Row gutter={[12, 8]} align="bottom" role="search" aria-label={t('alarm.filters')}>
          <Col xs={24} sm={12} lg={6}>{select('a-org', 'orgCode', [...towns, ...villages].map((v) => ({ value: v.code, label: v.name })), t('dev.unit'), true)}</Col>
          <Col xs={12} sm={6} lg={4}>{select('a-status', 'status', ALARM_STATUSES.map((s) => ({ value: s, label: t(`alarmStatus.${s}`) })), t('alarm.status'))}</Col>
          <Col xs={12} sm={6} lg={4}>{select('a-sev', 'severity', SEVERITIES.map((s) => ({ value: s, label: t(`severity.${s}`) })), t('alarm.severity'))}</Col>
          <Col xs={24} sm={12} lg={6}>{select('a-rule', 'rule', ALARM_RULES.map((r) => ({ value: r, label: t(`rule.${r}`) })), t('alarm.rule'), true)}</Col>
          {filters.deviceId && (
            <Col xs={24} lg={4}><Button onClick={() => setFilter({ deviceId: undefined })}>{t('alarm.clearDevice')}</Button></Col>
          )}
        </Row>
      </Card>
      {error && <Alert type="error" title={error} showIcon role="alert" style={{ margin: '12px 0' }} />}
      <Table<AlarmView> className="cz-table" rowKey="id" columns={columns} dataSource={rows} loading={loading && rows.length === 0} pagination={false}
        size="middle" aria-label={t('alarm.list')} data-testid="alarm-table" locale={{ emptyText: t('alarm.empty') }}
        rowClassName={(a) => `cz-click-row${a.severity === 'critical' && a.status === 'open' ? ' cz-row-critical' : ''}`}
        onRow={(a) => ({ onClick: () => setFilter({ open: a.id }) })} />
      <div className="cz-more">
        <span role="status">{t('common.shown', { n: rows.length })}</span>
        {next ? <Button onClick={loadMore} loading={loading}>{t('common.loadMore')}</Button> : rows.length > 0 && <span>{t('common.noMore')}</span>}
      </div>
      <AlarmDrawer id={open ?? null} onClose={() => setFilter({ open: undefined })} onChanged={reloadSoon} />
    </>
  );
}
