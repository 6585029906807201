import { App as AntApp, Button, ConfigProvider, Drawer, Grid, Layout } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LangSwitch } from '../LangSwitch';
import { api } from '../lib/api';
import { linkClick, matchRoute, usePath, type Route } from '../lib/router';
import { can, type Me, type Org } from '../lib/types';
import { ConsoleContext, type ConsoleCtx } from './context';
import { Home } from './Home';
import { theme } from './theme';

const Seals = lazy(() => import('./Seals'));
const SealDetailPage = lazy(() => import('./SealDetail'));
const People = lazy(() => import('./People'));
const Audit = lazy(() => import('./Audit'));

interface NavItem { key: Route['name']; href: string; label: string }

/** Names of the units under the person's grants: each unit and its children. */
function useOrgs(me: Me): Pick<ConsoleCtx, 'orgName' | 'villages' | 'towns'> {
  const [orgs, setOrgs] = useState<Map<string, Org>>(new Map());
  useEffect(() => {
    let live = true;
    const roots = [...new Set(me.user.grants.map((g) => g.orgCode).concat(me.user.homeOrgCode))];
    void Promise.all(roots.flatMap((code) => [
      api.get<Org>(`/api/orgs/${code}`).then((o) => [o]).catch(() => [] as Org[]),
      code.length < 12 ? api.get<Org[]>(`/api/orgs?parent=${code}`).catch(() => [] as Org[]) : Promise.resolve([] as Org[]),
    ])).then((lists) => {
      if (!live) return;
      const m = new Map<string, Org>();
      for (const o of lists.flat()) m.set(o.code, o);
      setOrgs(m);
    });
    return () => {
      live = false;
    };
  }, [me]);
  return useMemo(() => {
    const all = [...orgs.values()].sort((a, b) => a.code.localeCompare(b.code));
    return {
      orgName: (code: string) => orgs.get(code)?.name ?? code,
      villages: all.filter((o) => o.level === 'village'),
      towns: all.filter((o) => o.level === 'town'),
    };
  }, [orgs]);
}

function Forbidden() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('notFound.title')}</h1>
      <p>{t('notFound.body')}</p>
      <a href="/" onClick={linkClick('/')}>{t('notFound.home')}</a>
    </section>
  );
}

function MenuIcon() {
  return (
    <svg width="20" height="20" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      <path d="M2 4h16M2 10h16M2 16h16" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

export default function Console({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const { t, i18n } = useTranslation();
  const path = usePath();
  const route = matchRoute(path);
  const screens = Grid.useBreakpoint();
  // Before the first measurement useBreakpoint is empty: treat that as a phone.
  const desktop = !!screens.md;
  const [drawer, setDrawer] = useState(false);
  const orgs = useOrgs(me);
  const ctx = useMemo<ConsoleCtx>(() => ({ me, ...orgs }), [me, orgs]);

  const nav: NavItem[] = [
    { key: 'home', href: '/', label: t('nav.home') },
    ...(can(me, 'seal.read') ? [{ key: 'seals' as const, href: '/seals', label: t('nav.seals') }] : []),
    ...(can(me, 'user.read') ? [{ key: 'people' as const, href: '/people', label: t('nav.people') }] : []),
    ...(can(me, 'audit.read') ? [{ key: 'audit' as const, href: '/audit', label: t('nav.audit') }] : []),
  ];
  const current = route.name === 'seal' ? 'seals' : route.name;
  const currentLabel = nav.find((n) => n.key === current)?.label;

  useEffect(() => {
    document.title = currentLabel ? `${currentLabel} · ${t('common.appName')}` : t('common.appName');
  }, [currentLabel, t]);

  let page: ReactNode;
  switch (route.name) {
    case 'home': page = <Home />; break;
    case 'seals': page = can(me, 'seal.read') ? <Seals /> : <Forbidden />; break;
    case 'seal': page = can(me, 'seal.read') ? <SealDetailPage id={route.id} /> : <Forbidden />; break;
    case 'people': page = can(me, 'user.read') ? <People /> : <Forbidden />; break;
    case 'audit': page = can(me, 'audit.read') ? <Audit /> : <Forbidden />; break;
    default: page = <Forbidden />;
  }

  const navList = (
    <nav aria-label={t('nav.main')} className="cz-nav">
      <ul>
        {nav.map((n) => (
          <li key={n.key}>
            <a href={n.href} aria-current={n.key === current ? 'page' : undefined}
              onClick={(e) => { setDrawer(false); linkClick(n.href)(e); }}>{n.label}</a>
          </li>
        ))}
      </ul>
    </nav>
  );

  return (
    <ConfigProvider locale={i18n.language === 'en' ? enUS : zhCN} theme={theme}>
      <AntApp>
        <ConsoleContext.Provider value={ctx}>
          <a className="skip-link" href="#main">{t('common.skip')}</a>
          <Layout className="cz-layout">
            <Layout.Header className="cz-header">
              {!desktop && (
                <button type="button" className="cz-menu-btn" aria-label={t('nav.menu')} aria-expanded={drawer} onClick={() => setDrawer(true)}>
                  <MenuIcon />
                </button>
              )}
              <a className="brand cz-brand-link" href="/" onClick={linkClick('/')}>
                <span className="brand-mark" aria-hidden="true">章</span>
                <span className="brand-name">{t('common.appName')}</span>
              </a>
              {me.demo && <span className="cz-demo" title={t('common.demoTitle')} data-testid="demo-badge">{t('common.demo')}</span>}
              <span className="spacer" />
              <span className="user" data-testid="user-name"><span className="sr-only">{t('nav.account')} </span>{me.user.name}</span>
              <LangSwitch className="btn btn-ghost-light" />
              {desktop && <Button onClick={onLogout} className="cz-logout">{t('nav.logout')}</Button>}
            </Layout.Header>
            <Layout hasSider={desktop}>
              {desktop && <Layout.Sider width={200} theme="light" className="cz-sider">{navList}</Layout.Sider>}
              <Layout.Content id="main" className="cz-content" tabIndex={-1}>
                <Suspense fallback={<p role="status">{t('common.loading')}</p>}>{page}</Suspense>
              </Layout.Content>
            </Layout>
          </Layout>
          {!desktop && (
            <Drawer open={drawer} onClose={() => setDrawer(false)} placement="left" size={260} title={t('common.appName')}
              closable={{ 'aria-label': t('common.back') }}>
              {navList}
              <Button block onClick={onLogout} className="cz-logout" style={{ marginTop: 24 }}>{t('nav.logout')}</Button>
            </Drawer>
          )}
        </ConsoleContext.Provider>
      </AntApp>
    </ConfigProvider>
  );
}
