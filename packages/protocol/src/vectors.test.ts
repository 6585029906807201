import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildVectors, sigOnDisk, TEST_KEYS, VECTORS_DIR, vectorFiles, type Signer } from '../scripts/make-vectors.js';
import { authToken, command, deviceEvent, heartbeat, parsePayload, provisioningBundle, SM2_ID, will } from './messages.js';
import { isStrictDerSignature, privateKeyFromPem, publicKeyFromPem } from './pem.js';
import { checkMac, otpDigest, publicKeyOf, signedBytes, sm2Sign, sm2Verify, verify, verifyKey } from './sign.js';

/** docs/device-protocol.md §14: the vectors, checked with our code and with openssl both ways. */
const schemas = { deviceEvent, heartbeat, command, authToken, will, provisioningBundle } as const;
interface Entry { name: string; schema: keyof typeof schemas; signer: Signer | null; files: string[] }
const manifest = JSON.parse(readFileSync(join(VECTORS_DIR, 'manifest.json'), 'utf8')) as Entry[];
const file = (name: string): Buffer => readFileSync(join(VECTORS_DIR, name));
const message = (name: string) => JSON.parse(file(`${name}.json`).toString('utf8')) as Record<string, unknown> & { sig: string; mac: string };
const signed = manifest.filter((e) => e.signer === 'device' || e.signer === 'platform');
const pubPem = (signer: Signer | null) => join(VECTORS_DIR, `${signer}.pub.pem`);
const keyPem = (signer: Signer | null) => join(VECTORS_DIR, `${signer}.key.pem`);
const publicKey = (signer: Signer | null) => publicKeyOf(signer === 'platform' ? TEST_KEYS.platform : TEST_KEYS.device);

