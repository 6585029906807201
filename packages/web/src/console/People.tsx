import { Alert, Button, Card, Input, Table, Tag, type TableColumnsType } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../lib/api';
import { errorText } from '../lib/errors';
import type { Page, UserView } from '../lib/types';
import { PageHead } from './bits';
import { useConsole } from './context';

const PAGE = 50;

/** 人员: people in the units the caller manages, read-only, numbers masked by the server. */
export default function People() {
  const { orgName } = useConsole();
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<UserView[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setLoading(true);
    api.get<Page<UserView>>(`/api/users${qs({ q: query, limit: PAGE })}`)
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
  }, [query, t]);

  const loadMore = async () => {
    if (!next) return;
    setLoading(true);
    try {
      const p = await api.get<Page<UserView>>(`/api/users${qs({ q: query, limit: PAGE, cursor: next })}`);
      setRows((r) => [...r, ...p.items]);
      setNext(p.next);
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setLoading(false);
    }
  };

  const columns: TableColumnsType<UserView> = [
    { key: 'name', title: t('people.name'), render: (_: unknown, u) => <span data-testid="person-name">{u.name}</span> },
    { key: 'phone', title: t('people.phone'), dataIndex: 'phoneMasked', responsive: ['sm'] },
    { key: 'unit', title: t('people.unit'), render: (_: unknown, u) => orgName(u.homeOrgCode), responsive: ['md'] },
    {
      key: 'roles', title: t('people.roles'),
      render: (_: unknown, u) => u.grants.map((g) => <Tag key={g.id}>{t(`roles.${g.role}`)}</Tag>),
    },
    {
      key: 'state', title: t('people.state'), responsive: ['lg'],
      render: (_: unknown, u) => (u.disabled ? t('people.disabled') : u.locked ? t('people.locked') : t('people.normal')),
    },
    { key: 'totp', title: t('people.totp'), render: (_: unknown, u) => (u.totpEnabled ? t('home.totpOn') : t('common.none')), responsive: ['xl'] },
    { key: 'id', title: t('people.id'), render: (_: unknown, u) => <span className="cz-mono">{u.id}</span>, responsive: ['xl'] },
  ];

  return (
    <>
      <PageHead title={t('people.title')} subtitle={t('people.subtitle')} />
      <Card size="small" className="cz-filters">
        <form role="search" aria-label={t('people.q')} onSubmit={(e) => { e.preventDefault(); setQuery(q.trim()); }}>
          <label htmlFor="people-q" className="cz-label">{t('people.q')}</label>
          <div className="cz-search-row">
            <Input id="people-q" value={q} onChange={(e) => setQ(e.target.value)} maxLength={50} allowClear />
            <Button htmlType="submit">{t('common.search')}</Button>
          </div>
        </form>
      </Card>
      {error && <Alert type="error" title={error} showIcon role="alert" style={{ margin: '12px 0' }} />}
      <Table<UserView> className="cz-table" rowKey="id" columns={columns} dataSource={rows} loading={loading} pagination={false}
        size="middle" aria-label={t('people.list')} data-testid="people-table" locale={{ emptyText: t('common.empty') }} />
      <div className="cz-more">
        <span role="status">{t('common.shown', { n: rows.length })}</span>
        {next && <Button onClick={loadMore} loading={loading}>{t('common.loadMore')}</Button>}
      </div>
    </>
  );
}
