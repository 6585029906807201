import { Alert, App, Button, Card, InputNumber, Select, Switch, Table, type TableColumnsType } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../lib/api';
import { errorText } from '../lib/errors';
import { can, SEVERITIES, type AlarmRuleView, type Severity } from '../lib/types';
import { PageHead } from '../console/bits';
import { useConsole } from '../console/context';
import { homeTown } from '../console/townOf';
import './devices.css';

/** 告警规则: a town's setting of each anomaly rule — on or off, severity, automatic lock, threshold. */
export default function AlarmRules() {
  const { me, towns } = useConsole();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const mine = towns.filter((o) => can(me, 'alarm.configure', o.code));
  const [town, setTown] = useState<string | null>(homeTown(me));
  const [rows, setRows] = useState<AlarmRuleView[]>([]);
  const [edits, setEdits] = useState<Record<string, Partial<AlarmRuleView>>>({});
  const [loading, setLoading] = useState(false);
  const [saving, setSaving] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!town) return;
    let live = true;
    setLoading(true);
    api.get<AlarmRuleView[]>(`/api/alarm-rules${qs({ townCode: town })}`)
      .then((r) => {
        if (!live) return;
        setRows(r);
        setEdits({});
        setError(null);
      })
      .catch((e: unknown) => live && setError(errorText(e, t)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [town, t, tick]);

  const value = (r: AlarmRuleView): AlarmRuleView => ({ ...r, ...edits[r.rule] });
  const edit = (rule: string, patch: Partial<AlarmRuleView>) => setEdits((e) => ({ ...e, [rule]: { ...e[rule], ...patch } }));
  const configure = !!town && can(me, 'alarm.configure', town);

  const save = async (r: AlarmRuleView) => {
    const v = value(r);
    setSaving(r.rule);
    try {
      await api.put(`/api/alarm-rules${qs({ townCode: town })}`, { rule: v.rule, enabled: v.enabled, severity: v.severity, autoLock: v.autoLock, threshold: v.threshold });
      void message.success(t('rules.saved', { rule: t(`rule.${r.rule}`) }));
      setTick((n) => n + 1);
    } catch (e) {
      void message.error(errorText(e, t));
    } finally {
      setSaving(null);
    }
  };

  const columns: TableColumnsType<AlarmRuleView> = [
    {
      key: 'rule', title: t('alarm.rule'),
      render: (_: unknown, r) => (
        <>
          <strong>{t(`rule.${r.rule}`, { defaultValue: r.rule })}</strong>
          {r.isDefault === false && <span className="cz-sub">{t('rules.changed')}</span>}
          <div className="cz-sub-block">{t(`ruleHelp.${r.rule}`, { defaultValue: '' })}</div>
        </>
      ),
    },
    {
      key: 'enabled', title: t('rules.enabled'), width: 80,
      render: (_: unknown, r) => <Switch checked={value(r).enabled} disabled={!configure} onChange={(x) => edit(r.rule, { enabled: x })} aria-label={t('rules.enabledFor', { rule: t(`rule.${r.rule}`) })} />,
    },
    {
      key: 'severity', title: t('alarm.severity'), width: 120,
      render: (_: unknown, r) => (
        <Select value={value(r).severity} disabled={!configure} className="cz-full" aria-label={t('rules.severityFor', { rule: t(`rule.${r.rule}`) })}
          onChange={(x: Severity) => edit(r.rule, { severity: x })} options={SEVERITIES.map((s) => ({ value: s, label: t(`severity.${s}`) }))} />
      ),
    },
    {
      key: 'autoLock', title: t('rules.autoLock'), width: 90,
      render: (_: unknown, r) => <Switch checked={value(r).autoLock} disabled={!configure} onChange={(x) => edit(r.rule, { autoLock: x })} aria-label={t('rules.autoLockFor', { rule: t(`rule.${r.rule}`) })} />,
    },
    {
      key: 'threshold', title: t('rules.threshold'), width: 190,
      render: (_: unknown, r) => (r.threshold === null && value(r).threshold === null ? t('rules.noThreshold') : (
        <span className="cz-threshold">
          <InputNumber value={value(r).threshold} disabled={!configure} min={r.min ?? undefined} max={r.max ?? undefined}
            onChange={(x) => edit(r.rule, { threshold: typeof x === 'number' ? x : null })} aria-label={t('rules.thresholdFor', { rule: t(`rule.${r.rule}`) })} />
          {r.unit && <span>{t(`unit.${r.unit}`, { defaultValue: r.unit })}</span>}
          {r.defaults && r.defaults.threshold !== value(r).threshold && <span className="cz-sub">{t('rules.defaultV', { v: r.defaults.threshold ?? '—' })}</span>}
        </span>
      )),
    },
    {
      key: 'save', title: '', width: 90,
      render: (_: unknown, r) => configure && (
        <Button type="primary" size="small" disabled={!edits[r.rule]} loading={saving === r.rule} onClick={() => save(r)} data-testid={`save-${r.rule}`}>{t('common.save')}</Button>
      ),
    },
  ];

  return (
    <>
      <PageHead title={t('nav.alarmRules')} subtitle={t('rules.subtitle')} />
      {mine.length > 1 && (
        <Card size="small" className="cz-filters">
          <label htmlFor="r-town" className="cz-label">{t('rules.town')}</label>
          <Select id="r-town" value={town ?? undefined} onChange={(v: string) => setTown(v)} options={mine.map((o) => ({ value: o.code, label: o.name }))} style={{ minWidth: 200 }} />
        </Card>
      )}
      {!town && <Alert type="info" title={t('rules.noTown')} showIcon />}
      {error && <Alert type="error" title={error} showIcon role="alert" style={{ margin: '12px 0' }} />}
      <Table<AlarmRuleView> className="cz-table" rowKey="rule" columns={columns} dataSource={rows} loading={loading} pagination={false}
        size="middle" aria-label={t('nav.alarmRules')} data-testid="rule-table" scroll={{ x: 760 }} />
    </>
  );
}
