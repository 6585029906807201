import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authToken, command, DEVICE_STATES, deviceEvent, EVENT_TYPES, heartbeat, IDENTITY_METHODS, parsePayload, provisioningBundle, SENSOR_KINDS, will, type EventType,
} from './messages.js';
import { checkMac, generateKeyPair, sign, signedBytes, verify, verifyKey, withMac } from './sign.js';
import { DEVICE_ID_PATTERN } from './topics.js';

/** Properties of the payload reader and of signing (docs/device-protocol.md §4.1, §5, §13). */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// ---- arbitraries of valid messages, field by field as in messages.ts ----
const hexA = (digits: number) => fc.uint8Array({ minLength: digits / 2, maxLength: digits / 2 }).map((b) => Buffer.from(b).toString('hex'));
const instantA = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }).map((ms) => new Date(ms).toISOString());
const refA = fc.stringMatching(/^[0-9A-Za-z_-]{1,64}$/);
const devA = fc.stringMatching(DEVICE_ID_PATTERN);
/** Any Unicode text whose UTF-16 length is within [min, max], as zod counts it. */
const textA = (min: number, max: number) => fc.string({ unit: 'grapheme', minLength: min, maxLength: max }).filter((s) => s.length >= min && s.length <= max);
const position = { lat_e6: fc.integer({ min: -90_000_000, max: 90_000_000 }), lng_e6: fc.integer({ min: -180_000_000, max: 180_000_000 }), acc_m: fc.integer({ min: 0, max: 100_000 }) };
const photoA = fc.record({ sm3: hexA(64), phash: hexA(16), bytes: fc.integer({ min: 1, max: 20 * 1024 * 1024 }) });

const bodies: Record<EventType, fc.Arbitrary<Record<string, unknown>>> = {
  hello: fc.record({ fw: textA(1, 32), hw: textA(1, 32), model: textA(1, 64), boot: instantA, hb_s: fc.integer({ min: 5, max: 3600 }) }),
  impression: fc.record({
    auth: fc.option(refA, { nil: null }), n: fc.integer({ min: 0, max: 1000 }), ...position, before: photoA, after: photoA,
    operator: fc.option(fc.record({ method: fc.constantFrom(...IDENTITY_METHODS), ref: textA(0, 64) }), { nil: null }), offline: fc.boolean(),
  }),
  identity: fc.record({ auth: refA, method: fc.constantFrom(...IDENTITY_METHODS), ok: fc.boolean(), attempt: fc.integer({ min: 1, max: 100 }) }),
  sensor: fc.record({ kind: fc.constantFrom(...SENSOR_KINDS), value: fc.integer({ min: 0, max: 100_000 }), ...position }, { requiredKeys: ['kind', 'lat_e6', 'lng_e6', 'acc_m'] }),
  state: fc.record({ from: fc.constantFrom(...DEVICE_STATES), to: fc.constantFrom(...DEVICE_STATES), reason: textA(1, 64), auth: fc.option(refA, { nil: null }) }),
  ack: fc.record({ cmd: refA, ok: fc.boolean(), error: textA(0, 200) }, { requiredKeys: ['cmd', 'ok'] }),
};
const envelopeA = { v: fc.constant(1), dev: devA, seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), ts: instantA };
const eventA = (type: EventType) => fc.record({ ...envelopeA, type: fc.constant(type), body: bodies[type] });
const heartbeatA = fc.record({ ...envelopeA, body: fc.record({ state: fc.constantFrom(...DEVICE_STATES), battery: fc.integer({ min: 0, max: 100 }), ink: fc.integer({ min: 0, max: 100 }), ...position, buffered: fc.integer({ min: 0, max: 10_000_000 }) }) });

// ---- helpers ----
function leafPaths(v: Json, path: (string | number)[] = []): (string | number)[][] {
  if (v !== null && typeof v === 'object') {
    const entries: [string | number, Json][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    return entries.flatMap(([k, x]) => leafPaths(x, [...path, k]));
  }
  return [path];
}
function changed(v: Json): Json {
  if (typeof v === 'number') return v + 1;
  if (typeof v === 'string') return `${v}0`;
  if (typeof v === 'boolean') return !v;
  return 0;
}
function withLeaf(m: Json, path: (string | number)[], f: (v: Json) => Json | undefined): Json {
  const copy = structuredClone(m) as Record<string | number, Json>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  const next = f(at[last]!);
  if (next === undefined) delete at[last];
  else at[last] = next;
  return copy;
}
/** The same value with every object's members in another order, chosen by `seed`. */
function shuffled(v: Json, seed: number): Json {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 2246822507) + 0x9e3779b9) >>> 0) / 2 ** 32);
  const walk = (x: Json): Json => {
    if (Array.isArray(x)) return x.map(walk);
    if (x === null || typeof x !== 'object') return x;
    const keys = Object.keys(x);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    return Object.fromEntries(keys.map((k) => [k, walk(x[k]!)]));
  };
  return walk(v);
}

