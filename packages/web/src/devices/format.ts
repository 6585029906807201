/**
 * Pure helpers of the device and alarm screens: positions in micro-degrees (the wire's integers)
 * to and from the degrees people type, distances to a fence, alarm evidence as readable rows and
 * the steps open on an alarm.
 * No i18n import here (it touches the document): the translate and time functions come in.
 */
import { distanceM } from '@cunzhang/core/geo';
import type { Geofence, PositionE6 } from '../lib/device-types';
import { can, type AlarmView, type LockDisplay, type Me } from '../lib/types';

/**
 * Degrees as typed ("35.7941", "-116.5", "116.123456789") to micro-degrees, exactly: the
 * digits are shifted as text, so 35.123457 gives 35123457 and never 35123456.99…; digits past
 * the sixth are rounded half away from zero. Null when it is not a number within ±limit.
 */
export function degToE6(text: string, limit: 90 | 180): number | null {
  const m = /^\s*([+-]?)(\d{1,3})(?:\.(\d*))?\s*$/.exec(text);
  if (!m) return null;
  const [, sign, whole, frac = ''] = m;
  let micro = Number(whole) * 1_000_000 + Number((frac.slice(0, 6) || '0').padEnd(6, '0'));
  if (frac.length > 6 && Number(frac[6]) >= 5) micro += 1;
  if (micro > limit * 1_000_000) return null;
  return sign === '-' && micro !== 0 ? -micro : micro;
}

/** Micro-degrees to degrees with six decimals, exactly (35123457 → "35.123457"). */
export function e6ToDeg(e6: number): string {
  const sign = e6 < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(e6));
  return `${sign}${Math.floor(abs / 1_000_000)}.${String(abs % 1_000_000).padStart(6, '0')}`;
}

/**
 * Where a position is against a fence; null without a fence or a fix (0,0 means no fix). The
 * distance is the server's own (core's haversine), so the panel and the fence rule agree.
 */
export function fenceRelation(pos: PositionE6 | null | undefined, fence: Geofence | null | undefined): { distanceM: number; inside: boolean } | null {
  if (!pos || !fence || (pos.latE6 === 0 && pos.lngE6 === 0)) return null;
  const d = Math.round(distanceM(fence, pos));
  return { distanceM: d, inside: d <= fence.radiusM };
}

/** Battery and ink as "80% / 35%", a dash for what the device has not reported. */
export const batteryInk = (d: { battery: number | null; ink: number | null }): string =>
  `${d.battery === null ? '—' : `${d.battery}%`} / ${d.ink === null ? '—' : `${d.ink}%`}`;

/** HH:MM, 24-hour. */
export const isHhmm = (s: string): boolean => /^([01]\d|2[0-3]):[0-5]\d$/.test(s);

// ── Alarm evidence ─────────────────────────────────────────────────────────────────────

export type Translate = (key: string, opts?: Record<string, unknown>) => string;

export interface EvidencePhoto { key: string; label: string; sm3: string }
export interface EvidenceRow { key: string; label: string; value: string }

const SM3 = /^[0-9a-f]{64}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Evidence keys with a label in the `evi` section, in the order they read best. */
const ORDER = [
  'reason', 'kind', 'value', 'source', 'deviceTime', 'receivedAt', 'localTime', 'timeZone', 'hours', 'hoursOf', 'graceMinutes',
  'auth', 'n', 'authorizationId', 'applicationId', 'impressionsAllowed', 'impressionsUsedBefore', 'validFrom', 'validUntil', 'revokedAt',
  'position', 'fence', 'distanceM', 'beyondM', 'toleranceM', 'offline', 'phash', 'nearestPageNo', 'distance', 'threshold',
  'battery', 'ink', 'skewMs', 'thresholdSeconds', 'deviceState', 'seq', 'since', 'minutes', 'lastSeenAt', 'silentSeconds', 'hbSeconds', 'factor',
  'missing', 'ranges', 'graceSeconds', 'seqHigh', 'lastHour', 'usualHourly', 'last30Days', 'limit', 'floor', 'detail', 'topic', 'at', 'stampingId', 'orgCode',
];

/** What a list shows of an alarm in one line: the telling numbers first, never the times. */
const SUMMARY = ['reason', 'kind', 'beyondM', 'distance', 'localTime', 'battery', 'ink', 'skewMs', 'minutes', 'silentSeconds', 'missing', 'lastHour', 'detail'];

