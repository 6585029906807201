import { lazy, Suspense, useEffect, useMemo, useRef, useState, type ComponentType, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { LangSwitch } from '../LangSwitch';
import { api } from '../lib/api';
import { linkClick, matchRoute, usePath, type Route } from '../lib/router';
import { can, hasRole, type LiveEvent, type Me, type Org } from '../lib/types';
import { ConsoleContext, type ConsoleCtx } from '../console/context';
import { DEVICE_PATHS, deviceNav, matchDeviceRoute, type DeviceRouteName } from '../devices/routes';
import { DeviceScreen } from '../devices/screens';
import { AlarmNotices } from './AlarmNotices';
import { Home } from './Home';
import { takeOwn, useLiveStream } from './live';
import { ToastProvider, useToast } from './ui';

/**
 * Screens that use antd (tables, filter bars: the desk work of the console) load antd with
 * them, inside its theme and locale. The shell, the workbench and the phone screens do
 * not: a village phone loads only plain elements and one stylesheet.
 */
function withAntd<P extends object>(load: () => Promise<{ default: ComponentType<P> }>) {
  return lazy(async () => {
    const [frame, screen] = await Promise.all([import('../console/Frame'), load()]);
    const Frame = frame.default;
    const Screen = screen.default;
    return { default: (p: P) => <Frame><Screen {...p} /></Frame> };
  });
}

const Apply = lazy(() => import('../phone/Apply'));
const Boxes = lazy(() => import('../phone/Boxes'));
const ApplicationPage = lazy(() => import('../phone/ApplicationPage'));
const Certificate = lazy(() => import('../phone/Certificate'));
const Delegations = lazy(() => import('../phone/Delegations'));
const Seals = withAntd(() => import('../console/Seals'));
const SealDetailPage = withAntd(() => import('../console/SealDetail'));
const People = withAntd(() => import('../console/People'));
const Audit = withAntd(() => import('../console/Audit'));
const Ledger = withAntd(() => import('../console/Ledger'));
const Matters = withAntd(() => import('../console/Matters'));

export type NavKey = Route['name'] | DeviceRouteName;
export interface NavItem { key: NavKey; href: string; label: string }

/** The screens this person's permissions open, in the order of a working day. */
export function navItems(me: Me, t: (k: string) => string, demoPanel = false): NavItem[] {
  const devices = deviceNav(me, demoPanel);
  const device = (list: [boolean, DeviceRouteName][]) => list.map(([ok, key]): [boolean, NavKey, string] => [ok, key, DEVICE_PATHS[key]]);
  const items: [boolean, NavKey, string][] = [
    [true, 'home', '/'],
    [can(me, 'application.create'), 'apply', '/apply'],
    [can(me, 'application.create'), 'mine', '/mine'],
    [can(me, 'application.decide'), 'inbox', '/inbox'],
    [can(me, 'stamping.record'), 'queue', '/queue'],
    ...device(devices.phone),
    [can(me, 'certificate.issue'), 'certificate', '/certificate'],
    [hasRole(me, 'village_approver'), 'delegations', '/delegations'],
    [can(me, 'application.read'), 'ledger', '/ledger'],
    [can(me, 'matter.manage'), 'matters', '/matters'],
    [can(me, 'seal.read'), 'seals', '/seals'],
    ...device(devices.desk.slice(0, -1)),
    [can(me, 'user.read'), 'people', '/people'],
    [can(me, 'audit.read'), 'audit', '/audit'],
    ...device(devices.desk.slice(-1)),
  ];
  return items.filter(([ok]) => ok).map(([, key, href]) => ({ key, href, label: t(`nav.${key}`) }));
}

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

function NotFound() {
  const { t } = useTranslation();
  return (
    <section className="m-page">
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

/** Live updates become a short notice with a link to the application. */
function LiveNotices({ me }: { me: Me }) {
  const { t } = useTranslation();
  const toast = useToast();
  useLiveStream(me.user.id, (e: LiveEvent) => {
    if (takeOwn(e)) return;
    const kind = e.type === 'rejected' || e.type === 'revoked' || e.type === 'expired' ? 'warning' : e.type === 'reminder' ? 'warning' : e.type === 'approved' || e.type === 'stamped' ? 'success' : 'info';
    toast({ text: t(`live.${e.type}`, { title: e.documentTitle }), kind, href: `/applications/${e.applicationId}` });
  });
  return null;
}

/**
 * In demo mode, is the virtual-device panel there for this person (its API answers, with a
 * device they may see)? null while asking.
 */
function useDemoPanel(me: Me): boolean | null {
  const [ok, setOk] = useState<boolean | null>(me.demo ? null : false);
  useEffect(() => {
    if (!me.demo) return;
    let live = true;
    api.get<unknown[]>('/api/demo/devices').then((l) => live && setOk(Array.isArray(l) && l.length > 0), () => live && setOk(false));
    return () => {
      live = false;
    };
  }, [me.demo]);
  return ok;
}

/** After log-in: header, navigation (a side bar on a desk, a drawer on a phone) and the screen. */
export default function Shell({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const { t } = useTranslation();
  const path = usePath();
  const route = matchRoute(path);
  const deviceRoute = matchDeviceRoute(path);
  const orgs = useOrgs(me);
  const ctx = useMemo<ConsoleCtx>(() => ({ me, ...orgs }), [me, orgs]);
  const drawer = useRef<HTMLDialogElement>(null);
  const demoPanel = useDemoPanel(me);
  const nav = navItems(me, t, demoPanel === true);
  const allowed = (k: NavKey) => nav.some((n) => n.key === k);
  const current = deviceRoute ?? (route.name === 'seal' ? 'seals' : route.name === 'application' ? null : route.name);
  const currentLabel = nav.find((n) => n.key === current)?.label;

  useEffect(() => {
    document.title = currentLabel ? `${currentLabel} · ${t('common.appName')}` : t('common.appName');
  }, [currentLabel, t]);

  let page: ReactNode;
  if (deviceRoute) {
    page = allowed(deviceRoute) ? <DeviceScreen name={deviceRoute} />
      : deviceRoute === 'virtualDevices' && demoPanel === null ? <p className="m-state" role="status">{t('common.loading')}</p> : <NotFound />;
  } else switch (route.name) {
    case 'home': page = <Home nav={nav} />; break;
    case 'apply': page = allowed('apply') ? <Apply /> : <NotFound />; break;
    case 'mine':
    case 'inbox':
    case 'queue': page = allowed(route.name) ? <Boxes key={route.name} box={route.name} /> : <NotFound />; break;
    case 'application': page = <ApplicationPage id={route.id} />; break;
    case 'certificate': page = allowed('certificate') ? <Certificate /> : <NotFound />; break;
    case 'delegations': page = allowed('delegations') ? <Delegations /> : <NotFound />; break;
    case 'ledger': page = allowed('ledger') ? <Ledger /> : <NotFound />; break;
    case 'matters': page = allowed('matters') ? <Matters /> : <NotFound />; break;
    case 'seals': page = allowed('seals') ? <Seals /> : <NotFound />; break;
    case 'seal': page = allowed('seals') ? <SealDetailPage id={route.id} /> : <NotFound />; break;
    case 'people': page = allowed('people') ? <People /> : <NotFound />; break;
    case 'audit': page = allowed('audit') ? <Audit /> : <NotFound />; break;
    default: page = <NotFound />;
  }

  const closeDrawer = () => drawer.current?.close();
  const navList = (
    <nav aria-label={t('nav.main')} className="cz-nav">
      <ul>
        {nav.map((n) => (
          <li key={n.key}>
            <a href={n.href} aria-current={n.key === current ? 'page' : undefined}
              onClick={(e) => { closeDrawer(); linkClick(n.href)(e); }}>{n.label}</a>
          </li>
        ))}
      </ul>
    </nav>
  );

  return (
    <ToastProvider>
      <ConsoleContext.Provider value={ctx}>
        <LiveNotices me={me} />
        <AlarmNotices me={me} />
        <a className="skip-link" href="#main">{t('common.skip')}</a>
        <div className="cz-layout">
          <header className="cz-header">
            <button type="button" className="cz-menu-btn" aria-label={t('nav.menu')} aria-haspopup="dialog"
              onClick={() => drawer.current?.showModal()}>
              <MenuIcon />
            </button>
            <a className="brand cz-brand-link" href="/" onClick={linkClick('/')}>
              <span className="brand-mark" aria-hidden="true">章</span>
              <span className="brand-name">{t('common.appName')}</span>
            </a>
            {me.demo && <span className="cz-demo" title={t('common.demoTitle')} data-testid="demo-badge">{t('common.demo')}</span>}
            <span className="spacer" />
            <span className="user" data-testid="user-name"><span className="sr-only">{t('nav.account')} </span>{me.user.name}</span>
            <LangSwitch className="btn btn-ghost-light" />
            <button type="button" className="btn btn-ghost-light cz-logout cz-logout-top" onClick={onLogout}>{t('nav.logout')}</button>
          </header>
          <div className="cz-body">
            <aside className="cz-sider">{navList}</aside>
            <main id="main" className="cz-content" tabIndex={-1}>
              <Suspense fallback={<p className="m-state" role="status">{t('common.loading')}</p>}>{page}</Suspense>
            </main>
          </div>
        </div>
        <dialog ref={drawer} className="cz-drawer" aria-labelledby="drawer-title"
          onClick={(e) => { if (e.target === drawer.current) closeDrawer(); }}>
          <div className="cz-drawer-head">
            <h2 id="drawer-title">{t('common.appName')}</h2>
            <button type="button" className="m-icon-btn" aria-label={t('common.back')} onClick={closeDrawer}>×</button>
          </div>
          <p className="cz-drawer-user">{me.user.name}</p>
          {navList}
          <button type="button" className="btn btn-block cz-logout" onClick={() => { closeDrawer(); onLogout(); }}>{t('nav.logout')}</button>
        </dialog>
      </ConsoleContext.Provider>
    </ToastProvider>
  );
}
