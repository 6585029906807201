import { authToken, otpDigest, verify, type AuthToken, type DeviceEventOf, type DeviceState, type EventType, type VerifyKey } from '@cunzhang/protocol';
import type { StateStore } from './persist.js';
import { STATE_REASONS, type DeviceEvents, type Position, type StampRefusal } from './types.js';

/**
 * The seal's state machine (design §14) and the rules around the authorization token (§10,
 * §11). Functions over a `DeviceCore` so the device class stays a thin shell.
 *
 *   locked → authorized (token loaded) → stamping (seal down) → authorized | locked (relocked)
 *   any → alarm_locked (lock command, tamper, forced press) → locked only by unlock
 *   locked → maintenance (command) → locked (its `until`, or the case closed again)
 */
export interface DeviceCore {
  readonly dev: string;
  readonly store: StateStore;
  readonly platformKey: VerifyKey;
  /** The heartbeat key of the bundle (hex): also the key of the operator code in tokens (§9). */
  readonly hbKey: string;
  /** Device clock (ms), which the time command can correct. */
  now(): number;
  position(): Position;
  /** Signs and queues an event; returns its seq. */
  publish<T extends EventType>(type: T, body: DeviceEventOf<T>['body']): number;
  notify<K extends keyof DeviceEvents>(name: K, ...args: DeviceEvents[K]): void;
  /** Re-arms the timers for the token's window end and the maintenance end. */
  armDeadlines(): void;
  /** Local time zone for the config's working hours. */
  readonly timeZone: string;
}

/** Clock skew the device tolerates for times set by the platform (design §9). */
export const SKEW_MS = 300_000;
export const MAX_OTP_FAILS = 5;

export function setState(core: DeviceCore, to: DeviceState, reason: string): void {
  const s = core.store.data;
  const from = s.state;
  if (from === to && to !== 'authorized') return;
  s.state = to;
  core.store.save();
  const auth = s.token?.auth ?? null;
  core.publish('state', { from, to, reason: reason.slice(0, 64), auth });
  core.notify('state', { from, to, reason, auth });
}

/** Drops the token (its used count stays, so loading it again continues the count). */
export function dropToken(core: DeviceCore): void {
  const s = core.store.data;
  s.token = null;
  s.identity = null;
  s.otpAttempts = 0;
  s.otpFails = 0;
}

export type TokenCheck = { ok: true; token: AuthToken } | { ok: false; reason: string };

/** Checks a token like a command (§10): schema, platform signature, device, window, not spent. */
export function checkToken(core: DeviceCore, raw: unknown): TokenCheck {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, reason: 'invalid_token' };
    }
  }
  const parsed = authToken.safeParse(value);
  if (!parsed.success) return { ok: false, reason: 'invalid_token' };
  const token = parsed.data;
  if (!verify(token, core.platformKey)) return { ok: false, reason: 'bad_token_signature' };
  if (token.dev !== core.dev) return { ok: false, reason: 'wrong_device' };
  const now = core.now();
  if (Date.parse(token.until) <= now) return { ok: false, reason: 'token_expired' };
  if (Date.parse(token.from) > now + SKEW_MS) return { ok: false, reason: 'token_not_yet_valid' };
  const dead = core.store.data.dead[token.auth];
  if (dead) return { ok: false, reason: dead === 'revoked' ? 'token_revoked' : 'token_locked' };
  if ((core.store.data.used[token.auth] ?? 0) >= token.n) return { ok: false, reason: 'token_used' };
  return { ok: true, token };
}

/**
 * Loads a checked token: locked → authorized. A second token while authorized replaces the first
 * (state event authorized → authorized naming the new authorization). Returns a refusal reason or null.
 */
export function loadToken(core: DeviceCore, token: AuthToken, via: 'command' | 'qr'): string | null {
  const s = core.store.data;
  if (s.state === 'alarm_locked' || s.state === 'maintenance' || s.state === 'stamping') return `state_${s.state}`;
  if (s.state === 'authorized' && s.token?.auth === token.auth) return null;
  dropToken(core);
  s.token = token;
  setState(core, 'authorized', via === 'command' ? STATE_REASONS.authorizeCommand : STATE_REASONS.tokenScanned);
  core.armDeadlines();
  return null;
}

export function revoke(core: DeviceCore, auth: string): void {
  const s = core.store.data;
  s.dead[auth] = 'revoked';
  core.store.save();
  if (s.token?.auth === auth && (s.state === 'authorized' || s.state === 'stamping')) {
    setState(core, 'locked', STATE_REASONS.revoked);
    dropToken(core);
    core.store.save();
  }
}

