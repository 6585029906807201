import { generateKeyPair, sm2Sign, signatureDigest, zOf } from '@cunzhang/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createVerifier, type SignatureVerifier } from './verifier.js';

const kp = generateKeyPair();
const other = generateKeyPair();
const z = zOf(kp.publicKey);
const job = (text: string, sig = sm2Sign(Buffer.from(text), kp.privateKey), deviceId = 'CZD-1') => ({ deviceId, publicKey: kp.publicKey, e: signatureDigest(Buffer.from(text), z), sig });

describe.each([0, 2])('signature verifier with %i threads', (threads) => {
  let v: SignatureVerifier | null = null;
  afterEach(async () => { await v?.close(); v = null; });

  it('accepts a good signature and refuses a wrong message, a wrong key and a non-signature', async () => {
    v = createVerifier(threads);
    const good = job('门锁已锁定');
    expect(await v.verify(good)).toBe(true);
    expect(await v.verify({ ...good, e: signatureDigest(Buffer.from('门锁已打开'), z) })).toBe(false);
    expect(await v.verify({ ...good, publicKey: other.publicKey })).toBe(false);
    expect(await v.verify({ ...good, sig: '3006020101020101' })).toBe(false);
  });

  it('answers each of many messages from many devices, in any order, rightly; the table a device earns gives the same answers', async () => {
    v = createVerifier(threads, { hotAfter: 3 });
    // The first two messages of each device are checked on the calling thread, the rest in a thread.
    const jobs = Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? { ...job(`m${i}`, undefined, `CZD-${i % 4}`), e: signatureDigest(Buffer.from('x'), z) } : job(`m${i}`, undefined, `CZD-${i % 4}`)));
    const got = await Promise.all(jobs.map((j) => v!.verify(j)));
    expect(got).toEqual(jobs.map((_, i) => i % 5 !== 0));
    v.forget('CZD-1');
    expect(await v.verify(job('after forget', undefined, 'CZD-1'))).toBe(true);
  });
});

describe('signature verifier threads', () => {
  it('answers a device\'s messages in the order they came, in a thread; a closed verifier refuses new work with a message saying so', async () => {
    const v = createVerifier(1, { hotAfter: 1 });
    const order: number[] = [];
    const got = await Promise.all(Array.from({ length: 12 }, (_, i) => v.verify(job(`m${i}`)).then((ok) => { order.push(i); return ok; })));
    expect(got.every(Boolean)).toBe(true);
    expect(order).toEqual(Array.from({ length: 12 }, (_, i) => i));
    await v.close();
    await expect(v.verify(job('b'))).rejects.toThrow(/shutting down/);
  });
});
