import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../lib/api';
import { linkClick } from '../lib/router';
import { can, firstRole, SEAL_STATUSES, type AlarmView, type ApplicationView, type DeviceRequestView, type Listing, type Me, type Page, type Seal } from '../lib/types';
import { useConsole } from '../console/context';
import { useDeviceLive, useLiveRefresh } from './live';
import type { NavItem } from './Shell';
import { useToast } from './ui';

/** Enrolling a second factor is rare: its dialog (antd) loads only when asked for. */
const TotpEnrol = lazy(async () => {
  const [frame, dialog] = await Promise.all([import('../console/Frame'), import('../console/TotpEnrol')]);
  const Frame = frame.default;
  const Dialog = dialog.default;
  return { default: (p: { onClose: () => void; onEnabled: () => Promise<void> }) => <Frame><Dialog {...p} /></Frame> };
});

/** An accent per role, so each workbench is recognisable at a glance. */
const ROLE_ACCENT: Record<string, string> = {
  applicant: '#0b57d0', service_clerk: '#08797a', seal_keeper: '#8c1c13', village_approver: '#5b4a9e',
  station_officer: '#ad4e00', town_leader: '#a8071a', supervisor: '#237804', auditor: '#434343',
  sys_admin: '#1d39c4', sec_admin: '#531dab', audit_admin: '#006d75', none: '#595959',
};

type Counted = 'inbox' | 'queue' | 'alarms' | 'alarmBox' | 'deviceRequests';

/** Waiting work shown on the tiles: pending decisions, approved uses to stamp, open alarms, device requests to decide. */
function useCounts(me: Me): Partial<Record<Counted, number>> {
  const [counts, setCounts] = useState<Partial<Record<Counted, number>>>({});
  const [tick, setTick] = useState(0);
  useLiveRefresh(() => setTick((n) => n + 1), () => setTick((n) => n + 1));
  useDeviceLive(() => setTick((n) => n + 1));
  useEffect(() => {
    let live = true;
    const boxes = [...(can(me, 'application.decide') ? ['inbox' as const] : []), ...(can(me, 'stamping.record') ? ['queue' as const] : [])];
    for (const box of boxes) {
      api.get<Listing<ApplicationView>>(`/api/applications?box=${box}&limit=100`)
        .then((l) => live && setCounts((c) => ({ ...c, [box]: l.items.length })))
        .catch(() => undefined);
    }
    if (can(me, 'alarm.read')) {
      api.get<Listing<AlarmView>>('/api/alarms?status=open&limit=100')
        .then((l) => live && setCounts((c) => ({ ...c, alarms: l.items.length, alarmBox: l.items.length })))
        .catch(() => undefined);
    }
    if (can(me, 'device.unlock') || can(me, 'device.approve')) {
      api.get<DeviceRequestView[]>('/api/device-requests')
        .then((l) => live && setCounts((c) => ({ ...c, deviceRequests: l.filter((r) => r.status === 'pending' && r.mayDecide !== false && r.requestedBy !== me.user.id).length })))
        .catch(() => undefined);
    }
    return () => {
      live = false;
    };
  }, [me, tick]);
  return counts;
}

