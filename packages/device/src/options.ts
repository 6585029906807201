import { verifyKey, type DeviceState, type ProvisioningBundle, type VerifyKey } from '@cunzhang/protocol';
import type { PageSource } from './camera.js';
import type { LinkStats } from './link.js';
import type { PersistedState } from './persist.js';
import type { Scheduler } from './scheduler.js';
import type { Position } from './types.js';

export interface DeviceOptions {
  /** The provisioning bundle (checked against the protocol schema; must carry private_key unless `privateKey` is given). */
  bundle: ProvisioningBundle | unknown;
  privateKey?: string;
  /** Folder for the device's flash: state.json, outbox/, photos/. Without it everything lives in memory. */
  stateDir?: string | null;
  /** Approved page images (by the token's page sm3); without it pages are synthesized. */
  pages?: PageSource | null;
  /** Fleet mode: no camera (one shared stock photo pair), no photo upload, memory queue. */
  light?: boolean;
  /** Shared timers (a fleet passes one TimerWheel). */
  scheduler?: Scheduler;
  /** Where the device stands (micro-degrees); GPS drifts a few metres around it. */
  home?: { lat_e6: number; lng_e6: number };
  /** Heartbeat period before any config command (default 60). */
  hbS?: number;
  /** Delay of the first heartbeat (default: one period). */
  firstHeartbeatMs?: number;
  /** Each heartbeat comes up to this many ms later than its period (spreads a fleet). */
  jitterMs?: number;
  reconnectMs?: number;
  keepaliveS?: number;
  connectTimeoutMs?: number;
  /** Offline buffer bound (default 100,000; light mode 1,000). */
  queueLimit?: number;
  /** Initial clock error of the device in ms (the time command corrects it). */
  clockOffsetMs?: number;
  /** Time zone of the config's working hours (default Asia/Shanghai). */
  timeZone?: string;
  /** Counters shared across a fleet. */
  stats?: LinkStats;
  /** Drain per impression, in percent (default battery 1, ink 2). */
  drain?: { battery: number; ink: number };
  /** Photo upload tuning, or false for none (tests that do not serve HTTP). */
  upload?: { firstBackoffMs?: number; maxBackoffMs?: number; notFoundRetries?: number } | false;
  /** Start the sequence counter here (a fleet restores its counters from a file). */
  initialSeq?: number;
  /** Firmware / hardware / model reported in hello. */
  identity?: { fw?: string; hw?: string; model?: string };
}

const keyCache = new Map<string, VerifyKey>();

/** The platform key is the same for every device of a fleet: prepare it once. */
export function platformKeyOf(hex: string): VerifyKey {
  let k = keyCache.get(hex);
  if (!k) keyCache.set(hex, (k = verifyKey(hex)));
  return k;
}

export interface DeviceStatus {
  dev: string;
  state: DeviceState;
  connected: boolean;
  /** The loaded authorization, its impressions used and allowed, its end. */
  auth: string | null;
  used: number;
  allowed: number;
  until: string | null;
  /** The operator's one-time code was accepted for the loaded token. */
  identity: boolean;
  battery: number;
  ink: number;
  position: Position;
  caseOpen: boolean;
  sealRemoved: boolean;
  maintenance: { kind: string; until: string } | null;
  hbS: number;
  /** Last sequence number used. */
  seq: number;
  /** Up messages waiting for their PUBACK. */
  buffered: number;
  photosPending: number;
  clockOffsetMs: number;
}

export function statusOf(s: PersistedState, live: { dev: string; connected: boolean; position: Position; buffered: number; photosPending: number }): DeviceStatus {
  return {
    dev: live.dev,
    state: s.state,
    connected: live.connected,
    auth: s.token?.auth ?? null,
    used: s.token ? (s.used[s.token.auth] ?? 0) : 0,
    allowed: s.token?.n ?? 0,
    until: s.token?.until ?? null,
    identity: s.identity !== null,
    battery: s.battery,
    ink: s.ink,
    position: live.position,
    caseOpen: s.caseOpen,
    sealRemoved: s.sealRemoved,
    maintenance: s.maintenance ? { kind: s.maintenance.kind, until: new Date(s.maintenance.until).toISOString() } : null,
    hbS: s.hbS,
    seq: s.seq,
    buffered: live.buffered,
    photosPending: live.photosPending,
    clockOffsetMs: s.clockOffsetMs,
  };
}
