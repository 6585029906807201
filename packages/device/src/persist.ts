import type { AuthToken, DeviceState } from '@cunzhang/protocol';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface Fence {
  lat_e6: number;
  lng_e6: number;
  radius_m: number;
}

/** What a device keeps across reboots (its flash memory). */
export interface PersistedState {
  /** Last sequence number used (§3): the next up message takes seq + 1. */
  seq: number;
  state: DeviceState;
  /** The authorization token loaded (state authorized or stamping). */
  token: AuthToken | null;
  /** The operator identity confirmed for the loaded token. */
  identity: { method: 'otp'; ref: string } | null;
  /** One-time codes typed for the loaded token, and how many were wrong. */
  otpAttempts: number;
  otpFails: number;
  /** Impressions made per authorization id: a token loaded again does not start over. */
  used: Record<string, number>;
  /** Authorizations revoked or locked by wrong codes: never loaded again. */
  dead: Record<string, 'revoked' | 'otp_locked'>;
  /** Commands acted on, by id, with the answer they got (re-acked, not re-executed), until exp (ms). */
  done: Record<string, { ok: boolean; error?: string; exp: number }>;
  /** Nonces seen, with their command's exp (ms): replays are refused until then. */
  nonces: Record<string, number>;
  /** iat (ms) of the last time command applied: an older one is a replay. */
  lastTimeIat: number;
  /** Device clock = host clock + this offset (set by the time command). */
  clockOffsetMs: number;
  hbS: number;
  fence: Fence | null;
  hours: { from: string; to: string } | null;
  maintenance: { kind: string; until: number } | null;
  battery: number;
  ink: number;
  /** Where the device sits (GPS drifts around it). */
  home: { lat_e6: number; lng_e6: number };
  caseOpen: boolean;
  sealRemoved: boolean;
}

export function initialState(home: { lat_e6: number; lng_e6: number }, hbS = 60): PersistedState {
  return {
    seq: 0,
    state: 'locked',
    token: null,
    identity: null,
    otpAttempts: 0,
    otpFails: 0,
    used: {},
    dead: {},
    done: {},
    nonces: {},
    lastTimeIat: 0,
    clockOffsetMs: 0,
    hbS,
    fence: null,
    hours: null,
    maintenance: null,
    battery: 100,
    ink: 100,
    home,
    caseOpen: false,
    sealRemoved: false,
  };
}

/**
 * Holds the state and writes it through to `<dir>/state.json` (temporary file, fsync, rename)
 * on every save, so a sequence number handed out is never handed out again after a reboot.
 * Without a directory (fleet light mode) it lives in memory only.
 */
export class StateStore {
  readonly data: PersistedState;
  private readonly file: string | null;

  constructor(dir: string | null, fresh: PersistedState) {
    this.file = dir ? path.join(dir, 'state.json') : null;
    if (this.file && existsSync(this.file)) {
      // Fields added by a newer emulator keep their defaults.
      this.data = { ...fresh, ...(JSON.parse(readFileSync(this.file, 'utf8')) as Partial<PersistedState>) };
    } else {
      this.data = fresh;
    }
    if (dir) mkdirSync(dir, { recursive: true });
  }

  /** The next sequence number, persisted before it is used. */
  nextSeq(): number {
    this.data.seq += 1;
    this.save();
    return this.data.seq;
  }

  /** Moves the counter forward (never back), e.g. past what the offline buffer holds. */
  atLeast(seq: number): void {
    if (seq > this.data.seq) {
      this.data.seq = seq;
      this.save();
    }
  }

  /** Forgets nonces and command answers whose commands have expired. */
  prune(nowMs: number): void {
    for (const [n, exp] of Object.entries(this.data.nonces)) if (exp < nowMs) delete this.data.nonces[n];
    for (const [id, d] of Object.entries(this.data.done)) if (d.exp < nowMs) delete this.data.done[id];
  }

  save(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, JSON.stringify(this.data));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
  }
}
