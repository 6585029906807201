import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Closes two ways around the append-only trail of 001:
 * - TRUNCATE (PostgreSQL) skipped the row triggers and emptied audit_log in one statement;
 * - the chain head could be rewound after cutting entries from the end, which then no
 *   verification could notice. The head now only moves forward, one entry at a time, onto
 *   the hash of the entry just appended; it cannot be deleted or truncated.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`create trigger audit_head_forward_only before update on audit_head
      when new.id is not old.id or new.seq is not old.seq + 1 or new.hash is not (select hash from audit_log where seq = new.seq)
      begin select raise(abort, 'audit_head only moves forward with the trail'); end`.execute(db);
    await sql`create trigger audit_head_no_delete before delete on audit_head
      begin select raise(abort, 'audit_head cannot be deleted'); end`.execute(db);
    return;
  }
  await sql`create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_append_only()`.execute(db);
  await sql`create or replace function audit_head_forward_only() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'UPDATE' then
        raise exception 'audit_head cannot be deleted or truncated';
      end if;
      if new.id is distinct from old.id or new.seq is distinct from old.seq + 1
         or new.hash is distinct from (select hash from audit_log where seq = new.seq) then
        raise exception 'audit_head only moves forward with the trail';
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger audit_head_forward_only before update or delete on audit_head for each row execute function audit_head_forward_only()`.execute(db);
  await sql`create trigger audit_head_no_truncate before truncate on audit_head for each statement execute function audit_head_forward_only()`.execute(db);
}
