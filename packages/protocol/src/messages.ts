import { z } from 'zod';
import { DEVICE_ID_PATTERN } from './topics.js';

/**
 * Payload schemas of the device protocol (docs/device-protocol.md §5–§7). All numbers are
 * integers (positions in micro-degrees), so the canonical bytes that are signed are the same
 * in every language.
 */
export const PROTOCOL_VERSION = 1;
/** Largest payload the platform reads (§5.1); bigger ones are refused unread. */
export const MAX_PAYLOAD_BYTES = 16 * 1024;
/** GM/T 0009 default distinguishing ID used in every SM2 signature of the protocol (§4.1). */
export const SM2_ID = '1234567812345678';

const int = z.number().int();
export const instant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'must be a UTC instant with milliseconds, e.g. 2026-11-27T08:00:00.000Z')
  .refine((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s, 'is not a real date and time');
const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`), `must be ${n} lower-case hex digits`);
export const deviceId = z.string().regex(DEVICE_ID_PATTERN, 'is not a device id (CZ + 10 base32 characters)');
/** Hex of a DER-encoded SM2 signature (§4.1). */
const sigHex = z.string().regex(/^[0-9a-f]{16,160}$/, 'must be the hex of a DER SM2 signature');
const ref = z.string().min(1).max(64).regex(/^[0-9A-Za-z_-]+$/, 'must be letters, digits, - or _');
const latE6 = int.min(-90_000_000).max(90_000_000);
const lngE6 = int.min(-180_000_000).max(180_000_000);
const accuracy = int.min(0).max(100_000);

export const DEVICE_STATES = ['locked', 'authorized', 'stamping', 'alarm_locked', 'maintenance'] as const;
export type DeviceState = (typeof DEVICE_STATES)[number];

export const SENSOR_KINDS = ['case_open', 'case_closed', 'seal_removed', 'seal_returned', 'shock', 'battery_low', 'ink_low'] as const;
export type SensorKind = (typeof SENSOR_KINDS)[number];

export const IDENTITY_METHODS = ['otp', 'card', 'fingerprint'] as const;

export const photoRef = z.strictObject({ sm3: hex(64), phash: hex(16), bytes: int.min(1).max(20 * 1024 * 1024) });
export type PhotoRef = z.infer<typeof photoRef>;

const position = { lat_e6: latE6, lng_e6: lngE6, acc_m: accuracy };

/** §6: the event bodies, one per type. */
export const eventBodies = {
  hello: z.strictObject({ fw: z.string().min(1).max(32), hw: z.string().min(1).max(32), model: z.string().min(1).max(64), boot: instant, hb_s: int.min(5).max(3600) }),
  impression: z.strictObject({
    /** The authorization it was made under; null when the seal was pressed without one (forced). */
    auth: ref.nullable(),
    /** 1-based index of this impression under the authorization (0 when auth is null). */
    n: int.min(0).max(1000),
    ...position,
    before: photoRef,
    after: photoRef,
    operator: z.strictObject({ method: z.enum(IDENTITY_METHODS), ref: z.string().max(64) }).nullable(),
    offline: z.boolean(),
  }),
  identity: z.strictObject({ auth: ref, method: z.enum(IDENTITY_METHODS), ok: z.boolean(), attempt: int.min(1).max(100) }),
  sensor: z.strictObject({ kind: z.enum(SENSOR_KINDS), value: int.min(0).max(100_000).optional(), ...position }),
  state: z.strictObject({ from: z.enum(DEVICE_STATES), to: z.enum(DEVICE_STATES), reason: z.string().min(1).max(64), auth: ref.nullable() }),
  ack: z.strictObject({ cmd: ref, ok: z.boolean(), error: z.string().max(200).optional() }),
} as const;
export type EventType = keyof typeof eventBodies;
export const EVENT_TYPES = Object.keys(eventBodies) as EventType[];

const envelope = { v: z.literal(PROTOCOL_VERSION), dev: deviceId, seq: int.min(1).max(Number.MAX_SAFE_INTEGER), ts: instant };

export const deviceEvent = z.discriminatedUnion('type', [
  z.strictObject({ ...envelope, type: z.literal('hello'), body: eventBodies.hello, sig: sigHex }),
  z.strictObject({ ...envelope, type: z.literal('impression'), body: eventBodies.impression, sig: sigHex }),
  z.strictObject({ ...envelope, type: z.literal('identity'), body: eventBodies.identity, sig: sigHex }),
  z.strictObject({ ...envelope, type: z.literal('sensor'), body: eventBodies.sensor, sig: sigHex }),
  z.strictObject({ ...envelope, type: z.literal('state'), body: eventBodies.state, sig: sigHex }),
  z.strictObject({ ...envelope, type: z.literal('ack'), body: eventBodies.ack, sig: sigHex }),
]);
export type DeviceEvent = z.infer<typeof deviceEvent>;
export type DeviceEventOf<T extends EventType> = Extract<DeviceEvent, { type: T }>;

/** §7: heartbeats are authenticated with HMAC-SM3 under the device's heartbeat key. */
export const heartbeat = z.strictObject({
  ...envelope,
  body: z.strictObject({ state: z.enum(DEVICE_STATES), battery: int.min(0).max(100), ink: int.min(0).max(100), ...position, buffered: int.min(0).max(10_000_000) }),
  mac: hex(64),
});
export type Heartbeat = z.infer<typeof heartbeat>;

/** §7.2: the last will a device registers at connect; the broker publishes it when the link drops. */
export const will = z.strictObject({ v: z.literal(PROTOCOL_VERSION), dev: deviceId, will: z.literal(true) });
export type Will = z.infer<typeof will>;

/** §8.3: the platform's signed authorization token; also handed over offline (QR on the phone). */
export const authToken = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  auth: ref,
  app: ref,
  dev: deviceId,
  seal: ref,
  n: int.min(1).max(1000),
  from: instant,
  until: instant,
  pages: z.array(z.strictObject({ no: int.min(1).max(200), phash: hex(16), sm3: hex(64) })).max(100),
  /** SM3 hex of `<auth>:<code>`: the device checks the operator's one-time code offline (§9). */
  otp: hex(64),
  sig: sigHex,
});
export type AuthToken = z.infer<typeof authToken>;

const fence = z.strictObject({ lat_e6: latE6, lng_e6: lngE6, radius_m: int.min(10).max(100_000) });
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

/** §8.2: the command bodies, one per type. */
export const commandBodies = {
  lock: z.strictObject({ reason: z.string().min(1).max(200), alarm: ref.optional() }),
  unlock: z.strictObject({ reason: z.string().min(1).max(200) }),
  authorize: z.strictObject({ token: authToken }),
  revoke: z.strictObject({ auth: ref }),
  time: z.strictObject({ now: instant }),
  maintenance: z.strictObject({ kind: z.enum(['ink', 'seal_replace', 'repair']), until: instant, reason: z.string().min(1).max(200) }),
  config: z.strictObject({ hb_s: int.min(5).max(3600), fence: fence.nullable(), hours: z.strictObject({ from: hhmm, to: hhmm }).nullable() }),
} as const;
export type CommandType = keyof typeof commandBodies;
export const COMMAND_TYPES = Object.keys(commandBodies) as CommandType[];

const cmdEnvelope = { v: z.literal(PROTOCOL_VERSION), id: ref, dev: deviceId, nonce: hex(32), iat: instant, exp: instant, sig: sigHex };
export const command = z.discriminatedUnion('type', [
  z.strictObject({ ...cmdEnvelope, type: z.literal('lock'), body: commandBodies.lock }),
  z.strictObject({ ...cmdEnvelope, type: z.literal('unlock'), body: commandBodies.unlock }),
  z.strictObject({ ...cmdEnvelope, type: z.literal('authorize'), body: commandBodies.authorize }),
  z.strictObject({ ...cmdEnvelope, type: z.literal('revoke'), body: commandBodies.revoke }),
  z.strictObject({ ...cmdEnvelope, type: z.literal('time'), body: commandBodies.time }),
  z.strictObject({ ...cmdEnvelope, type: z.literal('maintenance'), body: commandBodies.maintenance }),
  z.strictObject({ ...cmdEnvelope, type: z.literal('config'), body: commandBodies.config }),
]);
export type Command = z.infer<typeof command>;
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

/** §10: what the installer scans (QR) or loads into a device; shown once, never stored whole. */
export const provisioningBundle = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  dev: deviceId,
  mqtt: z.strictObject({ url: z.string().min(1), username: deviceId, password: z.string().min(16) }),
  /** Base address of the platform's HTTP API (photo uploads, §11). */
  http: z.string().min(1),
  hb_key: hex(32),
  /** The platform's SM2 public key: commands and tokens are checked against it. */
  platform_key: z.string().regex(/^04[0-9a-f]{128}$/),
  /** Present only when the platform generated the device's key pair (no secure element). */
  private_key: hex(64).optional(),
}).refine((b) => b.mqtt.username === b.dev, { message: 'mqtt.username must be the device id', path: ['mqtt', 'username'] });
export type ProvisioningBundle = z.infer<typeof provisioningBundle>;

export type ParseFailure = { ok: false; code: 'too_large' | 'malformed_json' | 'schema'; reason: string };

/** Reads a payload: size first, then JSON, then the schema; the reason names what is wrong. */
export function parsePayload<T>(schema: z.ZodType<T>, payload: Uint8Array | string): { ok: true; value: T } | ParseFailure {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES) return { ok: false, code: 'too_large', reason: `payload of ${size} bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit` };
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (e) {
    return { ok: false, code: 'malformed_json', reason: `payload is not JSON (${(e as Error).message})` };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'payload';
    return { ok: false, code: 'schema', reason: `${where}: ${issue.message}` };
  }
  return { ok: true, value: parsed.data };
}
