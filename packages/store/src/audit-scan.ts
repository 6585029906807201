import { verifyChain, type VerifyResult } from '@cunzhang/ledger';
import type { Database } from './database.js';
import { toAuditEntry } from './repos/audit-repo.js';

/** Streams the whole trail in order, a page at a time, into the chain verifier. */
export async function verifyAuditTrail(database: Database, pageSize = 5000): Promise<VerifyResult> {
  async function* rows() {
    let after = 0;
    for (;;) {
      const page = await database.db.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq').limit(pageSize).execute();
      for (const r of page) yield toAuditEntry(r);
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.seq;
    }
  }
  const result = await verifyChain(rows());
  if (!result.ok) return result;
  // A truncated tail leaves an intact chain; the head row still remembers the last entry.
  const head = await database.db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  if (head.seq !== result.checked || head.hash !== result.headHash) {
    return { ...result, ok: false, firstBad: { seq: result.checked + 1, reason: `the trail ends at entry ${result.checked} but ${head.seq} were written: entries were removed from the end` } };
  }
  return result;
}
