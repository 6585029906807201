import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.js';
import { entryHash, GENESIS_HASH, sm3Hex, verifyChain, type ChainedFields } from './chain.js';

function build(n: number): (ChainedFields & { hash: string })[] {
  const out: (ChainedFields & { hash: string })[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = { seq: i, at: `2026-01-01T00:00:0${i % 10}.000Z`, actorId: 'u1', action: 'SEAL_FILED', targetType: 'seal', targetId: `s${i}`, orgCode: '370921113201', ip: '127.0.0.1', before: { status: 'issued' }, after: { status: 'filed', n: i }, prevHash: prev };
    const hash = entryHash(e);
    out.push({ ...e, hash });
    prev = hash;
  }
  return out;
}
async function* iter<T>(xs: T[]): AsyncIterable<T> { yield* xs; }

describe('audit chain', () => {
  it('uses the standard SM3 (GB/T 32905 test vector "abc")', () => {
    expect(sm3Hex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
  });

  it('sorts keys canonically at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: null }], c: '村' } })).toBe('{"a":{"c":"村","d":[1,{"x":null,"y":2}]},"b":1}');
  });

  it('accepts an intact chain', async () => {
    const r = await verifyChain(iter(build(5)));
    expect(r).toMatchObject({ ok: true, checked: 5, firstBad: null });
  });

  it('names the first altered entry', async () => {
    const rows = build(6);
    rows[3] = { ...rows[3]!, after: { status: 'active' } };
    const r = await verifyChain(iter(rows));
    expect(r.ok).toBe(false);
    expect(r.firstBad?.seq).toBe(4);
    expect(r.firstBad?.reason).toMatch(/altered/);
  });

  it('names a deleted entry', async () => {
    const rows = build(5);
    rows.splice(2, 1);
    const r = await verifyChain(iter(rows));
    expect(r.firstBad?.seq).toBe(3);
    expect(r.firstBad?.reason).toMatch(/missing/);
  });

  it('catches a rehashed entry by the broken link of the next one', async () => {
    const rows = build(4);
    const forged = { ...rows[1]!, actorId: 'intruder' };
    rows[1] = { ...forged, hash: entryHash(forged) };
    const r = await verifyChain(iter(rows));
    expect(r.firstBad?.seq).toBe(3);
  });
});
