import { App, Button, Card, Input, Popconfirm, Tag, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../lib/api';
import { errorText } from '../lib/errors';
import { can, type UserView } from '../lib/types';
import { useKeysetList } from '../lib/useKeysetList';
import { PageHead } from './bits';
import { useConsole } from './context';
import { KeysetTable } from './parts';
import { CreatePerson, ManageGrants } from './PeopleForms';

/**
 * 人员: people in the units the caller manages, numbers masked by the server. The three
 * separated administrators each see only their own actions: the system administrator
 * creates and disables accounts, the security administrator grants and revokes roles and
 * lifts lock-outs, the audit administrator only reads.
 */
export default function People() {
  const { me, orgName } = useConsole();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const list = useKeysetList<UserView>('/api/users', { q: query });
  const { setItems, setError } = list;
  const [creating, setCreating] = useState(false);
  const [managing, setManaging] = useState<UserView | null>(null);

  const mayCreate = can(me, 'user.create');
  const mayGrant = can(me, 'role.grant');
  const mayUnlock = can(me, 'user.unlock');
  const mayDisable = can(me, 'user.disable');

  /** Re-reads one person after a change and puts the fresh view in the list. */
  const refreshOne = async (id: string): Promise<UserView | null> => {
    try {
      const u = await api.get<UserView>(`/api/users/${encodeURIComponent(id)}`);
      setItems((r) => r.map((x) => (x.id === id ? u : x)));
      return u;
    } catch (e) {
      setError(errorText(e, t));
      return null;
    }
  };

  const act = async (u: UserView, what: 'unlock' | 'disable') => {
    setError(null);
    try {
      await api.post(`/api/users/${encodeURIComponent(u.id)}/${what}`);
      void message.success(t(what === 'unlock' ? 'people.unlocked' : 'people.disabledDone', { name: u.name }));
      await refreshOne(u.id);
    } catch (e) {
      setError(errorText(e, t));
    }
  };

  const stateOf = (u: UserView) => (u.disabled
    ? <Tag color="default" data-testid="person-state" data-state="disabled">{t('people.disabled')}</Tag>
    : u.locked ? <Tag color="warning" data-testid="person-state" data-state="locked">{t('people.locked')}</Tag>
      : <span data-testid="person-state" data-state="normal">{t('people.normal')}</span>);

  const hasActions = mayGrant || mayUnlock || mayDisable;
  const columns: TableColumnsType<UserView> = [
    { key: 'name', title: t('people.name'), render: (_: unknown, u) => <span data-testid="person-name">{u.name}</span> },
    { key: 'phone', title: t('people.phone'), render: (_: unknown, u) => <span data-testid="person-phone">{u.phoneMasked}</span>, responsive: ['sm'] },
    { key: 'unit', title: t('people.unit'), render: (_: unknown, u) => orgName(u.homeOrgCode), responsive: ['md'] },
    {
      key: 'roles', title: t('people.roles'),
      render: (_: unknown, u) => u.grants.map((g) => <Tag key={g.id} title={orgName(g.orgCode)}>{t(`roles.${g.role}`)}</Tag>),
    },
    { key: 'state', title: t('people.state'), render: (_: unknown, u) => stateOf(u) },
    { key: 'totp', title: t('people.totp'), render: (_: unknown, u) => (u.totpEnabled ? t('home.totpOn') : t('common.none')), responsive: ['xl'] },
    { key: 'id', title: t('people.id'), render: (_: unknown, u) => <span className="cz-mono">{u.id}</span>, responsive: ['xl'] },
    ...(hasActions ? [{
      key: 'actions', title: t('people.actions'),
      render: (_: unknown, u: UserView) => (
        <div className="cz-row-actions" style={{ display: 'flex', flexWrap: 'wrap', gap: 4 }}>
          {mayGrant && (
            <Button size="small" autoInsertSpace={false} onClick={() => setManaging(u)} data-testid="manage-roles" aria-label={t('people.manageFor', { name: u.name })}>
              {t('people.manage')}
            </Button>
          )}
          {mayUnlock && u.locked && !u.disabled && (
            <Button size="small" autoInsertSpace={false} onClick={() => void act(u, 'unlock')} data-testid="unlock" aria-label={t('people.unlockFor', { name: u.name })}>
              {t('people.unlock')}
            </Button>
          )}
          {mayDisable && !u.disabled && u.id !== me.user.id && (
            <Popconfirm title={t('people.disableConfirm', { name: u.name })} okText={t('common.confirm')} cancelText={t('common.cancel')}
              onConfirm={() => act(u, 'disable')}>
              <Button size="small" autoInsertSpace={false} danger data-testid="disable" aria-label={t('people.disableFor', { name: u.name })}>{t('people.disable')}</Button>
            </Popconfirm>
          )}
        </div>
      ),
    }] : []),
  ];

  return (
    <>
      <PageHead title={t('people.title')} subtitle={t('people.subtitle')}
        extra={mayCreate && <Button type="primary" onClick={() => setCreating(true)} data-testid="create-person">{t('people.create')}</Button>} />
      <Card size="small" className="cz-filters">
        <form role="search" aria-label={t('people.q')} onSubmit={(e) => { e.preventDefault(); setQuery(q.trim()); }}>
          <label htmlFor="people-q" className="cz-label">{t('people.q')}</label>
          <div className="cz-search-row">
            <Input id="people-q" value={q} onChange={(e) => setQ(e.target.value)} maxLength={50} allowClear />
            <Button htmlType="submit">{t('common.search')}</Button>
          </div>
        </form>
      </Card>
      <KeysetTable<UserView> list={list} columns={columns} label={t('people.list')} testid="people-table" empty={t('common.empty')} errorTestid="people-error" />
      {creating && (
        <CreatePerson onClose={() => setCreating(false)} onCreated={(u) => {
          setCreating(false);
          void message.success(t('people.created', { name: u.name }));
          list.reload();
        }} />
      )}
      {managing && (
        <ManageGrants person={managing} onClose={() => setManaging(null)} onChanged={async () => {
          const u = await refreshOne(managing.id);
          if (u) setManaging(u);
        }} />
      )}
    </>
  );
}
