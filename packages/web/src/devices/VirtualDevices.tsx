import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api } from '../lib/api';
import { errorText } from '../lib/errors';
import { linkClick } from '../lib/router';
import type { DemoAction, DemoActionResult, DemoDevice, DeviceView, Page } from '../lib/types';
import { useSoon } from '../lib/useKeysetList';
import { useConsole } from '../console/context';
import { useDeviceLive } from '../shell/live';
import { Empty, ErrorBox, Loading, PageTitle, useLoad } from '../shell/ui';
import { e6ToDeg, fenceRelation } from './format';
import './devices.css';

/** While the panel is shown it also re-reads every few seconds: battery, position and links change without an event. */
const POLL_MS = 4000;

/**
 * 虚拟设备 (demo only): the platform's own emulated devices, each a card with the buttons a
 * person would press at a real one — type the pass code and stamp, stamp another page, force
 * the seal, open the case, carry it off, cut its network — to watch alarms and locks happen.
 */
export default function VirtualDevices() {
  const { t } = useTranslation();
  const [platform, setPlatform] = useState<Map<string, DeviceView>>(new Map());
  // The emulator's view of itself, and the platform's view of the same devices (fence, seal, lock).
  const { data: devices, setData: setDevices, error, reload: load } = useLoad(async () => {
    const [demo, views] = await Promise.all([
      api.get<DemoDevice[]>('/api/demo/devices'),
      api.get<Page<DeviceView>>('/api/devices?limit=200').catch(() => null),
    ]);
    if (views) setPlatform(new Map(views.items.map((v) => [v.id, v])));
    return demo;
  }, []);
  useEffect(() => {
    const tick = () => {
      if (document.visibilityState === 'visible') void load();
    };
    const h = window.setInterval(tick, POLL_MS);
    return () => window.clearInterval(h);
  }, [load]);
  const soon = useSoon(() => void load(), 300);
  useDeviceLive(soon, soon);

  const replace = (d: DemoDevice) => setDevices((xs) => xs?.map((x) => (x.id === d.id ? d : x)) ?? xs);
  return (
    <section className="cz-vd-page" data-testid="virtual-devices">
      <PageTitle title={t('nav.virtualDevices')} sub={t('vd.sub')} />
      {error && <ErrorBox text={error} onRetry={load} />}
      {!devices && !error && <Loading />}
      {devices && devices.length === 0 && <Empty text={t('vd.empty')} />}
      {devices && devices.length > 0 && (
        <ul className="cz-vd-grid">
          {devices.map((d) => <DeviceCard key={d.id} device={d} view={platform.get(d.id)} onResult={replace} />)}
        </ul>
      )}
    </section>
  );
}

const BUTTONS: { action: DemoAction; kind?: 'danger' | 'primary' }[] = [
  { action: 'stamp', kind: 'primary' }, { action: 'stamp_other_page' }, { action: 'force_stamp', kind: 'danger' },
  { action: 'open_case' }, { action: 'close_case' }, { action: 'remove_seal' }, { action: 'return_seal' }, { action: 'shock' },
  { action: 'leave_fence' }, { action: 'return_home' }, { action: 'offline' }, { action: 'online' },
];

/** The emulator's answer ("identity confirmed", "impression 2 made (#41)", "wrong_code") in the reader's words. */
function demoMessage(m: string, t: (k: string, o?: Record<string, unknown>) => string): string {
  if (!m) return '';
  const made = /^impression (\d+) made/.exec(m);
  if (made) return t('vd.madeN', { n: Number(made[1]) });
  return t(`vdReason.${m.replace(/[^a-z_]/g, '_')}`, { defaultValue: m });
}

function Meter({ label, value }: { label: string; value: number | null }) {
  return (
    <div className="cz-meter">
      <span>{label}</span>
      {value === null ? <span>—</span> : <><meter min={0} max={100} low={21} high={60} optimum={100} value={value} aria-label={label} /><span>{value}%</span></>}
    </div>
  );
}

