import type { PageFingerprint } from '../application/application.js';

/** Bits that differ between two 64-bit perceptual hashes written as 16 hex digits. */
export function phashDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x > 0n) {
    x &= x - 1n;
    n++;
  }
  return n;
}

/** The approved page a stamped page resembles most, with the distance of their hashes. */
export function bestPageMatch(pages: readonly PageFingerprint[], phash: string): { pageNo: number; distance: number } | null {
  let best: { pageNo: number; distance: number } | null = null;
  for (const p of pages) {
    const distance = phashDistance(p.phash, phash);
    if (!best || distance < best.distance) best = { pageNo: p.pageNo, distance };
  }
  return best;
}

/**
 * Most differing bits (of 64) at which a photographed stamped page still counts as the
 * approved page: photos of the same sheet differ by a few bits (light, angle), another
 * sheet by about half of them.
 */
export const PAGE_MATCH_MAX_DISTANCE = 20;
