import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, openSqlite, type Database, type Dialect } from './database.js';
import { migrateToLatest } from './migrate.js';
import { TEST_DIALECTS } from './testing.js';

/** Two handles on one fresh, empty (unmigrated) database, as two processes would have. */
async function emptyDatabase(dialect: Dialect): Promise<{ a: Database; b: Database; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(path.join(tmpdir(), 'cz-migrate-'));
    const file = path.join(dir, 'cunzhang.db');
    const a = openSqlite(file);
    const b = openSqlite(file);
    return { a, b, drop: async () => { await a.close(); await b.close(); await rm(dir, { recursive: true, force: true }); } };
  }
  const admin = process.env.CUNZHANG_TEST_PG_URL!;
  const name = `cz_migrate_${process.pid}_${randomBytes(4).toString('hex')}`;
  const run = async (q: string): Promise<void> => {
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
  const a = openPostgres(url.toString(), { max: 2 });
  const b = openPostgres(url.toString(), { max: 2 });
  return { a, b, drop: async () => { await a.close(); await b.close(); await run(`drop database if exists ${name} with (force)`); } };
}

async function tables(database: Database): Promise<string[]> {
  const rows = database.dialect === 'sqlite'
    ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(database.db)).rows
    : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' order by table_name`.execute(database.db)).rows;
  return rows.map((r) => r.name);
}

for (const dialect of TEST_DIALECTS) {
  describe(`migrations [${dialect}]`, () => {
    let dbs: Awaited<ReturnType<typeof emptyDatabase>>;
    beforeAll(async () => {
      dbs = await emptyDatabase(dialect);
    });
    afterAll(async () => {
      await dbs?.drop();
    });

    it('creates the schema once; running again is a no-op', async () => {
      expect(await migrateToLatest(dbs.a)).toEqual(['001-foundation', '002-audit-head-guard', '003-totp-last-step', '004-applications', '005-stampings-certificates', '006-ledger-search', '007-devices', '008-stamping-position']);
      const schema = await tables(dbs.a);
      expect(schema).toEqual(expect.arrayContaining(['org_units', 'users', 'role_grants', 'sessions', 'seal_types', 'seals', 'seal_handovers', 'audit_log', 'audit_head']));
      const head = await dbs.a.db.selectFrom('audit_head').selectAll().execute();
      expect(head).toEqual([{ id: 1, seq: 0, hash: '0'.repeat(64) }]);

      expect(await migrateToLatest(dbs.a)).toEqual([]);
      expect(await migrateToLatest(dbs.b)).toEqual([]);
      expect(await tables(dbs.a)).toEqual(schema);
      expect(await dbs.a.db.selectFrom('audit_head').selectAll().execute()).toEqual(head);
    });

    it('leaves the data alone when run again', async () => {
      await dbs.a.db.insertInto('org_units').values({ code: '370921113', name: '鹤山镇', level: 'town', parent_code: '370921' }).execute();
      expect(await migrateToLatest(dbs.b)).toEqual([]);
      expect(await dbs.b.db.selectFrom('org_units').selectAll().execute()).toEqual([{ code: '370921113', name: '鹤山镇', level: 'town', parent_code: '370921' }]);
    });
  });

  describe(`a migration that fails halfway [${dialect}]`, () => {
    it('leaves no half-made schema behind, so the next start can finish it', async () => {
      const dbs = await emptyDatabase(dialect);
      try {
        // A table in the way of a late step of 001 makes that step fail after the early ones ran.
        await sql`create table seal_handovers (x integer)`.execute(dbs.a.db);
        await expect(migrateToLatest(dbs.a)).rejects.toThrow(/001-foundation failed/);
        expect(await tables(dbs.a)).not.toContain('org_units');
        await sql`drop table seal_handovers`.execute(dbs.a.db);
        expect(await migrateToLatest(dbs.a)).toEqual(['001-foundation', '002-audit-head-guard', '003-totp-last-step', '004-applications', '005-stampings-certificates', '006-ledger-search', '007-devices', '008-stamping-position']);
        expect(await tables(dbs.a)).toContain('org_units');
      } finally {
        await dbs.drop();
      }
    });
  });
}

// Two server processes (or the CLI beside the server) starting on a new PostgreSQL database.
// (Two SQLite handles in one process cannot wait for each other: better-sqlite3 blocks the
// thread; across processes BEGIN IMMEDIATE queues them.)
for (const dialect of TEST_DIALECTS.filter((d) => d === 'postgres')) {
  describe(`migrations from two processes at once [${dialect}]`, () => {
    it('applies each step exactly once', async () => {
      const dbs = await emptyDatabase(dialect);
      try {
        const [x, y] = await Promise.all([migrateToLatest(dbs.a), migrateToLatest(dbs.b)]);
        expect([...x, ...y]).toEqual(['001-foundation', '002-audit-head-guard', '003-totp-last-step', '004-applications', '005-stampings-certificates', '006-ledger-search', '007-devices', '008-stamping-position']);
        expect(await dbs.a.db.selectFrom('audit_head').selectAll().execute()).toHaveLength(1);
      } finally {
        await dbs.drop();
      }
    });
  });
}
