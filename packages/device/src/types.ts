import type { DeviceEvent, DeviceState, Heartbeat } from '@cunzhang/protocol';
import type { UploadResult } from './uploader.js';

export interface Position {
  lat_e6: number;
  lng_e6: number;
  acc_m: number;
}

/** What happened to a command that came down. */
export interface CommandNote {
  id: string | null;
  type: string | null;
  /** executed: acted on; reacked: already executed, acknowledged again; refused: acked ok=false (or unreadable). */
  outcome: 'executed' | 'reacked' | 'refused';
  error?: string;
}

/** Events an observer (CLI, web panel, test) can listen to: `device.on('state', …)`. */
export interface DeviceEvents {
  state: [{ from: DeviceState; to: DeviceState; reason: string; auth: string | null }];
  command: [CommandNote];
  /** An up message was made (and queued; `online` says whether the link was up). */
  up: [{ kind: 'ev'; message: DeviceEvent; online: boolean } | { kind: 'hb'; message: Heartbeat; online: boolean }];
  /** The broker acknowledged this sequence number. */
  acked: [{ seq: number }];
  link: [{ connected: boolean; reason: string }];
  upload: [UploadResult];
  /** Something an operator should read (first connection refused, upload refused, queue overflow). */
  notice: [{ level: 'info' | 'warn' | 'error'; message: string }];
}

export type StampRefusal =
  | 'locked'
  | 'alarm_locked'
  | 'maintenance'
  | 'stamping'
  | 'no_identity'
  | 'window_ended'
  | 'not_yet_valid'
  | 'outside_hours'
  | 'outside_fence'
  | 'no_ink'
  | 'no_battery'
  | 'stopped';

export type StampResult =
  | { ok: true; seq: number; auth: string | null; n: number; offline: boolean; pageNo: number; before: { sm3: string; phash: string; bytes: number }; after: { sm3: string; phash: string; bytes: number } }
  | { ok: false; reason: StampRefusal };

/** The short reasons written in `state` events (≤ 64 characters). */
export const STATE_REASONS = {
  authorizeCommand: 'authorize_command',
  tokenScanned: 'token_scanned',
  sealDown: 'seal_down',
  impression: 'impression',
  countUsed: 'count_used',
  windowEnded: 'window_ended',
  revoked: 'revoked',
  otpLocked: 'otp_locked',
  lockCommand: 'lock_command',
  unlockCommand: 'unlock_command',
  maintenanceCommand: 'maintenance_command',
  maintenanceOver: 'maintenance_over',
  caseClosed: 'case_closed',
  forced: 'forced_impression',
  tamper: (kind: 'case_open' | 'seal_removed' | 'shock') => `tamper_${kind}`,
} as const;
