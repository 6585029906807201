import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { DB } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Where the SQLite file lives (null on PostgreSQL). */
  file: string | null;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

// PostgreSQL returns int8 (count(), bigint) as strings; every count here fits a double.
pg.types.setTypeParser(20, (v) => Number(v));

export function openSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const native = new SQLite(file);
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = NORMAL');
  native.pragma('foreign_keys = ON');
  native.pragma('busy_timeout = 10000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: native }) });
  return {
    db, dialect: 'sqlite', file,
    ping: async () => native.open,
    close: () => db.destroy(),
  };
}

export function openPostgres(url: string, opts: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 5000 });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db, dialect: 'postgres', file: null,
    ping: async () => {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}

/** PostgreSQL when a URL is given, else SQLite at `<dataDir>/cunzhang.db`. */
export function openDatabase(opts: { url?: string | undefined; dataDir: string }): Database {
  return opts.url ? openPostgres(opts.url) : openSqlite(path.join(opts.dataDir, 'cunzhang.db'));
}