/** Translated code words: which section names the values of which key. */
const CODED: Record<string, string> = { reason: 'eviReason', source: 'eviSource', kind: 'sensor', deviceState: 'devState', hoursOf: 'eviHoursOf' };

function isPosition(v: unknown): v is PositionE6 & { accM?: number } {
  return typeof v === 'object' && v !== null && typeof (v as PositionE6).latE6 === 'number' && typeof (v as PositionE6).lngE6 === 'number';
}

/** The photos an alarm's evidence names by SM3: `photos: {before, after}` or any 64-hex value. */
export function evidencePhotos(evidence: Record<string, unknown>, t: Translate): EvidencePhoto[] {
  const out: EvidencePhoto[] = [];
  const seen = new Set<string>();
  const walk = (v: unknown, path: string[]) => {
    if (typeof v === 'string' && SM3.test(v) && !seen.has(v)) {
      seen.add(v);
      const last = path[path.length - 1] ?? '';
      const name = last === 'sm3' ? (path[path.length - 2] ?? '') : last;
      out.push({ key: path.join('.'), label: t(`eviPhoto.${name}`, { defaultValue: t('eviPhoto.photo') }), sm3: v });
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(x, [...path, k]);
    }
  };
  walk(evidence, []);
  return out;
}

/** One value in words: times in local time, positions in degrees, code words translated. */
export function evidenceValue(key: string, v: unknown, t: Translate, time: (iso: string) => string): string {
  if (v === null || v === undefined) return t('common.none');
  if (typeof v === 'boolean') return v ? t('evi.yes') : t('evi.no');
  if (typeof v === 'string') {
    if (CODED[key]) return t(`${CODED[key]}.${v}`, { defaultValue: v });
    return ISO.test(v) ? time(v) : v;
  }
  if (typeof v === 'number') {
    if (key === 'skewMs') return t('evi.seconds', { n: Math.round(v / 100) / 10 });
    if (/(M|Metres)$/.test(key)) return t('evi.metres', { n: v });
    if (key === 'battery' || key === 'ink') return `${v}%`;
    return String(v);
  }
  // Interpolation names avoid `lng`: i18next would take it for the language to translate into.
  if (isPosition(v)) {
    const fence = v as Partial<Geofence> & { accM?: number };
    if (typeof fence.radiusM === 'number') return t('evi.fenceV', { lat: e6ToDeg(v.latE6), lon: e6ToDeg(v.lngE6), r: fence.radiusM });
    return typeof fence.accM === 'number' ? t('evi.positionAcc', { lat: e6ToDeg(v.latE6), lon: e6ToDeg(v.lngE6), acc: fence.accM }) : `${e6ToDeg(v.latE6)}, ${e6ToDeg(v.lngE6)}`;
  }
  const span = (x: unknown) => (typeof x === 'object' && x !== null && 'from' in x && 'to' in x ? `${String((x as { from: unknown }).from)}–${String((x as { to: unknown }).to)}` : null);
  if (span(v)) return span(v)!;
  // Missing message ranges of a sequence gap: "41–43、57–57".
  if (Array.isArray(v) && v.length > 0 && v.every((x) => span(x))) return v.map((x) => span(x)).join('、');
  return JSON.stringify(v);
}

/**
 * The evidence of an alarm as labelled rows, known keys first in a fixed order, unknown keys
 * after them under their own name; photos are left out (evidencePhotos shows them).
 */
export function evidenceRows(evidence: Record<string, unknown>, t: Translate, time: (iso: string) => string): EvidenceRow[] {
  // An empty value says nothing, except a missing authorization (it is the finding itself);
  // the impression's number under no authorization is always 0.
  const keys = Object.keys(evidence).filter((k) => k !== 'photos' && !(typeof evidence[k] === 'string' && SM3.test(evidence[k] as string))
    && (k === 'auth' || (evidence[k] !== null && evidence[k] !== undefined)) && !(k === 'n' && evidence.auth === null));
  keys.sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    return (ia < 0 ? ORDER.length : ia) - (ib < 0 ? ORDER.length : ib) || a.localeCompare(b);
  });
  const rows = keys.map((k) => ({ key: k, label: t(`evi.${k}`, { defaultValue: k }), value: evidenceValue(k, evidence[k], t, time) }));
  // The same fact twice (auth and authorizationId carry one id under one label): once is enough.
  return rows.filter((r, i) => !rows.slice(0, i).some((x) => x.label === r.label && x.value === r.value));
}

