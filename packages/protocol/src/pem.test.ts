import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStrictDerSignature, privateKeyFromPem, privateKeyToPem, privateKeyToPkcs8Pem, publicKeyFromPem, publicKeyToPem } from './pem.js';
import { generateKeyPair, publicKeyOf, sm2Sign } from './sign.js';

/** SM2 keys as PEM (docs/device-protocol.md §4.4) and the strict DER rule of §4.1.4. */
const work = mkdtempSync(join(tmpdir(), 'cz-pem-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const openssl = (...args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const int = (n: bigint) => {
  let h = n.toString(16);
  if (h.length % 2) h = `0${h}`;
  if (parseInt(h[0]!, 16) >= 8) h = `00${h}`;
  return `02${(h.length / 2).toString(16).padStart(2, '0')}${h}`;
};
const seq = (body: string) => `30${(body.length / 2).toString(16).padStart(2, '0')}${body}`;

describe('PEM', () => {
  it('round-trips keys through every form, and openssl reads what we write', () => {
    const kp = generateKeyPair();
    expect(publicKeyFromPem(publicKeyToPem(kp.publicKey))).toBe(kp.publicKey);
    expect(privateKeyFromPem(privateKeyToPem(kp.privateKey))).toBe(kp.privateKey);
    expect(privateKeyFromPem(privateKeyToPkcs8Pem(kp.privateKey))).toBe(kp.privateKey);
    for (const [name, pem] of [['sec1.pem', privateKeyToPem(kp.privateKey)], ['p8.pem', privateKeyToPkcs8Pem(kp.privateKey)]] as const) {
      writeFileSync(join(work, name), pem);
      const r = openssl('pkey', '-in', join(work, name), '-pubout');
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(publicKeyToPem(kp.publicKey));
    }
  });

  it('reads the "SM2 PRIVATE KEY" that openssl 3 `ec` writes', () => {
    const kp = generateKeyPair();
    writeFileSync(join(work, 'in.pem'), privateKeyToPkcs8Pem(kp.privateKey));
    const r = openssl('ec', '-in', join(work, 'in.pem'));
    expect(r.stdout).toContain('BEGIN SM2 PRIVATE KEY');
    expect(privateKeyFromPem(r.stdout)).toBe(kp.privateKey);
  });

  it('refuses keys on other curves and things that are not keys', () => {
    const key = join(work, 'p256.pem');
    expect(openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key).status).toBe(0);
    expect(() => privateKeyFromPem(readFileSync(key, 'utf8'))).toThrow(/not an SM2 key/);
    expect(() => publicKeyFromPem(openssl('pkey', '-in', key, '-pubout').stdout)).toThrow(/not an SM2 key/);
    expect(() => publicKeyFromPem('hello')).toThrow(/PEM block/);
    expect(() => publicKeyToPem('04abc')).toThrow(/130/);
    expect(() => privateKeyToPem('XYZ')).toThrow(/64/);
  });

  it('keeps a private key with leading zero bytes at 64 hex digits', () => {
    const priv = `00${'1'.repeat(62)}`;
    expect(privateKeyFromPem(privateKeyToPkcs8Pem(priv))).toBe(priv);
    expect(publicKeyFromPem(publicKeyToPem(publicKeyOf(priv)))).toBe(publicKeyOf(priv));
  });
});

describe('strict DER signatures (§4.1.4)', () => {
  it('accepts every signature we make', () => {
    const kp = generateKeyPair();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      expect(isStrictDerSignature(sm2Sign(b, kp.privateKey))).toBe(true);
    }), { numRuns: 30 });
  });

  it('accepts any minimal encoding of 1 ≤ r, s < n', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: N - 1n }), fc.bigInt({ min: 1n, max: N - 1n }), (r, s) => {
      expect(isStrictDerSignature(seq(int(r) + int(s)))).toBe(true);
    }));
  });

  it('refuses trailing bytes, another tag, non-minimal or negative integers, zero, n and above', () => {
    const good = seq(int(5n) + int(7n));
    expect(isStrictDerSignature(good)).toBe(true);
    expect(isStrictDerSignature(`${good}00`)).toBe(false);
    expect(isStrictDerSignature(`31${good.slice(2)}`)).toBe(false);
    expect(isStrictDerSignature(seq(`02020005${int(7n)}`))).toBe(false);
    expect(isStrictDerSignature(seq(`020180${int(7n)}`))).toBe(false);
    expect(isStrictDerSignature(seq(int(0n) + int(7n)))).toBe(false);
    expect(isStrictDerSignature(seq(int(5n) + int(N)))).toBe(false);
    expect(isStrictDerSignature(seq(int(5n) + int(7n) + int(9n)))).toBe(false);
    expect(isStrictDerSignature('30')).toBe(false);
    expect(isStrictDerSignature('zz')).toBe(false);
    expect(isStrictDerSignature(`3081${good.slice(2)}`)).toBe(false);
  });
});
