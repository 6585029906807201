import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openPostgres, openSqlite, type Database, type Dialect } from './database.js';
import * as m001 from './migrations/001-foundation.js';
import * as m002 from './migrations/002-audit-head-guard.js';
import * as m003 from './migrations/003-totp-last-step.js';
import * as m004 from './migrations/004-applications.js';
import * as m005 from './migrations/005-stampings-certificates.js';
import * as m006 from './migrations/006-ledger-search.js';
import { TEST_DIALECTS } from './testing.js';
import { unitOfWork } from './unit-of-work.js';

/** A fresh, empty database (no migration applied). */
async function emptyDatabase(dialect: Dialect): Promise<{ database: Database; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const database = openSqlite(':memory:');
    return { database, drop: () => database.close() };
  }
  const admin = process.env.CUNZHANG_TEST_PG_URL!;
  const name = `cz_m005_${process.pid}_${randomBytes(4).toString('hex')}`;
  const run = async (q: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(q);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const database = openPostgres(url.toString(), { max: 2 });
  return { database, drop: async () => { await database.close(); await run(`drop database if exists ${name} with (force)`); } };
}

// Filing order is the order of the time-ordered ids, not the order the rows happen to lie in.
const FILED = ['01J0000000000000000000000A', '01J0000000000000000000000B', '01J0000000000000000000000C', '01J0000000000000000000000D'];
const STORED_ORDER = [2, 0, 3, 1];

for (const dialect of TEST_DIALECTS) {
  describe(`upgrading a database with applications to 005 and 006 [${dialect}]`, () => {
    it('numbers the applications 1..n in filing order, continues the numbering, and indexes their text', async () => {
      const { database, drop } = await emptyDatabase(dialect);
      const db = database.db as unknown as Kysely<unknown>;
      try {
        for (const m of [m001, m002, m003, m004]) await m.up(db, dialect);
        const T = '2026-03-01T08:00:00.000Z';
        await sql`insert into org_units (code, name, level, parent_code) values ('370921113', '鹤山镇', 'town', null), ('370921113201', '前鹤山村', 'village', '370921113')`.execute(db);
        await sql`insert into seal_types (code, name_zh, name_en, custody, builtin) values ('village_committee', '村(居)民委员会印章', 'Village committee seal', 'village', 1)`.execute(db);
        await sql`insert into users (id, name, phone_enc, phone_index, password_hash, totp_enabled, failed_logins, disabled, demo, home_org_code, created_at, totp_last_step)
          values ('u1', '张村民', 'e', 'i', 'h', 0, 0, 0, 0, '370921113201', ${T}, 0)`.execute(db);
        await sql`insert into seals (id, type_code, org_code, name, status, issuing_authority, approver_user_ids, custody_org_code, created_at, updated_at, version)
          values ('s1', 'village_committee', '370921113201', '前鹤山村民委员会', 'active', '鹤山镇人民政府', '[]', '370921113201', ${T}, ${T}, 1)`.execute(db);
        for (const i of STORED_ORDER) {
          await sql`insert into applications (id, seal_id, org_code, matter_code, route, reason, document_title, copies, impressions, applicant_user_id,
            contract_words, status, created_at, updated_at, version)
            values (${FILED[i]}, 's1', '370921113201', 'cert_residence', 'keeper', ${`第${i + 1}份居住证明`}, '居住证明', 1, 1, 'u1', '[]', 'pending', ${T}, ${T}, 1)`.execute(db);
        }

        await m005.up(db, dialect);
        const rows = await sql<{ id: string; serial_no: number }>`select id, serial_no from applications order by serial_no`.execute(db);
        expect(rows.rows.map((r) => [r.id, Number(r.serial_no)])).toEqual(FILED.map((id, i) => [id, i + 1]));

        await m006.up(db, dialect);
        const uow = unitOfWork(database);
        // The next filing continues after the last number (max + 1 on SQLite, the sequence on PostgreSQL).
        const app = (await uow.read((tx) => tx.applications.get(FILED[0]!)))!;
        await uow.write((tx) => tx.applications.insert({ ...app, id: '01J0000000000000000000000E', reason: '第五份', documentTitle: '收入证明', pages: [] }));
        const next = await sql<{ serial_no: number }>`select serial_no from applications where id = '01J0000000000000000000000E'`.execute(db);
        expect(Number(next.rows[0]!.serial_no)).toBe(5);

        const found = async (q: string) => (await uow.read((tx) => tx.ledger.search({ scopes: [''], q, limit: 10 }))).items.map((e) => e.serialNo);
        expect(await found('第3份')).toEqual([3]);
        expect(await found('居住证明')).toEqual([4, 3, 2, 1]);
        expect(await found('张村民')).toEqual([5, 4, 3, 2, 1]);
        expect(await found('收入')).toEqual([5]);
      } finally {
        await drop();
      }
    });
  });
}