const device = generateKeyPair();
const deviceKey = verifyKey(device.publicKey);
const hbKey = '00112233445566778899aabbccddeeff';
const schemas = { deviceEvent, heartbeat, command, authToken, will, provisioningBundle } as const;
const CODES = ['too_large', 'malformed_json', 'schema'];

function expectReadable(result: ReturnType<typeof parsePayload>, allowed = CODES): void {
  if (result.ok) return;
  expect(allowed).toContain(result.code);
  expect(result.reason.length).toBeGreaterThan(0);
}

describe('parsePayload never throws and names what is wrong', () => {
  it.each(Object.keys(schemas))('%s: any JSON value', (name) => {
    const schema = schemas[name as keyof typeof schemas] as never;
    fc.assert(fc.property(fc.jsonValue(), (v) => expectReadable(parsePayload(schema, JSON.stringify(v) ?? 'null'), ['too_large', 'schema'])), { numRuns: 300 });
  });

  it.each(Object.keys(schemas))('%s: any bytes, any string, views into larger buffers', (name) => {
    const schema = schemas[name as keyof typeof schemas] as never;
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(4), (b, cut) => expectReadable(parsePayload(schema, b.subarray(Math.min(cut, b.length))))), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => expectReadable(parsePayload(schema, s))), { numRuns: 300 });
  });

  it('refuses anything over 16 KB as too_large, before reading it', () => {
    fc.assert(fc.property(fc.integer({ min: 16 * 1024 + 1, max: 20_000 }), (n) => {
      const r = parsePayload(deviceEvent, new Uint8Array(n).fill(0x7b));
      expect(r).toMatchObject({ ok: false, code: 'too_large' });
    }), { numRuns: 20 });
  });

  it.each(EVENT_TYPES)('%s: a valid event with one field changed, dropped or added is ok or a schema failure', (type) => {
    fc.assert(fc.property(eventA(type), fc.nat(), fc.constantFrom('change', 'drop', 'null', 'add'), (m, pick, how) => {
      const message = { ...m, sig: '3006020101020101' } as Json;
      expect(parsePayload(deviceEvent, JSON.stringify(message)).ok).toBe(true);
      const paths = leafPaths(message);
      const path = paths[pick % paths.length]!;
      const bad = how === 'add' ? { ...(message as object), extra: 1 } : withLeaf(message, path, how === 'change' ? changed : how === 'drop' ? () => undefined : () => null);
      expectReadable(parsePayload(deviceEvent, JSON.stringify(bad)), ['schema']);
    }), { numRuns: 100 });
  });
});

describe('signing', () => {
  it.each(EVENT_TYPES)('%s: generated events are valid, sign and verify; any one-field mutation breaks the signature', (type) => {
    fc.assert(fc.property(eventA(type), fc.nat(), fc.constantFrom('change', 'drop', 'add'), (m, pick, how) => {
      const signed = sign(m, device.privateKey);
      expect(parsePayload(deviceEvent, JSON.stringify(signed)).ok).toBe(true);
      expect(verify(signed, deviceKey)).toBe(true);
      const paths = leafPaths(signed as Json).filter((p) => p[0] !== 'sig');
      const path = paths[pick % paths.length]!;
      const bad = how === 'add' ? { ...signed, extra: 1 } : withLeaf(signed as Json, path, how === 'change' ? changed : () => undefined);
      expect(verify(bad as typeof signed, deviceKey)).toBe(false);
    }), { numRuns: 25 });
  });

  it('heartbeats: MAC verifies; any one-field change breaks it', () => {
    fc.assert(fc.property(heartbeatA, fc.nat(), (m, pick) => {
      const hb = withMac(m, hbKey);
      expect(parsePayload(heartbeat, JSON.stringify(hb)).ok).toBe(true);
      expect(checkMac(hb, hbKey)).toBe(true);
      const paths = leafPaths(hb as Json).filter((p) => p[0] !== 'mac');
      expect(checkMac(withLeaf(hb as Json, paths[pick % paths.length]!, changed) as typeof hb, hbKey)).toBe(false);
    }), { numRuns: 200 });
  });

  it.each(EVENT_TYPES)('%s: canonical bytes do not depend on member order, and are compact JSON', (type) => {
    fc.assert(fc.property(eventA(type), fc.integer(), (m, seed) => {
      const bytes = signedBytes(m);
      const other = shuffled(m as Json, seed) as Record<string, unknown>;
      expect(signedBytes(other).equals(bytes)).toBe(true);
      const text = bytes.toString('utf8');
      expect(JSON.parse(text)).toEqual(m);
      expect(JSON.stringify(JSON.parse(text))).toBe(text);
    }), { numRuns: 100 });
  });

  it('a signature stays valid when the members are reordered in transit', () => {
    fc.assert(fc.property(eventA('impression'), fc.integer(), (m, seed) => {
      const signed = sign(m, device.privateKey);
      expect(verify(shuffled(signed as Json, seed) as typeof signed, deviceKey)).toBe(true);
    }), { numRuns: 20 });
  });
});
