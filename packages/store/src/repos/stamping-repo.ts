import type { StampingRepo } from '@cunzhang/core';
import type { Ctx } from './common.js';

// Placeholder while the ledger work is under way; replaced before it is committed.
export function stampingRepo(_ctx: Ctx): StampingRepo {
  const todo = (): never => { throw new Error('stampingRepo: not built yet'); };
  return { insert: todo, forApplication: todo };
}
