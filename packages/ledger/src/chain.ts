import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/** The hash that precedes the first entry of a trail. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit entry that its hash covers (everything but the hash itself). */
export interface ChainedFields {
  seq: number;
  at: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  orgCode: string;
  ip: string;
  before: unknown;
  after: unknown;
  prevHash: string;
}

export const sm3Hex = (data: string | Uint8Array): string => createHash('sm3').update(data).digest('hex');

/** SM3 over the canonical JSON of the entry, which includes the previous entry's hash. */
export function entryHash(e: ChainedFields): string {
  const { seq, at, actorId, action, targetType, targetId, orgCode, ip, before, after, prevHash } = e;
  return sm3Hex(canonicalJson({ seq, at, actorId, action, targetType, targetId, orgCode, ip, before, after, prevHash }));
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** The first entry that does not match, and why. */
  firstBad: { seq: number; reason: string } | null;
  headHash: string;
}

/** Recomputes the chain in order; stops at the first entry that does not match. */
export async function verifyChain(entries: AsyncIterable<ChainedFields & { hash: string }>): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for await (const e of entries) {
    const bad = (reason: string): VerifyResult => ({ ok: false, checked, firstBad: { seq: e.seq, reason }, headHash: prev });
    if (e.seq !== expectedSeq) return { ...bad(`sequence jumps from ${expectedSeq - 1} to ${e.seq}: entries are missing`), firstBad: { seq: expectedSeq, reason: `entry ${expectedSeq} is missing (next present is ${e.seq})` } };
    if (e.prevHash !== prev) return bad('its previous-hash link does not match the entry before it');
    if (entryHash(e) !== e.hash) return bad('its content does not match its hash: the entry was altered');
    prev = e.hash;
    expectedSeq++;
    checked++;
  }
  return { ok: true, checked, firstBad: null, headHash: prev };
}