const work = mkdtempSync(join(tmpdir(), 'cz-vectors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The verification command of §14, as the doc gives it. */
const opensslVerify = (pub: string, bin: string, der: string) =>
  run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', bin, '-sigfile', der, '-digest', 'sm3', '-pkeyopt', `distid:${SM2_ID}`]);

/** The ```sh blocks of docs/device-protocol.md marked `<!-- check: sh -->`, run as written. */
const REPO = join(VECTORS_DIR, '..', '..', '..');
const docBlocks = [...readFileSync(join(REPO, 'docs', 'device-protocol.md'), 'utf8').matchAll(/<!-- check: sh -->\n```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('the commands of docs/device-protocol.md §14', () => {
  it('has jq, xxd and openssl with SM2 on this machine', () => {
    for (const tool of ['jq', 'xxd', 'openssl']) expect(run('which', [tool]).status, tool).toBe(0);
    expect(docBlocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(docBlocks.map((b, i) => [i + 1, b] as const))('block %i runs without error', (_i, block) => {
    const r = spawnSync('bash', ['-euo', 'pipefail', '-c', block], { cwd: REPO, encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/Failure|FAIL|error/i);
  });

  it('block 1 prints the success line of openssl; block 2 checks every signed vector', () => {
    const first = spawnSync('bash', ['-euo', 'pipefail', '-c', docBlocks[0]!], { cwd: REPO, encoding: 'utf8' });
    expect(first.stdout).toContain('Signature Verified Successfully');
    const second = spawnSync('bash', ['-euo', 'pipefail', '-c', docBlocks[1]!], { cwd: REPO, encoding: 'utf8' });
    expect(second.stdout.trim().split('\n').sort()).toEqual(signed.map((e) => `ok ${e.name}`).sort());
  });

  it('a block fails when a vector is tampered with (the commands really check)', () => {
    const tampered = docBlocks[0]!.replace('jq -cjS \'del(.sig)\' hello.json', 'jq -cjS \'del(.sig) | .seq += 1\' hello.json').replace('cmp "$out/hello.bin" hello.bin\n', '');
    expect(tampered).not.toBe(docBlocks[0]);
    const r = spawnSync('bash', ['-euo', 'pipefail', '-c', tampered], { cwd: REPO, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain('Signature Verification Failure');
  });
});

describe('test vectors', () => {
  it('covers every event and command type, a heartbeat, a token, a will and a bundle', () => {
    const names = manifest.map((e) => e.name);
    for (const n of ['hello', 'impression', 'identity', 'sensor', 'state', 'ack', 'heartbeat', 'token', 'lock', 'unlock', 'authorize', 'revoke', 'time', 'maintenance', 'config', 'will', 'bundle']) expect(names).toContain(n);
  });

  it('are exactly what make-vectors.ts writes (keeping the signatures on disk)', () => {
    const want = vectorFiles(buildVectors(sigOnDisk(VECTORS_DIR)));
    const onDisk = readdirSync(VECTORS_DIR).filter((f) => f !== 'README.md').sort();
    expect(onDisk).toEqual([...want.keys()].sort());
    for (const [name, content] of want) expect(file(name).equals(Buffer.from(content)), name).toBe(true);
  });

  it('use keys whose PEM files hold the same keys as keys.json, with private keys below the curve order', () => {
    const keys = JSON.parse(file('keys.json').toString('utf8')) as Record<'device' | 'platform', { private_key: string; public_key: string }>;
    for (const who of ['device', 'platform'] as const) {
      expect(privateKeyFromPem(file(`${who}.key.pem`).toString('utf8'))).toBe(keys[who].private_key);
      expect(publicKeyFromPem(file(`${who}.pub.pem`).toString('utf8'))).toBe(keys[who].public_key);
      expect(publicKeyOf(keys[who].private_key)).toBe(keys[who].public_key);
      expect(BigInt(`0x${keys[who].private_key}`) < 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54122n).toBe(true);
    }
  });

  it.each(manifest.map((e) => [e.name, e] as const))('%s parses with its schema', (_name, e) => {
    const parsed = parsePayload(schemas[e.schema] as never, file(`${e.name}.json`));
    expect(parsed).toMatchObject({ ok: true });
  });

  it.each(signed.map((e) => [e.name, e] as const))('%s: .bin is signedBytes, .der is sig, our verify accepts it', (name, e) => {
    const m = message(name);
    expect(file(`${name}.bin`).equals(signedBytes(m))).toBe(true);
    expect(file(`${name}.der`).toString('hex')).toBe(m.sig);
    expect(isStrictDerSignature(m.sig)).toBe(true);
    expect(verify(m, publicKey(e.signer))).toBe(true);
    expect(verify(m, publicKey(e.signer === 'device' ? 'platform' : 'device'))).toBe(false);
  });

  it('heartbeat: .bin is signedBytes and the mac is HMAC-SM3 under hb_key', () => {
    const m = message('heartbeat');
    expect(file('heartbeat.bin').equals(signedBytes(m))).toBe(true);
    expect(checkMac(m, TEST_KEYS.hbKey)).toBe(true);
    expect(checkMac({ ...m, seq: (m.seq as number) + 1 }, TEST_KEYS.hbKey)).toBe(false);
    const mac = run('openssl', ['mac', '-digest', 'SM3', '-macopt', `hexkey:${TEST_KEYS.hbKey}`, '-in', join(VECTORS_DIR, 'heartbeat.bin'), 'HMAC']);
    expect(mac.status).toBe(0);
    expect(mac.out.trim().toLowerCase()).toBe(m.mac);
  });

  it('token: the authorize command carries it unchanged, and its otp is HMAC-SM3 of <auth>:<code> under the heartbeat key', () => {
    const token = message('token');
    expect((message('authorize').body as { token: unknown }).token).toEqual(token);
    expect(token.otp).toBe(otpDigest(token.auth as string, TEST_KEYS.otpCode, TEST_KEYS.hbKey));
  });

  it.each(signed.map((e) => [e.name, e] as const))('%s: openssl verifies our signature', (name, e) => {
    const r = opensslVerify(pubPem(e.signer), join(VECTORS_DIR, `${name}.bin`), join(VECTORS_DIR, `${name}.der`));
    expect(r.out).toContain('Signature Verified Successfully');
    expect(r.status).toBe(0);
  });

  it.each(signed.map((e) => [e.name, e] as const))('%s: our sm2Verify accepts a signature openssl made', (name, e) => {
    const der = join(work, `${name}.openssl.der`);
    const r = run('openssl', ['pkeyutl', '-sign', '-inkey', keyPem(e.signer), '-rawin', '-in', join(VECTORS_DIR, `${name}.bin`), '-out', der, '-digest', 'sm3', '-pkeyopt', `distid:${SM2_ID}`]);
    expect(r.status, r.out).toBe(0);
    const sig = readFileSync(der).toString('hex');
    expect(sig).not.toBe(message(name).sig);
    expect(isStrictDerSignature(sig)).toBe(true);
    expect(sm2Verify(file(`${name}.bin`), sig, publicKey(e.signer))).toBe(true);
    expect(verify({ ...message(name), sig }, verifyKey(publicKey(e.signer)))).toBe(true);
  });

  it('reads a key pair openssl generated (PKCS#8 and SPKI) and signs bytes openssl verifies', () => {
    const key = join(work, 'gen.key.pem');
    const pub = join(work, 'gen.pub.pem');
    expect(run('openssl', ['genpkey', '-algorithm', 'SM2', '-out', key]).status).toBe(0);
    expect(run('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]).status).toBe(0);
    const priv = privateKeyFromPem(readFileSync(key, 'utf8'));
    expect(publicKeyOf(priv)).toBe(publicKeyFromPem(readFileSync(pub, 'utf8')));
    const bin = join(work, 'gen.bin');
    const der = join(work, 'gen.der');
    writeFileSync(bin, signedBytes({ v: 1, dev: 'CZ7K2M9Q4T8W', note: '村章' }));
    writeFileSync(der, Buffer.from(sm2Sign(readFileSync(bin), priv), 'hex'));
    expect(opensslVerify(pub, bin, der).status).toBe(0);
    writeFileSync(der, Buffer.from(sm2Sign(readFileSync(bin), TEST_KEYS.device), 'hex'));
    expect(opensslVerify(pub, bin, der).status).not.toBe(0);
  });

  it('a one-bit change in the signed bytes fails with us and with openssl', () => {
    const bin = file('impression.bin');
    const m = message('impression');
    const key = verifyKey(publicKey('device'));
    for (let i = 0; i < bin.length; i += 7) {
      const flipped = Buffer.from(bin);
      flipped[i]! ^= 1 << (i % 8);
      expect(sm2Verify(flipped, m.sig, key), `byte ${i}`).toBe(false);
    }
    const flipped = Buffer.from(bin);
    flipped[bin.length >> 1]! ^= 0x01;
    const path = join(work, 'impression.flipped.bin');
    writeFileSync(path, flipped);
    expect(opensslVerify(pubPem('device'), path, join(VECTORS_DIR, 'impression.der')).status).not.toBe(0);
  });

  it('a one-bit change in r or s of the signature fails with us and with openssl', () => {
    const m = message('lock');
    const der = file('lock.der');
    const key = verifyKey(publicKey('platform'));
    // The value bytes of r and s, past the SEQUENCE and INTEGER headers (all lengths < 128).
    const rLen = der[3]!;
    const sStart = 4 + rLen + 2;
    const positions = [...Array.from({ length: rLen }, (_, k) => 4 + k), ...Array.from({ length: der.length - sStart }, (_, k) => sStart + k)];
    for (const i of positions) {
      const flipped = Buffer.from(der);
      flipped[i]! ^= 1 << (i % 8);
      expect(sm2Verify(signedBytes(m), flipped.toString('hex'), key), `byte ${i}`).toBe(false);
    }
    const flipped = Buffer.from(der);
    flipped[der.length - 1]! ^= 0x80;
    const path = join(work, 'lock.flipped.der');
    writeFileSync(path, flipped);
    expect(opensslVerify(pubPem('platform'), join(VECTORS_DIR, 'lock.bin'), path).status).not.toBe(0);
  });
});
