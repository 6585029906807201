import { App, Button, Card, Col, Descriptions, Row, Statistic, Tag } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../lib/api';
import { linkClick } from '../lib/router';
import { can, firstRole, SEAL_STATUSES, type Me, type Page, type Seal } from '../lib/types';
import { StatusTag } from './bits';
import { useConsole } from './context';
import { TotpEnrol } from './TotpEnrol';

/** An accent per role, so each workbench is recognisable at a glance. */
const ROLE_ACCENT: Record<string, string> = {
  applicant: '#0b57d0', service_clerk: '#08797a', seal_keeper: '#8c1c13', village_approver: '#5b4a9e',
  station_officer: '#ad4e00', town_leader: '#a8071a', supervisor: '#237804', auditor: '#434343',
  sys_admin: '#1d39c4', sec_admin: '#531dab', audit_admin: '#006d75', none: '#595959',
};

interface Tile { key: string; href: string; title: string; body: string }

/** 工作台: who you are, what you hold, and the screens your permissions open. */
export function Home() {
  const { me: loaded, orgName } = useConsole();
  const { t } = useTranslation();
  const { message } = App.useApp();
  // The console's `me` comes from the log-in; after enrolling a second factor the home
  // re-reads /api/me itself so the account card shows the new state.
  const [fresh, setFresh] = useState<Me | null>(null);
  const me = fresh ?? loaded;
  const [enrolling, setEnrolling] = useState(false);
  const enabled = async () => {
    setEnrolling(false);
    void message.success(t('home.totpEnabledDone'));
    try {
      setFresh(await api.get<Me>('/api/me'));
    } catch {
      setFresh({ ...me, user: { ...me.user, totpEnabled: true } });
    }
  };
  const role = firstRole(me);
  const roleLabel = t(`roles.${role}`);
  const accent = ROLE_ACCENT[role] ?? '#595959';

  const tiles: Tile[] = [
    ...(can(me, 'seal.read') ? [{ key: 'seals', href: '/seals', title: t('nav.seals'), body: can(me, 'seal.manage') ? t('home.sealsTileManage') : t('home.sealsTile') }] : []),
    ...(can(me, 'user.read') ? [{ key: 'people', href: '/people', title: t('nav.people'), body: t('home.peopleTile') }] : []),
    ...(can(me, 'audit.read') ? [{ key: 'audit', href: '/audit', title: t('nav.audit'), body: t('home.auditTile') }] : []),
  ];

  return (
    <div data-testid="home" data-role={role} className={`cz-home cz-home-${role}`} style={{ ['--cz-accent' as string]: accent }}>
      <section className="cz-hero" aria-labelledby="home-title">
        <p className="cz-hello">{t('home.hello', { name: me.user.name })}</p>
        <h1 id="home-title" data-testid="role-heading">{t('home.workbench', { role: roleLabel })}</h1>
        <p className="cz-duty">{t(`duties.${role}`)}</p>
      </section>

      <Row gutter={[16, 16]}>
        <Col xs={24} md={12}>
          <Card title={<h2 className="cz-card-title">{t('home.myRoles')}</h2>} size="small">
            {me.user.grants.length === 0 ? <p>{t('roles.none')}</p> : (
              <ul className="cz-list">
                {me.user.grants.map((g) => (
                  <li key={g.id} data-testid="grant" className="cz-list-row">
                    <Tag variant="solid" color={ROLE_ACCENT[g.role] ?? '#595959'}>{t(`roles.${g.role}`)}</Tag>
                    <span>{orgName(g.orgCode)}</span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card title={<h2 className="cz-card-title">{t('home.myAccount')}</h2>} size="small">
            <Descriptions column={1} size="small" items={[
              { key: 'phone', label: t('home.phone'), children: me.user.phoneMasked },
              { key: 'unit', label: t('people.unit'), children: orgName(me.user.homeOrgCode) },
              {
                key: 'totp', label: t('people.totp'),
                children: (
                  <span data-testid="totp-state" data-enabled={String(me.user.totpEnabled)}>
                    {me.user.totpEnabled ? t('home.totpOn') : t('home.totpOff')}
                  </span>
                ),
              },
            ]} />
            {!me.user.totpEnabled && (
              <Button onClick={() => setEnrolling(true)} data-testid="totp-enable" style={{ marginTop: 8 }}>{t('home.totpEnable')}</Button>
            )}
          </Card>
        </Col>
      </Row>

      <section aria-labelledby="home-functions" className="cz-section">
        <h2 id="home-functions">{t('home.functions')}</h2>
        {tiles.length === 0 ? <p>{t('home.noFunctions')}</p> : (
          <div className="cz-tiles">
            {tiles.map((tile) => (
              <a key={tile.key} href={tile.href} onClick={linkClick(tile.href)} className="cz-tile" data-testid={`tile-${tile.key}`}>
                <Card hoverable size="small" className="cz-tile-card">
                  <h3>{tile.title}</h3>
                  <p>{tile.body}</p>
                  <span className="cz-tile-open" aria-hidden="true">{t('home.open')} →</span>
                </Card>
              </a>
            ))}
          </div>
        )}
      </section>

      {can(me, 'seal.read') && <SealOverview />}
      {enrolling && <TotpEnrol onClose={() => setEnrolling(false)} onEnabled={enabled} />}
    </div>
  );
}

/** Seal counts by status, and the seals this person keeps or approves. */
function SealOverview() {
  const { me, orgName } = useConsole();
  const { t } = useTranslation();
  const [seals, setSeals] = useState<Seal[] | null>(null);
  const [more, setMore] = useState(false);

  useEffect(() => {
    let live = true;
    api.get<Page<Seal>>('/api/seals?limit=200').then((p) => {
      if (!live) return;
      setSeals(p.items);
      setMore(p.next !== null);
    }).catch(() => live && setSeals([]));
    return () => {
      live = false;
    };
  }, []);

  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const s of seals ?? []) c.set(s.status, (c.get(s.status) ?? 0) + 1);
    return c;
  }, [seals]);
  const mine = (seals ?? []).filter((s) => s.keeperUserId === me.user.id);
  const approving = (seals ?? []).filter((s) => s.approverUserIds.includes(me.user.id));

  if (!seals) return <p role="status">{t('common.loading')}</p>;
  const list = (title: string, items: Seal[], testid: string) => items.length > 0 && (
    <Col xs={24} md={12}>
      <Card title={<h2 className="cz-card-title">{title}</h2>} size="small" data-testid={testid}>
        <ul className="cz-list">
          {items.slice(0, 6).map((s) => (
            <li key={s.id} className="cz-seal-line">
              <StatusTag status={s.status} />
              <a href={`/seals/${s.id}`} onClick={linkClick(`/seals/${s.id}`)}>{s.name}</a>
              <span className="cz-sub">{orgName(s.orgCode)}</span>
            </li>
          ))}
        </ul>
        {items.length > 6 && <a href="/seals" onClick={linkClick('/seals')}>{t('home.open')} {t('nav.seals')} ({items.length})</a>}
      </Card>
    </Col>
  );

  return (
    <section aria-labelledby="home-seals" className="cz-section">
      <h2 id="home-seals">{t('home.sealOverview')}</h2>
      <Card size="small">
        <div className="cz-stats">
          {SEAL_STATUSES.filter((s) => counts.get(s)).map((s) => (
            <Statistic key={s} title={t(`status.${s}`)} value={counts.get(s)} suffix={more ? '+' : undefined} />
          ))}
          {seals.length === 0 && <p>{t('common.empty')}</p>}
        </div>
      </Card>
      <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
        {list(t('home.mySeals'), mine, 'my-seals')}
        {list(t('home.myApprovals'), approving, 'my-approvals')}
      </Row>
    </section>
  );
}
