/**
 * Writes the test vectors of the device protocol (docs/device-protocol.md §14) into
 * packages/protocol/vectors/. Run: npx tsx packages/protocol/scripts/make-vectors.ts
 *
 * Everything is fixed: the keys are derived from fixed phrases (TEST keys, public by
 * construction: never use them in a device), the messages are literals. Only SM2 signatures are
 * randomised, so a signature already on disk is kept while it still verifies over the new
 * bytes; a vector whose bytes changed is signed afresh. Running the script twice changes nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { otpDigest, publicKeyOf, signedBytes, sm2Sign, sm2Verify, withMac } from '../src/sign.js';
import { privateKeyToPem, publicKeyToPem } from '../src/pem.js';

export const VECTORS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');

const sm3 = (text: string): string => createHash('sm3').update(text).digest('hex');
const TEST = 'cunzhang device protocol v1 TEST VECTOR';
/** SM3 of a phrase is below the curve order n for these phrases (checked in vectors.test.ts). */
export const TEST_KEYS = {
  device: sm3(`${TEST} device private key`),
  platform: sm3(`${TEST} platform private key`),
  hbKey: sm3(`${TEST} heartbeat key`).slice(0, 32),
  /** The operator's one-time code of the test token (§9). */
  otpCode: '246810',
  mqttPassword: sm3(`${TEST} mqtt password`).slice(0, 32),
};

const DEV = 'CZ7K2M9Q4T8W';
const AUTH = '01KB4Z6Y2N8QF3M5V7W9X1ZA2C';
const LOCK_ID = '01KB4ZC1M2N3P4Q5R6S7T8V9W0';
const POS = { lat_e6: 36_651_234, lng_e6: 117_123_456, acc_m: 8 };
const photo = (name: string, bytes: number) => ({ sm3: sm3(`${TEST} photo ${name}`), phash: sm3(`${TEST} phash ${name}`).slice(0, 16), bytes });
const ev = (seq: number, ts: string, type: string, body: object) => ({ v: 1, dev: DEV, seq, ts, type, body });
const cmd = (id: string, nonceSeed: string, iat: string, exp: string, type: string, body: object) =>
  ({ v: 1, id, dev: DEV, nonce: sm3(`${TEST} nonce ${nonceSeed}`).slice(0, 32), iat, exp, type, body });

export type Signer = 'device' | 'platform' | 'hb';
export interface VectorSpec { name: string; schema: 'deviceEvent' | 'heartbeat' | 'command' | 'authToken' | 'will' | 'provisioningBundle'; signer: Signer | null; message: Record<string, unknown> }

const token = {
  v: 1, auth: AUTH, app: '01KB4Z5R7C1D3E5G7H9J1K3M5N', dev: DEV, seal: '01KB3T2S4Q6P8N0M2L4K6J8H0G', n: 2,
  from: '2026-11-27T00:30:00.000Z', until: '2026-11-27T15:59:59.999Z',
  pages: [{ no: 1, phash: sm3(`${TEST} phash page 1`).slice(0, 16), sm3: sm3(`${TEST} page 1`) }],
  otp: otpDigest(AUTH, TEST_KEYS.otpCode, TEST_KEYS.hbKey),
};