/** Lock command or tamper: alarm_locked, the token is dropped. */
export function alarmLock(core: DeviceCore, reason: string): void {
  if (core.store.data.state === 'alarm_locked') return;
  setState(core, 'alarm_locked', reason);
  dropToken(core);
  core.store.save();
}

/** Unlock command: alarm_locked → locked; in other states there is nothing to undo. */
export function unlock(core: DeviceCore): void {
  if (core.store.data.state === 'alarm_locked') setState(core, 'locked', STATE_REASONS.unlockCommand);
}

export function startMaintenance(core: DeviceCore, kind: string, until: number): string | null {
  const s = core.store.data;
  if (s.state !== 'locked' && s.state !== 'maintenance') return `state_${s.state}`;
  s.maintenance = { kind, until };
  if (s.state === 'locked') setState(core, 'maintenance', STATE_REASONS.maintenanceCommand);
  else core.store.save();
  core.armDeadlines();
  return null;
}

export function endMaintenance(core: DeviceCore, reason: string): void {
  const s = core.store.data;
  if (s.state !== 'maintenance') return;
  // The ink was refilled during an ink maintenance.
  if (s.maintenance?.kind === 'ink') s.ink = 100;
  s.maintenance = null;
  setState(core, 'locked', reason);
}

/** Ends what has run out: the token's window (relock) and maintenance past its `until`. */
export function expireIfDue(core: DeviceCore): void {
  const s = core.store.data;
  const now = core.now();
  if (s.state === 'authorized' && s.token && Date.parse(s.token.until) <= now) {
    setState(core, 'locked', STATE_REASONS.windowEnded);
    dropToken(core);
    core.store.save();
  }
  if (s.state === 'maintenance' && s.maintenance && s.maintenance.until <= now) endMaintenance(core, STATE_REASONS.maintenanceOver);
}

export type CodeResult = { ok: true; attempt: number } | { ok: false; reason: 'no_token' | 'wrong_code' | 'token_locked'; attempt?: number };

/** Operator identity (§9): HMAC-SM3(hb_key, "<auth>:<code>") must equal token.otp; 5 wrong codes lock the token. */
export function enterCode(core: DeviceCore, code: string): CodeResult {
  const s = core.store.data;
  const token = s.token;
  if (!token || s.state !== 'authorized') return { ok: false, reason: 'no_token' };
  s.otpAttempts++;
  const attempt = Math.min(s.otpAttempts, 100);
  const ok = otpDigest(token.auth, code.trim(), core.hbKey) === token.otp;
  if (ok) s.identity = { method: 'otp', ref: token.auth };
  else s.otpFails++;
  core.store.save();
  core.publish('identity', { auth: token.auth, method: 'otp', ok, attempt });
  if (ok) return { ok: true, attempt };
  if (s.otpFails >= MAX_OTP_FAILS) {
    s.dead[token.auth] = 'otp_locked';
    setState(core, 'locked', STATE_REASONS.otpLocked);
    dropToken(core);
    core.store.save();
    return { ok: false, reason: 'token_locked', attempt };
  }
  return { ok: false, reason: 'wrong_code', attempt };
}

/** Local HH:MM in the device's time zone. */
function localHhmm(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(ms));
}

export function withinHours(hours: { from: string; to: string }, ms: number, timeZone: string): boolean {
  const t = localHhmm(ms, timeZone);
  return hours.from <= hours.to ? t >= hours.from && t < hours.to : t >= hours.from || t < hours.to;
}

/** Great-circle distance in metres between two micro-degree positions. */
export function distanceM(a: { lat_e6: number; lng_e6: number }, b: { lat_e6: number; lng_e6: number }): number {
  const rad = (e6: number) => (e6 / 1e6) * (Math.PI / 180);
  const dLat = rad(b.lat_e6 - a.lat_e6);
  const dLng = rad(b.lng_e6 - a.lng_e6);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat_e6)) * Math.cos(rad(b.lat_e6)) * Math.sin(dLng / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

/** Why the seal may not be pressed now under its token, or null. May relock (window ended). */
export function stampRefusal(core: DeviceCore): StampRefusal | null {
  expireIfDue(core);
  const s = core.store.data;
  if (s.state !== 'authorized') return s.state as StampRefusal;
  const token = s.token!;
  const now = core.now();
  if (Date.parse(token.from) > now) return 'not_yet_valid';
  if (!s.identity) return 'no_identity';
  if (s.hours && !withinHours(s.hours, now, core.timeZone)) return 'outside_hours';
  if (s.fence && distanceM(s.fence, core.position()) > s.fence.radius_m) return 'outside_fence';
  if (s.ink <= 0) return 'no_ink';
  if (s.battery <= 0) return 'no_battery';
  return null;
}