function DeviceCard({ device: d, view, onResult }: { device: DemoDevice; view: DeviceView | undefined; onResult: (d: DemoDevice) => void }) {
  const { t } = useTranslation();
  const { orgName } = useConsole();
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState<DemoAction | null>(null);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const fenceArea = d.fence ?? view?.geofence ?? null;
  const fence = fenceRelation(d.position, fenceArea);
  const sealName = d.sealName ?? view?.sealName ?? null;
  const lock = view?.lockDisplay;
  const auths = d.authorizations ?? (d.authorization ? [{
    auth: d.authorization.auth, app: null, remaining: d.authorization.allowed - d.authorization.used, until: d.authorization.until, identity: d.authorization.identity,
  }] : []);

  const act = async (action: DemoAction, extra: { code?: string } = {}) => {
    setBusy(action);
    try {
      const r = await api.post<DemoActionResult>(`/api/demo/devices/${encodeURIComponent(d.id)}/actions`, { action, ...extra });
      // The emulator answers in its own words (reason codes): say them in the reader's.
      const reason = demoMessage(r.message, t);
      setSaid({ ok: r.ok, text: r.ok ? t('vd.okMsg', { action: action === 'code' ? t('vd.enterCode') : t(`vd.${action}`), detail: reason }) : t('vd.refusedMsg', { reason }) });
      if (r.device) onResult(r.device);
    } catch (e) {
      setSaid({ ok: false, text: errorText(e, t) });
    } finally {
      setBusy(null);
    }
  };
  const sendCode = (e: FormEvent) => {
    e.preventDefault();
    if (!/^\d{6}$/.test(code)) {
      setSaid({ ok: false, text: t('vd.codeInvalid') });
      return;
    }
    void act('code', { code });
  };

  const codeId = `vd-code-${d.id}`;
  return (
    <li className={`m-card cz-vd${d.online ? '' : ' cz-vd-offline'}`} data-testid="virtual-device" data-id={d.id} data-state={d.state ?? ''} data-online={String(d.online)}>
      <div className="m-app-top">
        <strong className="m-app-title">{d.label}</strong>
        <span className={`m-badge ${d.online ? 'cz-on' : 'cz-off'}`}>{d.online ? t('dev.online') : t('dev.offline')}</span>
      </div>
      <p className="m-app-line m-muted">{orgName(d.orgCode)}{sealName ? ` · ${sealName}` : ` · ${t('dev.noSeal')}`} · <span className="cz-mono">{d.id}</span></p>
      <p className="cz-vd-state">
        <span className={`m-badge cz-state-${d.state ?? 'none'}`} data-testid="vd-state">{d.state ? t(`devState.${d.state}`) : t('common.none')}</span>
        {lock && lock !== 'unlocked' && <span className={`m-badge cz-lock-${lock}`} data-testid="vd-lock">{t(`lock.${lock}`)}</span>}
        {d.caseOpen && <span className="m-badge cz-sev-critical">{t('vd.caseOpen')}</span>}
        {d.sealRemoved && <span className="m-badge cz-sev-critical">{t('vd.sealOut')}</span>}
        {!!d.buffered && <span className="m-badge cz-state-none">{t('vd.buffered', { n: d.buffered })}</span>}
      </p>
      <Meter label={t('vd.battery')} value={d.battery} />
      <Meter label={t('vd.ink')} value={d.ink} />
      <p className="m-app-line" data-testid="vd-fence">
        {!d.position ? t('vd.noFix') : `${t('dev.position')}${t('errors.sep')}${e6ToDeg(d.position.latE6)}, ${e6ToDeg(d.position.lngE6)}`}
        {fence && <> · <span className={fence.inside ? '' : 'm-warn-text'}>{t(fence.inside ? 'vd.inside' : 'vd.outside', { d: fence.distanceM, r: fenceArea!.radiusM })}</span></>}
        {!fenceArea && <> · {t('dev.noFence')}</>}
      </p>
      <div className="cz-vd-auths">
        <strong>{t('vd.auths')}</strong>
        {auths.length === 0 ? <p className="m-hint">{t('vd.noAuths')}</p> : (
          <ul>
            {auths.map((a) => (
              <li key={a.auth} data-testid="vd-auth">
                {a.app ? <a href={`/applications/${a.app}`} onClick={linkClick(`/applications/${a.app}`)}>{'title' in a && a.title ? a.title : a.app}</a> : <span className="cz-mono">{a.auth}</span>}
                {' · '}{t('vd.remaining', { n: a.remaining })}{a.until && <> · {t('vd.until', { at: formatTime(a.until) })}</>}
                {'identity' in a && <> · {a.identity ? t('vd.identityOk') : t('vd.identityNeeded')}</>}
              </li>
            ))}
          </ul>
        )}
      </div>
      <form className="cz-vd-code" onSubmit={sendCode}>
        <label htmlFor={codeId} className="m-label">{t('vd.code')}</label>
        <div className="cz-vd-code-row">
          <input id={codeId} inputMode="numeric" autoComplete="off" maxLength={6} value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))} placeholder="000000" />
          <button type="submit" className="btn" disabled={busy !== null} data-testid="vd-code">{t('vd.enterCode')}</button>
        </div>
      </form>
      <div className="cz-vd-buttons">
        {BUTTONS.map((b) => (
          <button key={b.action} type="button" className={`btn${b.kind ? ` btn-${b.kind}` : ''}`} disabled={busy !== null} onClick={() => act(b.action)} data-testid={`vd-${b.action}`}>
            {busy === b.action ? t('common.loading') : t(`vd.${b.action}`)}
          </button>
        ))}
      </div>
      {said && <p className={`m-alert ${said.ok ? 'm-alert-success' : 'm-alert-error'}`} role="status" data-testid="vd-message">{said.text}</p>}
    </li>
  );
}