/** The vectors without signatures, in the order of the manifest. `token` must precede `authorize`. */
function specs(signedToken: Record<string, unknown>): VectorSpec[] {
  const e = (name: string, message: Record<string, unknown>): VectorSpec => ({ name, schema: 'deviceEvent', signer: 'device', message });
  const c = (name: string, message: Record<string, unknown>): VectorSpec => ({ name, schema: 'command', signer: 'platform', message });
  return [
    e('hello', ev(41, '2026-11-27T00:58:02.417Z', 'hello', { fw: '1.4.2', hw: 'B2', model: 'CZ-S1', boot: '2026-11-27T00:57:40.000Z', hb_s: 60 })),
    e('state', ev(42, '2026-11-27T01:03:01.120Z', 'state', { from: 'locked', to: 'authorized', reason: 'authorize_command', auth: AUTH })),
    e('identity', ev(43, '2026-11-27T01:04:11.020Z', 'identity', { auth: AUTH, method: 'otp', ok: true, attempt: 1 })),
    e('impression', ev(44, '2026-11-27T01:05:37.512Z', 'impression', {
      auth: AUTH, n: 1, ...POS, before: photo('before', 181_204), after: photo('after', 176_922), operator: { method: 'otp', ref: AUTH }, offline: false,
    })),
    e('sensor', ev(45, '2026-11-27T01:09:00.000Z', 'sensor', { kind: 'ink_low', value: 12, ...POS })),
    { name: 'heartbeat', schema: 'heartbeat', signer: 'hb', message: { v: 1, dev: DEV, seq: 46, ts: '2026-11-27T01:10:02.417Z', body: { state: 'authorized', battery: 87, ink: 12, ...POS, buffered: 0 } } },
    e('ack', ev(47, '2026-11-27T01:12:30.250Z', 'ack', { cmd: LOCK_ID, ok: true })),
    { name: 'token', schema: 'authToken', signer: 'platform', message: token },
    c('authorize', cmd('01KB4ZA1B2C3D4E5F6G7H8J9K0', 'authorize', '2026-11-27T01:03:00.000Z', '2026-11-28T01:03:00.000Z', 'authorize', { token: signedToken })),
    c('lock', cmd(LOCK_ID, 'lock', '2026-11-27T01:12:29.000Z', '2026-12-04T01:12:29.000Z', 'lock', { reason: '镇纪委远程锁定：巡查', alarm: '01KB4ZB9X8W7V6T5S4R3Q2P1N0' })),
    c('unlock', cmd('01KB4ZD1M2N3P4Q5R6S7T8V9W0', 'unlock', '2026-11-27T03:00:00.000Z', '2026-11-28T03:00:00.000Z', 'unlock', { reason: '核查完毕，解除锁定' })),
    c('revoke', cmd('01KB4ZE1M2N3P4Q5R6S7T8V9W0', 'revoke', '2026-11-27T03:10:00.000Z', '2026-11-28T03:10:00.000Z', 'revoke', { auth: AUTH })),
    c('time', cmd('01KB4ZF1M2N3P4Q5R6S7T8V9W0', 'time', '2026-11-27T03:20:00.000Z', '2026-11-27T03:21:00.000Z', 'time', { now: '2026-11-27T03:20:00.000Z' })),
    c('maintenance', cmd('01KB4ZG1M2N3P4Q5R6S7T8V9W0', 'maintenance', '2026-11-27T04:00:00.000Z', '2026-11-27T16:00:00.000Z', 'maintenance', { kind: 'ink', until: '2026-11-27T05:00:00.000Z', reason: '更换印油' })),
    c('config', cmd('01KB4ZH1M2N3P4Q5R6S7T8V9W0', 'config', '2026-11-27T04:30:00.000Z', '2026-12-04T04:30:00.000Z', 'config', {
      hb_s: 60, fence: { lat_e6: 36_651_000, lng_e6: 117_123_000, radius_m: 300 }, hours: { from: '08:00', to: '18:00' },
    })),
    { name: 'will', schema: 'will', signer: null, message: { v: 1, dev: DEV, will: true } },
    { name: 'bundle', schema: 'provisioningBundle', signer: null, message: {
      v: 1, dev: DEV, mqtt: { url: 'mqtts://mqtt.cunzhang.example:8883', username: DEV, password: TEST_KEYS.mqttPassword },
      http: 'https://cunzhang.example', hb_key: TEST_KEYS.hbKey, platform_key: publicKeyOf(TEST_KEYS.platform), private_key: TEST_KEYS.device,
    } },
  ];
}

export interface Vector extends VectorSpec { json: string; bin: Buffer | null; der: Buffer | null }

