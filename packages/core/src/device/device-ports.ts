import type { Alarm, AlarmRule, AlarmRuleSetting, AlarmStatus, Severity } from '../alarm/records.js';
import type { Page } from '../ports.js';
import type { Device, DeviceCommand, DeviceRequest, DeviceStatus, DeviceTelemetry, RequestStatus, StoredDeviceEvent } from './records.js';

/** The ports of the device work: registry, events, outbox, alarms, device crypto, wake-ups. */

export interface DeviceFilter {
  scopes: string[];
  orgCode?: string;
  status?: DeviceStatus;
  online?: boolean;
  limit: number;
  /** Keyset cursor (by id). */
  cursor?: string;
}

export interface DeviceRepo {
  get(id: string): Promise<Device | null>;
  /** Reads and locks the row until the transaction ends (sequence state of concurrent ingests). */
  getForUpdate(id: string): Promise<Device | null>;
  insert(d: Device): Promise<void>;
  /** Optimistic update of registry fields: CONFLICT when `expectedVersion` is stale. */
  update(id: string, expectedVersion: number, patch: Partial<Omit<Device, 'id' | 'createdAt' | 'version'>>): Promise<Device>;
  /** Hot-path telemetry (heartbeats, connects): no version change. */
  touch(id: string, patch: DeviceTelemetry): Promise<void>;
  list(filter: DeviceFilter): Promise<Page<Device>>;
  /** The device bound to a seal (not retired), if any. */
  bySeal(sealId: string): Promise<Device | null>;
  /** Online devices whose last message is older than `before` (offline and silence timers). */
  silentSince(before: string, limit: number): Promise<Device[]>;
  /** Devices with sequence gaps (the gap timer). */
  withGaps(limit: number): Promise<Device[]>;
  /** Stores an event; false when (device, seq) is already stored (a duplicate delivery). */
  insertEvent(e: StoredDeviceEvent): Promise<boolean>;
  /** Newest first, below `beforeSeq` when given. */
  events(deviceId: string, opts: { limit: number; beforeSeq?: number }): Promise<StoredDeviceEvent[]>;
  countEvents(deviceId: string): Promise<number>;
  insertCommand(c: DeviceCommand): Promise<void>;
  getCommand(id: string): Promise<DeviceCommand | null>;
  updateCommand(id: string, patch: Partial<Pick<DeviceCommand, 'status' | 'attempts' | 'nextAttemptAt' | 'ackedAt' | 'error'>>): Promise<void>;
  /** Pending commands whose next attempt is due at `now`, oldest first. */
  dueCommands(now: string, limit: number): Promise<DeviceCommand[]>;
  /** A device's commands, newest first. */
  commands(deviceId: string, limit: number): Promise<DeviceCommand[]>;
  insertRequest(r: DeviceRequest): Promise<void>;
  getRequest(id: string): Promise<DeviceRequest | null>;
  updateRequest(id: string, expectedVersion: number, patch: Partial<Pick<DeviceRequest, 'status' | 'decidedBy' | 'decidedAt' | 'opinion'>>): Promise<DeviceRequest>;
  /** Notes photos a signed impression event announced (before and after), to be uploaded later. */
  announcePhotos(deviceId: string, sm3s: readonly string[], at: string): Promise<void>;
  /** An announced photo: which device announced it and whether it arrived. */
  photo(sm3: string): Promise<{ sm3: string; deviceId: string; announcedAt: string; storedAt: string | null; thumbKey: string | null } | null>;
  /** The photo arrived: its thumbnail goes on the stampings that show it; returns their applications. */
  photoStored(sm3: string, thumbKey: string, at: string): Promise<string[]>;
  /** Requests in the scopes (newest first), optionally of one device or status. */
  requests(filter: { scopes: string[]; deviceId?: string; status?: RequestStatus; limit: number }): Promise<DeviceRequest[]>;
}

export interface AlarmFilter {
  scopes: string[];
  orgCode?: string;
  deviceId?: string;
  status?: AlarmStatus;
  rule?: AlarmRule;
  severity?: Severity;
  limit: number;
  /** Keyset cursor (newest first, by id). */
  cursor?: string;
}

export interface AlarmRepo {
  get(id: string): Promise<Alarm | null>;
  /** Inserts unless an alarm with the same dedupe key is still open: then returns that one and false. */
  raise(a: Alarm): Promise<{ alarm: Alarm; created: boolean }>;
  update(id: string, expectedVersion: number, patch: Partial<Pick<Alarm, 'status' | 'acknowledgedBy' | 'acknowledgedAt' | 'resolvedBy' | 'resolvedAt' | 'note' | 'autoLocked'>>): Promise<Alarm>;
  list(filter: AlarmFilter): Promise<Page<Alarm>>;
  /** A town's own settings (rules it never changed use the defaults). */
  rulesForTown(townCode: string): Promise<AlarmRuleSetting[]>;
  upsertRule(townCode: string, setting: AlarmRuleSetting, at: string): Promise<void>;
  /** Impressions (sum) recorded in a unit and beneath it in [from, to): the burst rule's rates. */
  impressionsIn(orgCode: string, from: string, to: string): Promise<number>;
}

/**
 * The platform's device cryptography (docs/device-protocol.md §4): its SM2 key signs commands
 * and authorization tokens; device credentials are random and stored only as keyed hashes.
 */
export interface DeviceKeys {
  /** The platform's SM2 public key, handed to every device in its bundle. */
  platformPublicKey: string;
  /** Returns the message with `sig`: SM2 (SM3, ID 1234567812345678) over its canonical JSON. */
  sign<T extends Record<string, unknown>>(message: T): T & { sig: string };
  /** A fresh device key pair, when the device has no secure element of its own. */
  newKeyPair(): { privateKey: string; publicKey: string };
  /** Is this an SM2 public key (04 + 128 hex digits, on the curve)? */
  isPublicKey(hex: string): boolean;
  /** A random secret of `bytes` bytes as hex: MQTT passwords, heartbeat keys, nonces. */
  secret(bytes: number): string;
  /** Keyed SM3 of an MQTT password, the form stored in the registry. */
  credentialHash(password: string): string;
  /** HMAC-SM3 of `<auth>:<code>` under the device's heartbeat key: how a token carries the operator's one-time code. */
  otpDigest(authId: string, code: string, hbKeyHex: string): string;
  /** The 6-digit one-time code of an authorization, shown on the applicant's phone (derived, not stored). */
  operatorCode(authId: string): string;
}

/** In-process wake-ups from use-cases to the edges (after commit). */
export interface Signals {
  /** A command was put in the outbox: send it now rather than at the next poll. */
  commandQueued(deviceId: string): void;
}

