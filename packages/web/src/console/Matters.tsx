import { Alert, App, Button, Form, Input, InputNumber, Select, Switch, Table, type TableColumnsType } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api } from '../lib/api';
import { errorText } from '../lib/errors';
import { can, MATTER_ROUTES, type MatterEntry, type MatterRoute } from '../lib/types';
import { PageHead } from './bits';
import { useConsole } from './context';
import { FormModal } from './parts';
import { homeTown } from './townOf';

type Change = Pick<MatterEntry, 'code' | 'nameZh' | 'nameEn' | 'route' | 'enabled' | 'sortOrder'>;

/** 事项目录: the town's matters and how each is routed; the station and the town leader change it. */
export default function Matters() {
  const { me, orgName } = useConsole();
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const town = homeTown(me);
  const manage = !!town && can(me, 'matter.manage', town);
  const [rows, setRows] = useState<MatterEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);

  const load = useCallback(async () => {
    if (!town) return;
    try {
      const m = await api.get<MatterEntry[]>(`/api/matters?town=${town}`);
      setRows([...m].sort((a, b) => a.sortOrder - b.sortOrder || a.code.localeCompare(b.code)));
      setError(null);
    } catch (e) {
      setError(errorText(e, t));
      setRows((r) => r ?? []);
    }
  }, [town, t]);

  useEffect(() => {
    void load();
  }, [load]);

  const save = async (m: MatterEntry, patch: Partial<Change>) => {
    if (!town) return;
    setSaving(m.code);
    setError(null);
    try {
      const body: Change & { town: string } = { town, code: m.code, nameZh: m.nameZh, nameEn: m.nameEn, route: m.route, enabled: m.enabled, sortOrder: m.sortOrder, ...patch };
      const saved = await api.put<MatterEntry>('/api/matters', body);
      setRows((rs) => (rs ?? []).map((r) => (r.code === m.code ? saved : r)));
      void message.success(t('matters.saved', { name: i18n.language === 'en' ? saved.nameEn : saved.nameZh }));
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setSaving(null);
    }
  };

  const routeOptions = MATTER_ROUTES.map((r) => ({ value: r, label: t(`routeShort.${r}`) }));
  const columns: TableColumnsType<MatterEntry> = [
    { key: 'order', title: t('matters.sortOrder'), dataIndex: 'sortOrder', width: 70, responsive: ['md'] },
    { key: 'name', title: t('matters.name'), render: (_: unknown, m) => <span data-testid="matter-name">{i18n.language === 'en' ? m.nameEn : m.nameZh}</span> },
    { key: 'code', title: t('matters.code'), render: (_: unknown, m) => <span className="cz-mono">{m.code}</span>, responsive: ['lg'] },
    {
      key: 'route', title: t('matters.route'),
      render: (_: unknown, m) => (manage ? (
        <Select<MatterRoute> value={m.route} options={routeOptions} className="cz-route-select" disabled={saving === m.code}
          aria-label={t('matters.routeOf', { name: m.nameZh })} data-testid={`route-${m.code}`} onChange={(route) => void save(m, { route })} />
      ) : t(`routeShort.${m.route}`)),
    },
    {
      key: 'enabled', title: t('matters.enabled'), width: 90,
      render: (_: unknown, m) => (manage
        ? <Switch checked={m.enabled} disabled={saving === m.code} aria-label={t('matters.enabledOf', { name: m.nameZh })} onChange={(enabled) => void save(m, { enabled })} />
        : m.enabled ? t('matters.yes') : t('matters.no')),
    },
    { key: 'updated', title: t('seals.updatedAt'), render: (_: unknown, m) => formatTime(m.updatedAt), responsive: ['xl'] },
  ];

  return (
    <>
      <PageHead title={t('matters.title')} subtitle={town ? t('matters.subtitle', { town: orgName(town) }) : t('matters.noTown')}
        extra={manage && <Button type="primary" onClick={() => setAdding(true)} data-testid="matter-add">{t('matters.add')}</Button>} />
      <ul className="cz-route-legend">
        {MATTER_ROUTES.map((r) => <li key={r}><strong>{t(`routeShort.${r}`)}</strong>：{t(`route.${r}`)}</li>)}
      </ul>
      {error && <Alert type="error" title={error} showIcon role="alert" style={{ margin: '12px 0' }} />}
      <Table<MatterEntry> className="cz-table" rowKey="code" columns={columns} dataSource={rows ?? []} loading={rows === null && !!town} pagination={false}
        size="middle" aria-label={t('matters.list')} data-testid="matter-table" locale={{ emptyText: t('common.empty') }} />
      {adding && town && <AddMatter town={town} next={Math.max(0, ...(rows ?? []).map((r) => r.sortOrder)) + 10} onClose={() => setAdding(false)} onSaved={load} />}
    </>
  );
}

function AddMatter({ town, next, onClose, onSaved }: { town: string; next: number; onClose: () => void; onSaved: () => Promise<void> }) {
  const { t } = useTranslation();
  const submit = async (v: Change) => {
    await api.put('/api/matters', { town, code: v.code.trim(), nameZh: v.nameZh.trim(), nameEn: v.nameEn.trim(), route: v.route, enabled: true, sortOrder: v.sortOrder });
    await onSaved();
    onClose();
  };
  const req = (field: string) => [{ required: true, whitespace: true, message: t('auth.required', { field }) }];
  return (
    <FormModal<Change> title={t('matters.add')} okText={t('common.save')} onClose={onClose} submit={submit} initial={{ route: 'approver', sortOrder: next }} testid="add-matter">
      <Form.Item name="code" label={t('matters.code')} extra={t('matters.codeHint')}
        rules={[...req(t('matters.code')), { pattern: /^[a-z][a-z0-9_]{1,39}$/, message: t('matters.codeHint') }]}>
        <Input maxLength={40} />
      </Form.Item>
      <Form.Item name="nameZh" label={t('matters.nameZh')} rules={req(t('matters.nameZh'))}><Input maxLength={40} /></Form.Item>
      <Form.Item name="nameEn" label={t('matters.nameEn')} rules={req(t('matters.nameEn'))}><Input maxLength={80} /></Form.Item>
      <Form.Item name="route" label={t('matters.route')} rules={[{ required: true }]}>
        <Select options={MATTER_ROUTES.map((r) => ({ value: r, label: t(`routeShort.${r}`) }))} />
      </Form.Item>
      <Form.Item name="sortOrder" label={t('matters.sortOrder')}><InputNumber min={0} max={10000} /></Form.Item>
    </FormModal>
  );
}