/** 工作台: who you are, what you hold, what waits for you, and the screens your permissions open. */
export function Home({ nav }: { nav: NavItem[] }) {
  const { me: loaded, orgName } = useConsole();
  const { t } = useTranslation();
  const toast = useToast();
  // After enrolling a second factor the home re-reads /api/me so the account card shows it.
  const [fresh, setFresh] = useState<Me | null>(null);
  const me = fresh ?? loaded;
  const [enrolling, setEnrolling] = useState(false);
  const counts = useCounts(me);
  const enabled = async () => {
    setEnrolling(false);
    toast({ text: t('home.totpEnabledDone'), kind: 'success' });
    try {
      setFresh(await api.get<Me>('/api/me'));
    } catch {
      setFresh({ ...me, user: { ...me.user, totpEnabled: true } });
    }
  };
  const role = firstRole(me);
  const accent = ROLE_ACCENT[role] ?? '#595959';
  const tiles = nav.filter((n) => n.key !== 'home');

  return (
    <div data-testid="home" data-role={role} className={`cz-home cz-home-${role}`} style={{ ['--cz-accent' as string]: accent }}>
      <section className="cz-hero" aria-labelledby="home-title">
        <p className="cz-hello">{t('home.hello', { name: me.user.name })}</p>
        <h1 id="home-title" data-testid="role-heading">{t('home.workbench', { role: t(`roles.${role}`) })}</h1>
        <p className="cz-duty">{t(`duties.${role}`)}</p>
      </section>

      <section aria-labelledby="home-functions" className="cz-section">
        <h2 id="home-functions">{t('home.functions')}</h2>
        {tiles.length === 0 ? <p>{t('home.noFunctions')}</p> : (
          <div className="cz-tiles">
            {tiles.map((tile) => {
              const n = tile.key in counts ? counts[tile.key as Counted] : undefined;
              return (
                <a key={tile.key} href={tile.href} onClick={linkClick(tile.href)} className="cz-tile m-card" data-testid={`tile-${tile.key}`}>
                  <h3>
                    {tile.label}
                    {n !== undefined && n > 0 && <span className="m-count" data-testid={`count-${tile.key}`}>{t('home.waiting', { n })}</span>}
                  </h3>
                  <p>{t(`tiles.${tile.key}`)}</p>
                  <span className="cz-tile-open" aria-hidden="true">{t('home.open')} →</span>
                </a>
              );
            })}
          </div>
        )}
      </section>

      <div className="m-grid2 cz-section">
        <section className="m-card" aria-labelledby="home-roles">
          <h2 id="home-roles" className="cz-card-title">{t('home.myRoles')}</h2>
          {me.user.grants.length === 0 ? <p>{t('roles.none')}</p> : (
            <ul className="cz-list">
              {me.user.grants.map((g) => (
                <li key={g.id} data-testid="grant" className="cz-list-row">
                  <span className="m-tag" style={{ background: ROLE_ACCENT[g.role] ?? '#595959' }}>{t(`roles.${g.role}`)}</span>
                  <span>{orgName(g.orgCode)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="m-card" aria-labelledby="home-account">
          <h2 id="home-account" className="cz-card-title">{t('home.myAccount')}</h2>
          <dl className="m-facts">
            <dt>{t('home.phone')}</dt><dd>{me.user.phoneMasked}</dd>
            <dt>{t('people.unit')}</dt><dd>{orgName(me.user.homeOrgCode)}</dd>
            <dt>{t('people.totp')}</dt>
            <dd><span data-testid="totp-state" data-enabled={String(me.user.totpEnabled)}>{me.user.totpEnabled ? t('home.totpOn') : t('home.totpOff')}</span></dd>
          </dl>
          {!me.user.totpEnabled && (
            <button type="button" className="btn" onClick={() => setEnrolling(true)} data-testid="totp-enable">{t('home.totpEnable')}</button>
          )}
        </section>
      </div>

      {can(me, 'seal.read') && <SealOverview />}
      {enrolling && (
        <Suspense fallback={<p className="m-state" role="status">{t('common.loading')}</p>}>
          <TotpEnrol onClose={() => setEnrolling(false)} onEnabled={enabled} />
        </Suspense>
      )}
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
  if (!seals) return <p className="m-state" role="status">{t('common.loading')}</p>;
  const mine = seals.filter((s) => s.keeperUserId === me.user.id);
  const approving = seals.filter((s) => s.approverUserIds.includes(me.user.id));

  const list = (title: string, items: Seal[], testid: string) => items.length > 0 && (
    <section className="m-card" data-testid={testid} aria-label={title}>
      <h3 className="cz-card-title">{title}</h3>
      <ul className="cz-list">
        {items.slice(0, 6).map((s) => (
          <li key={s.id} className="cz-seal-line">
            <span className={`m-badge m-seal-${s.status}`} data-testid="seal-status" data-status={s.status}>{t(`status.${s.status}`)}</span>
            <a href={`/seals/${s.id}`} onClick={linkClick(`/seals/${s.id}`)}>{s.name}</a>
            <span className="cz-sub">{orgName(s.orgCode)}</span>
          </li>
        ))}
      </ul>
      {items.length > 6 && <a href="/seals" onClick={linkClick('/seals')}>{t('home.open')} {t('nav.seals')} ({items.length})</a>}
    </section>
  );

  return (
    <section aria-labelledby="home-seals" className="cz-section">
      <h2 id="home-seals">{t('home.sealOverview')}</h2>
      <div className="m-card">
        <div className="cz-stats">
          {SEAL_STATUSES.filter((s) => counts.get(s)).map((s) => (
            <div key={s} className="m-stat">
              <span className="m-stat-label">{t(`status.${s}`)}</span>
              <span className="m-stat-value">{counts.get(s)}{more ? '+' : ''}</span>
            </div>
          ))}
          {seals.length === 0 && <p>{t('common.empty')}</p>}
        </div>
      </div>
      <div className="m-grid2 cz-gap">
        {list(t('home.mySeals'), mine, 'my-seals')}
        {list(t('home.myApprovals'), approving, 'my-approvals')}
      </div>
    </section>
  );
}
