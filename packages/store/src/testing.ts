import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, openSqlite, type Database, type Dialect } from './database.js';
import { migrateToLatest } from './migrate.js';

/** SQLite always; PostgreSQL too when CUNZHANG_TEST_PG_URL names a server to test against. */
export const TEST_DIALECTS: Dialect[] = process.env.CUNZHANG_TEST_PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase extends Database {
  /** Closes the connection and, on PostgreSQL, drops the throw-away database. */
  cleanup(): Promise<void>;
  url: string | null;
}

/** A fresh, migrated database of the given dialect. */
export async function openTestDatabase(dialect: Dialect, opts: { file?: string } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const database = openSqlite(opts.file ?? ':memory:');
    await migrateToLatest(database);
    return { ...database, url: null, cleanup: () => database.close() };
  }
  const admin = process.env.CUNZHANG_TEST_PG_URL;
  if (!admin) throw new Error('CUNZHANG_TEST_PG_URL is not set');
  const name = `cz_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const database = openPostgres(url.toString(), { max: 4 });
  await migrateToLatest(database);
  return {
    ...database,
    url: url.toString(),
    cleanup: async () => {
      await database.close();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
