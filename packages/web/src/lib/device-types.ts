/**
 * Shapes of the device and alarm API (issue 4), as the page sees them. The domain's records are
 * reused as types only (erased at build); the constant lists are repeated here so the page does
 * not bundle core (device-types.test.ts keeps them equal to core's).
 */
import type {
  Alarm, AlarmRule, AlarmStatus, AllowedHours, CommandStatus, Device, DeviceRequest, DeviceStatus, Geofence,
  MaintenanceKind, ReportedState, Severity,
} from '@cunzhang/core';
import type { AuditEntry } from './types';

export type { DeviceLiveEvent } from '@cunzhang/core';

export type { AlarmRule, AlarmStatus, AllowedHours, CommandStatus, DeviceStatus, Geofence, MaintenanceKind, ReportedState, Severity };

export const DEVICE_STATUSES: readonly DeviceStatus[] = ['provisioned', 'active', 'retired'];
export const REPORTED_STATES: readonly ReportedState[] = ['locked', 'authorized', 'stamping', 'alarm_locked', 'maintenance'];
export const COMMAND_STATUSES: readonly CommandStatus[] = ['pending', 'acked', 'refused', 'expired', 'superseded'];
export const MAINTENANCE_KINDS: readonly MaintenanceKind[] = ['ink', 'seal_replace', 'repair'];
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];
export const ALARM_STATUSES: readonly AlarmStatus[] = ['open', 'acknowledged', 'resolved'];
export const ALARM_RULES: readonly AlarmRule[] = [
  'unauthorized_impression', 'tamper', 'geofence', 'off_hours', 'offline', 'missed_heartbeats', 'sequence_gap',
  'low_battery', 'low_ink', 'page_mismatch', 'burst', 'forged_message', 'clock_skew',
];

/** 已锁定 / 锁定中… / 解锁中… / 正常: "locking…" lasts until the device acknowledges. */
export type LockDisplay = 'locked' | 'locking' | 'unlocking' | 'unlocked';
export const LOCK_DISPLAYS: readonly LockDisplay[] = ['locked', 'locking', 'unlocking', 'unlocked'];

export type DeviceView = Omit<Device, 'credentialHash' | 'hbKeyEnc' | 'seqGaps'> & {
  orgName: string;
  sealName: string | null;
  lockDisplay: LockDisplay;
  openGaps: number;
};

export interface DeviceEventView { deviceId: string; seq: number; type: string; deviceTime: string; receivedAt: string; body: unknown; sig: string }

export interface CommandView {
  id: string; deviceId: string; type: string; body: unknown; status: CommandStatus; attempts: number;
  createdBy: string; createdAt: string; expiresAt: string; ackedAt: string | null; error: string | null;
}

export type DeviceRequestView = DeviceRequest & {
  deviceLabel: string; requestedByName: string | null; decidedByName: string | null; mayDecide: boolean;
};

export type DeviceAction = 'update' | 'bind' | 'unbind' | 'replace' | 'retire' | 'lock' | 'request_unlock' | 'request_maintenance';

export interface DeviceDetail {
  device: DeviceView;
  events: DeviceEventView[];
  commands: CommandView[];
  requests?: DeviceRequestView[];
  history?: AuditEntry[];
  actions?: DeviceAction[];
}

/** A new device: its bundle and QR code are shown once (the private key is never stored whole). */
export interface Provisioned {
  device: DeviceView;
  bundle: Record<string, unknown> & { dev: string; private_key?: string };
  /** The bundle as a QR code (PNG data URL); older drafts of the contract called it `qr`. */
  qrDataUrl?: string;
  qr?: string;
}

export type AlarmView = Omit<Alarm, 'dedupeKey' | 'version' | 'eventSeq'> & {
  eventSeq?: number | null;
  ruleNameZh?: string;
  deviceLabel?: string | null;
  sealName?: string | null;
  orgName?: string | null;
  acknowledgedByName?: string | null;
  resolvedByName?: string | null;
};

/** GET /api/alarms/:id: the alarm, its trail, the device's lock and the steps open to the reader. */
export interface AlarmDetailView {
  alarm: AlarmView;
  history?: AuditEntry[];
  deviceLock?: { lockWanted: boolean; lockReason: string | null; pending: boolean } | null;
  actions?: ('acknowledge' | 'resolve')[];
}

export interface AlarmRuleView {
  rule: AlarmRule; enabled: boolean; severity: Severity; autoLock: boolean; threshold: number | null;
  unit?: string | null; min?: number | null; max?: number | null;
  nameZh?: string; nameEn?: string; thresholdHelp?: string | null; isDefault?: boolean;
  defaults?: { enabled: boolean; severity: Severity; autoLock: boolean; threshold: number | null };
}

/** 设备通行码: the one-time code to type at the device and the signed token for its camera. */
export interface DevicePass { code: string; token: unknown; validUntil?: string; qrDataUrl?: string | null }

export interface PositionE6 { latE6: number; lngE6: number }

/**
 * A virtual device as the demo panel sees it (GET /api/demo/devices): the emulator's own view of
 * itself. The platform's view (fence, seal, lock) comes from /api/devices beside it.
 */
export interface DemoDevice {
  id: string; label: string; orgCode: string; state: ReportedState | null; online: boolean;
  battery: number | null; ink: number | null; position: PositionE6 | null;
  caseOpen?: boolean;
  sealRemoved?: boolean;
  buffered?: number;
  photosPending?: number;
  /** The authorization loaded in the device, if any. */
  authorization?: { auth: string; used: number; allowed: number; until: string | null; identity: boolean } | null;
  /** Older drafts of the contract: several authorizations, the seal and fence inline. */
  authorizations?: { auth: string; app: string; remaining: number; until: string; title?: string }[];
  sealName?: string | null;
  fence?: Geofence | null;
}

export const DEMO_ACTIONS = [
  'code', 'stamp', 'stamp_other_page', 'force_stamp', 'open_case', 'close_case', 'remove_seal', 'return_seal', 'shock',
  'leave_fence', 'return_home', 'offline', 'online',
] as const;
export type DemoAction = (typeof DEMO_ACTIONS)[number];
export interface DemoActionResult { ok: boolean; message: string; device: DemoDevice }
