import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { agedGaps, applySeq, missingCount, type SeqState } from './sequence.js';

const T0 = '2026-11-27T08:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();
const start: SeqState = { high: 0, gaps: [] };

/** Delivers `seqs` in order; returns the end state and how many were taken as new. */
function deliver(seqs: readonly number[], maxGaps?: number): { state: SeqState; accepted: number; maxOpen: number } {
  let state = start;
  let accepted = 0;
  let maxOpen = 0;
  seqs.forEach((seq, i) => {
    const step = applySeq(state, seq, at(i), maxGaps);
    if (!step.duplicate) accepted++;
    state = step;
    maxOpen = Math.max(maxOpen, state.gaps.length);
  });
  return { state, accepted, maxOpen };
}

/** A permutation of 1..n with some numbers delivered again, anywhere. */
const deliveries = fc.integer({ min: 1, max: 120 }).chain((n) =>
  fc.tuple(
    fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i + 1), { minLength: n, maxLength: n }),
    fc.array(fc.tuple(fc.integer({ min: 1, max: n }), fc.nat()), { maxLength: 40 }),
  ).map(([perm, dups]) => {
    const out = [...perm];
    for (const [seq, pos] of dups) out.splice(pos % (out.length + 1), 0, seq);
    return { n, out };
  }));

describe('device sequence numbers', () => {
  it('opens a hole above the highest, fills it from either end or the middle, and names duplicates', () => {
    let s = applySeq(start, 1, at(0));
    expect(s).toMatchObject({ high: 1, gaps: [], duplicate: false, fresh: true });
    s = applySeq(s, 6, at(1));
    expect(s).toMatchObject({ high: 6, gaps: [{ from: 2, to: 5, seenAt: at(1) }], fresh: true });
    s = applySeq(s, 4, at(2));
    expect(s.gaps).toEqual([{ from: 2, to: 3, seenAt: at(1) }, { from: 5, to: 5, seenAt: at(1) }]);
    expect(s).toMatchObject({ duplicate: false, fresh: false });
    s = applySeq(s, 2, at(3));
    expect(s.gaps).toEqual([{ from: 3, to: 3, seenAt: at(1) }, { from: 5, to: 5, seenAt: at(1) }]);
    expect(applySeq(s, 4, at(4))).toMatchObject({ duplicate: true, high: 6 });
    expect(applySeq(s, 6, at(4))).toMatchObject({ duplicate: true });
    expect(applySeq(s, 1, at(4))).toMatchObject({ duplicate: true });
    s = applySeq(applySeq(s, 3, at(5)), 5, at(6));
    expect(s).toMatchObject({ high: 6, gaps: [] });
  });

  it('keeps at most the bound of holes by merging the two lowest, keeping the older time', () => {
    // Every other number: each delivery opens one more hole.
    const { state } = deliver([2, 4, 6, 8, 10, 12], 3);
    expect(state.gaps).toEqual([
      { from: 1, to: 7, seenAt: at(0) }, { from: 9, to: 9, seenAt: at(4) }, { from: 11, to: 11, seenAt: at(5) },
    ]);
    expect(missingCount(state.gaps)).toBe(9);
    expect(deliver(Array.from({ length: 400 }, (_, i) => 2 * (i + 1))).state.gaps).toHaveLength(100);
  });

  it('picks the holes older than a moment', () => {
    const gaps = [{ from: 1, to: 2, seenAt: at(0) }, { from: 5, to: 5, seenAt: at(90) }];
    expect(agedGaps(gaps, at(60))).toEqual([gaps[0]]);
    expect(agedGaps(gaps, at(90))).toEqual(gaps);
  });

  it('any order of 1..N, with duplicates, ends with high N, no holes and every number taken once', () => {
    fc.assert(fc.property(deliveries, ({ n, out }) => {
      const { state, accepted, maxOpen } = deliver(out);
      expect(state.high).toBe(n);
      expect(state.gaps).toEqual([]);
      expect(accepted).toBe(n);
      expect(maxOpen).toBeLessThanOrEqual(Math.ceil(n / 2));
    }), { numRuns: 300 });
  });

  it('at every step the holes are sorted, disjoint, below the highest, and hold exactly the numbers not yet received', () => {
    fc.assert(fc.property(deliveries, ({ out }) => {
      let state = start;
      const seen = new Set<number>();
      out.forEach((seq, i) => {
        const step = applySeq(state, seq, at(i));
        expect(step.duplicate).toBe(seen.has(seq));
        seen.add(seq);
        state = step;
        const missing: number[] = [];
        for (const g of state.gaps) for (let k = g.from; k <= g.to; k++) missing.push(k);
        const expected = Array.from({ length: state.high }, (_, k) => k + 1).filter((k) => !seen.has(k));
        expect(missing).toEqual(expected);
        for (const [j, g] of state.gaps.entries()) {
          expect(g.from).toBeLessThanOrEqual(g.to);
          if (j > 0) expect(g.from).toBeGreaterThan(state.gaps[j - 1]!.to + 1);
        }
      });
    }), { numRuns: 100 });
  });
});
