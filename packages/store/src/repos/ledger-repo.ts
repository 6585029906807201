import type { LedgerRepo } from '@cunzhang/core';
import type { Ctx } from './common.js';

// Placeholder while the ledger work is under way; replaced before it is committed.
export function ledgerRepo(_ctx: Ctx): LedgerRepo {
  const todo = (): never => { throw new Error('ledgerRepo: not built yet'); };
  return { search: todo, entry: todo };
}
