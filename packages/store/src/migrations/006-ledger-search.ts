import { searchTerms } from '@cunzhang/core';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Searching the seal-use ledger (用印登记簿) at a million entries.
 *
 * Every list of the ledger is newest first by serial number (流水号) and keyset-paginated, so
 * each filter that picks out few entries gets an index that starts with the filter and ends
 * with serial_no: the database walks it backwards and stops after one page, whatever the
 * size of the ledger. Filters that keep most entries (a town, a broad status) walk the serial
 * number itself. A period is turned into a range of serial numbers first (by created_at).
 *
 * Free text (事由, document title, the villager's and applicant's names, the opinion) is
 * indexed by the terms of `searchTerms` (CJK characters and bigrams, latin/digit words),
 * kept in applications.search_terms by the repository on every insert and update:
 * - SQLite: a contentless FTS5 table whose rowid is the serial number, kept in step by
 *   triggers; FTS5 returns matches in rowid order, so "newest first" costs nothing extra.
 * - PostgreSQL: a stored tsvector made of those exact terms (no parser, no stemming) with a
 *   GIN index; the planner picks it for rare terms and the serial index for common ones.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable('applications').addColumn('search_terms', 'text', (c) => c.notNull().defaultTo('')).execute();

  // Terms of the applications filed before this step (searchTerms of the time of upgrade).
  const rows = await sql<{ id: string; reason: string; document_title: string; on_behalf_of_name: string | null; opinion: string | null; applicant_name: string | null }>`
    select a.id, a.reason, a.document_title, a.on_behalf_of_name, a.opinion, u.name as applicant_name
    from applications a left join users u on u.id = a.applicant_user_id`.execute(db);
  for (const r of rows.rows) {
    const terms = searchTerms(r.reason, r.document_title, r.on_behalf_of_name, r.applicant_name, r.opinion);
    await sql`update applications set search_terms = ${terms} where id = ${r.id}`.execute(db);
  }

  const serialIndex = async (name: string, column: string) =>
    db.schema.createIndex(name).on('applications').columns([column, 'serial_no']).execute();
  await serialIndex('applications_org_serial', 'org_code');
  await serialIndex('applications_seal_serial', 'seal_id');
  await serialIndex('applications_applicant_serial', 'applicant_user_id');
  await serialIndex('applications_clerk_serial', 'clerk_user_id');
  await serialIndex('applications_decided_by_serial', 'decided_by');
  await serialIndex('applications_decided_for_serial', 'decided_for_user_id');
  await serialIndex('applications_matter_serial', 'matter_code');
  await serialIndex('applications_status_serial', 'status');
  await serialIndex('applications_created_serial', 'created_at');

  if (dialect === 'sqlite') {
    await sql`create virtual table ledger_fts using fts5(terms, content='', tokenize='ascii', detail='none')`.execute(db);
    await sql`insert into ledger_fts(rowid, terms) select serial_no, search_terms from applications`.execute(db);
    await sql`create trigger applications_fts_insert after insert on applications begin
      insert into ledger_fts(rowid, terms) values (new.serial_no, new.search_terms);
    end`.execute(db);
    await sql`create trigger applications_fts_update after update of search_terms on applications begin
      insert into ledger_fts(ledger_fts, rowid, terms) values ('delete', old.serial_no, old.search_terms);
      insert into ledger_fts(rowid, terms) values (new.serial_no, new.search_terms);
    end`.execute(db);
  } else {
    await sql`alter table applications add column search_vec tsvector
      generated always as (array_to_tsvector(string_to_array(search_terms, ' '))) stored`.execute(db);
    await sql`create index applications_search on applications using gin (search_vec)`.execute(db);
  }
}
