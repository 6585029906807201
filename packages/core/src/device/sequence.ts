import type { SeqGap } from './records.js';

/**
 * A device numbers every up message (events and heartbeats) with one counter, +1 each, never
 * reused (device-protocol §3). The platform keeps the highest number seen and the holes below
 * it; a hole still open after the grace period is reported (the sweep), a message that fills
 * it is welcome late, anything else at or below the highest is a duplicate delivery.
 */
export interface SeqState {
  high: number;
  gaps: readonly SeqGap[];
}

export interface SeqStep extends SeqState {
  /** At or below the highest and in no hole: already received (or given up as reported). */
  duplicate: boolean;
  /** Above the highest seen: the newest thing the device has said. */
  fresh: boolean;
}

/** Most holes kept per device; beyond it the two lowest merge (the row must stay small). */
export const MAX_SEQ_GAPS = 100;

/** The state after receiving `seq` at `now`. Pure; `gaps` stay sorted by `from` and disjoint. */
export function applySeq(state: SeqState, seq: number, now: string, maxGaps = MAX_SEQ_GAPS): SeqStep {
  const { high, gaps } = state;
  if (seq > high) {
    const next = seq > high + 1 ? [...gaps, { from: high + 1, to: seq - 1, seenAt: now }] : [...gaps];
    return { high: seq, gaps: bound(next, maxGaps), duplicate: false, fresh: true };
  }
  const i = gaps.findIndex((g) => g.from <= seq && seq <= g.to);
  if (i < 0) return { high, gaps, duplicate: true, fresh: false };
  const g = gaps[i]!;
  const parts: SeqGap[] = [];
  if (g.from < seq) parts.push({ from: g.from, to: seq - 1, seenAt: g.seenAt });
  if (seq < g.to) parts.push({ from: seq + 1, to: g.to, seenAt: g.seenAt });
  return { high, gaps: bound([...gaps.slice(0, i), ...parts, ...gaps.slice(i + 1)], maxGaps), duplicate: false, fresh: false };
}

/**
 * Keeps at most `max` holes by merging the two lowest (the oldest, as numbers only grow): the
 * messages between them count as missing too, which over-reports rather than hides a loss.
 */
function bound(gaps: SeqGap[], max: number): SeqGap[] {
  while (gaps.length > max && gaps.length >= 2) {
    const [a, b] = gaps as [SeqGap, SeqGap];
    gaps = [{ from: a.from, to: b.to, seenAt: a.seenAt < b.seenAt ? a.seenAt : b.seenAt }, ...gaps.slice(2)];
  }
  return gaps;
}

/** Holes first seen at or before `before`: due for a report. */
export function agedGaps(gaps: readonly SeqGap[], before: string): SeqGap[] {
  return gaps.filter((g) => g.seenAt <= before);
}

/** How many sequence numbers the holes cover. */
export const missingCount = (gaps: readonly SeqGap[]): number => gaps.reduce((n, g) => n + g.to - g.from + 1, 0);