/** One line saying what happened, for lists and notices: the rule and the first evidence rows. */
export function evidenceSummary(evidence: Record<string, unknown>, t: Translate, time: (iso: string) => string, max = 2): string {
  const telling = SUMMARY.filter((k) => evidence[k] !== undefined && evidence[k] !== null);
  const keys = telling.length ? telling : Object.keys(evidence).filter((k) => evidence[k] !== null && typeof evidence[k] !== 'object');
  return keys.slice(0, max).map((k) => `${t(`evi.${k}`, { defaultValue: k })}${t('errors.sep')}${evidenceValue(k, evidence[k], t, time)}`).join(t('evi.join'));
}

// ── What the reader may do with an alarm (the desk's drawer and the phone's box alike) ──────

export interface AlarmSteps { acknowledge: boolean; resolve: boolean; lock: boolean }

/**
 * The steps open now. `offered`: the steps the server listed with the alarm's detail (it knows
 * best); without them (a list row, an older server) the reader's permissions in the alarm's unit.
 */
export function alarmSteps(a: AlarmView, me: Me, offered?: readonly ('acknowledge' | 'resolve')[]): AlarmSteps {
  const handle = can(me, 'alarm.handle', a.orgCode);
  return {
    acknowledge: offered ? offered.includes('acknowledge') : handle && a.status === 'open',
    resolve: offered ? offered.includes('resolve') : handle && a.status !== 'resolved',
    lock: !!a.deviceId && can(me, 'device.lock', a.orgCode),
  };
}

/** The one-tap lock button's words: what the lock is doing, or the offer to lock. */
export function lockLabel(lock: LockDisplay | undefined, sending: boolean, t: Translate): string {
  if (sending || lock === 'locking') return t('lock.locking');
  if (lock === 'locked') return t('lock.locked');
  if (lock === 'unlocking') return t('lock.unlocking');
  return t('dev.oneTap');
}

/** The reason a lock from an alarm carries: the rule that raised it. */
export const alarmLockReason = (a: AlarmView, t: Translate): string => t('alarm.lockReason', { rule: t(`rule.${a.rule}`) });

// ── Device events and commands in words ─────────────────────────────────────────────────

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** What one signed device event says, in a line (the event list of the device drawer). */
export function eventSummary(type: string, rawBody: unknown, t: Translate): string {
  const b = obj(rawBody);
  switch (type) {
    case 'impression': {
      const op = obj(b.operator);
      return [
        b.auth ? t('devEv.impressionAuth', { auth: String(b.auth), n: Number(b.n) }) : t('devEv.impressionForced'),
        b.offline ? t('devEv.offline') : '',
        typeof op.method === 'string' ? t('devEv.operator', { method: t(`devEv.method_${op.method}`, { defaultValue: op.method }) }) : '',
      ].filter(Boolean).join(' · ');
    }
    case 'sensor':
      return `${t(`sensor.${String(b.kind)}`, { defaultValue: String(b.kind) })}${typeof b.value === 'number' ? `（${b.value}）` : ''}`;
    case 'state':
      return `${t(`devState.${String(b.from)}`, { defaultValue: String(b.from) })} → ${t(`devState.${String(b.to)}`, { defaultValue: String(b.to) })}（${String(b.reason ?? '')}）`;
    case 'ack':
      return b.ok ? t('devEv.ackOk', { cmd: String(b.cmd) }) : t('devEv.ackRefused', { cmd: String(b.cmd), error: String(b.error ?? '') });
    case 'identity':
      return b.ok ? t('devEv.identityOk', { attempt: Number(b.attempt) }) : t('devEv.identityBad', { attempt: Number(b.attempt) });
    case 'hello':
      return t('devEv.hello', { model: String(b.model ?? ''), fw: String(b.fw ?? ''), hb: Number(b.hb_s ?? 0) });
    default:
      return JSON.stringify(rawBody ?? null).slice(0, 160);
  }
}
