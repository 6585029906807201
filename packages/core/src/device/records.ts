/**
 * Records of the smart-seal devices (domain W2 and §6; docs/device-protocol.md). Positions
 * are integers in micro-degrees, as on the wire.
 */
export const DEVICE_STATUSES = ['provisioned', 'active', 'retired'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** What the device last reported of itself (device-protocol §5.3). */
export const REPORTED_STATES = ['locked', 'authorized', 'stamping', 'alarm_locked', 'maintenance'] as const;
export type ReportedState = (typeof REPORTED_STATES)[number];

export interface Geofence { latE6: number; lngE6: number; radiusM: number }
/** Local clock times (CUNZHANG_TZ), e.g. 08:00–18:00; from > to spans midnight. */
export interface AllowedHours { from: string; to: string }
/** A run of sequence numbers not (yet) received, with when the hole was first seen. */
export interface SeqGap { from: number; to: number; seenAt: string }

export interface Device {
  id: string;
  /** Where it is installed: the village of a village seal, or the town (station) of a contract seal. */
  orgCode: string;
  sealId: string | null;
  status: DeviceStatus;
  label: string;
  /** SM2 public key (130 hex digits, 04…). */
  publicKey: string;
  /** Keyed SM3 of the MQTT password (never the password). */
  credentialHash: string;
  /** The heartbeat HMAC key, SM4-encrypted with the master key. */
  hbKeyEnc: string;
  geofence: Geofence | null;
  hours: AllowedHours | null;
  replaces: string | null;
  replacedBy: string | null;
  /** A demo device driven by the platform's own emulator (virtual-device panel). */
  virtual: boolean;
  /** The platform wants the device alarm-locked (one-tap lock, or a critical alarm). */
  lockWanted: boolean;
  lockReason: string | null;
  /** The lock/unlock command the device has not acknowledged yet: the UI shows "locking…". */
  lockCommandId: string | null;
  model: string | null;
  firmware: string | null;
  hardware: string | null;
  hbSeconds: number | null;
  state: ReportedState | null;
  online: boolean;
  connectedAt: string | null;
  lastSeenAt: string | null;
  /** Highest sequence number received. */
  seqHigh: number;
  seqGaps: SeqGap[];
  battery: number | null;
  ink: number | null;
  latE6: number | null;
  lngE6: number | null;
  /** Device time minus platform time at the last heartbeat. */
  clockSkewMs: number | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** Telemetry written on the hot path (heartbeats, connects): no version bump, no audit entry. */
export type DeviceTelemetry = Partial<Pick<Device,
  'state' | 'online' | 'connectedAt' | 'lastSeenAt' | 'seqHigh' | 'seqGaps' | 'battery' | 'ink' | 'latE6' | 'lngE6' | 'clockSkewMs' | 'model' | 'firmware' | 'hardware' | 'hbSeconds'>>;

/** A device message as stored: one row per (device, seq), the idempotency key. */
export interface StoredDeviceEvent {
  deviceId: string;
  seq: number;
  type: string;
  deviceTime: string;
  receivedAt: string;
  body: unknown;
  sig: string;
}

export const COMMAND_STATUSES = ['pending', 'acked', 'refused', 'expired', 'superseded'] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/** A signed command in the outbox: sent, and re-sent until the device acknowledges it. */
export interface DeviceCommand {
  id: string;
  deviceId: string;
  type: string;
  /** The signed JSON exactly as published. */
  message: string;
  status: CommandStatus;
  attempts: number;
  nextAttemptAt: string;
  expiresAt: string;
  createdBy: string;
  createdAt: string;
  ackedAt: string | null;
  error: string | null;
}

export const REQUEST_KINDS = ['unlock', 'maintenance'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export const MAINTENANCE_KINDS = ['ink', 'seal_replace', 'repair'] as const;
export type MaintenanceKind = (typeof MAINTENANCE_KINDS)[number];
export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Unlock after a lock, or maintenance (ink, seal replacement): always a second person decides. */
export interface DeviceRequest {
  id: string;
  deviceId: string;
  orgCode: string;
  kind: RequestKind;
  maintenanceKind: MaintenanceKind | null;
  reason: string;
  status: RequestStatus;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  opinion: string | null;
  version: number;
}

/** A live update of an alarm or a device (server-sent events `alarm` and `device`). */
export interface DeviceLiveEvent {
  kind: 'alarm' | 'device';
  deviceId: string | null;
  alarmId: string | null;
  orgCode: string;
  /** alarm: its rule and severity; device: null. */
  rule: string | null;
  severity: string | null;
  /** An alarm's status, or a device's lock display (locked, locking, unlocking, unlocked). */
  status: string;
  at: string;
}
