import { verifyChain, type VerifyResult } from '@cunzhang/ledger';
import { sql } from 'kysely';
import type { Database } from './database.js';
import { toAuditEntry } from './repos/audit-repo.js';

/**
 * Streams the trail in order, a page at a time, into the chain verifier. The head is read
 * first and the scan stops there: entries appended while a long scan runs (a busy server
 * beside the CLI) lie beyond it and are neither checked nor mistaken for removed ones.
 */
export async function verifyAuditTrail(database: Database, pageSize = 5000): Promise<VerifyResult> {
  const head = await database.db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  async function* rows() {
    let after = 0;
    for (;;) {
      const page = await database.db.selectFrom('audit_log').selectAll().where('seq', '>', after).where('seq', '<=', head.seq)
        .orderBy('seq').limit(pageSize).execute();
      for (const r of page) yield toAuditEntry(r);
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.seq;
    }
  }
  const result = await verifyChain(rows());
  if (!result.ok) return result;
  // A truncated tail leaves an intact chain; the head row still remembers the last entry.
  if (head.seq !== result.checked || head.hash !== result.headHash) {
    return { ...result, ok: false, firstBad: { seq: result.checked + 1, reason: `the trail ends at entry ${result.checked} but ${head.seq} were written: entries were removed from the end` } };
  }
  // Every append moves the head in the same transaction, so no entry ever lies beyond it
  // (one statement, one snapshot). One that does was written outside the application.
  const beyond = await sql<{ seq: number | null }>`select min(seq) as seq from audit_log where seq > (select seq from audit_head where id = 1)`.execute(database.db);
  const stray = beyond.rows[0]?.seq;
  if (stray !== null && stray !== undefined) {
    return { ...result, ok: false, firstBad: { seq: Number(stray), reason: `entry ${stray} lies beyond the chain head: it was not written by an append` } };
  }
  return result;
}