const pretty = (m: unknown): string => `${JSON.stringify(m, null, 2)}\n`;

/** Builds every vector; `previousSig(name)` offers a signature to keep if it still verifies. */
export function buildVectors(previousSig: (name: string) => string | undefined): Vector[] {
  const out: Vector[] = [];
  const signWith = (spec: VectorSpec): Vector => {
    if (spec.signer === null) return { ...spec, json: pretty(spec.message), bin: null, der: null };
    const bin = signedBytes(spec.message);
    if (spec.signer === 'hb') {
      const message = withMac(spec.message, TEST_KEYS.hbKey);
      return { ...spec, message, json: pretty(message), bin, der: null };
    }
    const key = TEST_KEYS[spec.signer];
    const old = previousSig(spec.name);
    const sig = old !== undefined && sm2Verify(bin, old, publicKeyOf(key)) ? old : sm2Sign(bin, key);
    const message = { ...spec.message, sig };
    return { ...spec, message, json: pretty(message), bin, der: Buffer.from(sig, 'hex') };
  };
  const signedToken = signWith(specs({}).find((s) => s.name === 'token')!);
  for (const spec of specs(signedToken.message)) out.push(spec.name === 'token' ? signedToken : signWith(spec));
  return out;
}

/** The files of the vectors directory, name → content. */
export function vectorFiles(vectors: Vector[]): Map<string, string | Buffer> {
  const files = new Map<string, string | Buffer>();
  files.set('device.key.pem', privateKeyToPem(TEST_KEYS.device));
  files.set('device.pub.pem', publicKeyToPem(publicKeyOf(TEST_KEYS.device)));
  files.set('platform.key.pem', privateKeyToPem(TEST_KEYS.platform));
  files.set('platform.pub.pem', publicKeyToPem(publicKeyOf(TEST_KEYS.platform)));
  files.set('keys.json', pretty({
    warning: 'TEST KEYS, published on purpose: never use them in a device or a platform',
    device: { private_key: TEST_KEYS.device, public_key: publicKeyOf(TEST_KEYS.device) },
    platform: { private_key: TEST_KEYS.platform, public_key: publicKeyOf(TEST_KEYS.platform) },
    hb_key: TEST_KEYS.hbKey,
    otp_code: TEST_KEYS.otpCode,
    sm2_id: '1234567812345678',
  }));
  files.set('manifest.json', pretty(vectors.map((v) => ({
    name: v.name, schema: v.schema, signer: v.signer,
    files: [`${v.name}.json`, ...(v.bin ? [`${v.name}.bin`] : []), ...(v.der ? [`${v.name}.der`] : [])],
  }))));
  for (const v of vectors) {
    files.set(`${v.name}.json`, v.json);
    if (v.bin) files.set(`${v.name}.bin`, v.bin);
    if (v.der) files.set(`${v.name}.der`, v.der);
  }
  return files;
}

/** The signature currently on disk for a vector, if any. */
export function sigOnDisk(dir: string): (name: string) => string | undefined {
  return (name) => {
    const path = join(dir, `${name}.json`);
    if (!existsSync(path)) return undefined;
    const sig = (JSON.parse(readFileSync(path, 'utf8')) as { sig?: unknown }).sig;
    return typeof sig === 'string' ? sig : undefined;
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  mkdirSync(VECTORS_DIR, { recursive: true });
  let changed = 0;
  for (const [name, content] of vectorFiles(buildVectors(sigOnDisk(VECTORS_DIR)))) {
    const path = join(VECTORS_DIR, name);
    const same = existsSync(path) && Buffer.compare(readFileSync(path), Buffer.from(content)) === 0;
    if (!same) {
      writeFileSync(path, content);
      changed += 1;
      console.log(`wrote ${name}`);
    }
  }
  console.log(changed === 0 ? 'vectors up to date' : `${changed} file(s) written to ${VECTORS_DIR}`);
}
