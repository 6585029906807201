import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database, Dialect } from './database.js';
import * as m001 from './migrations/001-foundation.js';
import * as m002 from './migrations/002-audit-head-guard.js';
import * as m003 from './migrations/003-totp-last-step.js';
import * as m004 from './migrations/004-applications.js';
import * as m005 from './migrations/005-stampings-certificates.js';
import * as m006 from './migrations/006-ledger-search.js';
import * as m007 from './migrations/007-devices.js';
import * as m008 from './migrations/008-stamping-position.js';

type Step = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };
/** Every schema change, in order. Never edit a released one: add the next. */
const STEPS: Record<string, Step> = {
  '001-foundation': m001, '002-audit-head-guard': m002, '003-totp-last-step': m003, '004-applications': m004, '005-stampings-certificates': m005,
  '006-ledger-search': m006, '007-devices': m007, '008-stamping-position': m008,
};

class Provider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(STEPS).map(([name, s]) => [name, { up: (db: Kysely<unknown>) => s.up(db, this.dialect) }]));
  }
}

async function migrate(db: Kysely<unknown>, dialect: Dialect): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new Provider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Brings the schema up to date; safe to run on every start and from several processes. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  if (database.dialect === 'postgres') return migrate(database.db as Kysely<unknown>, 'postgres');
  // On SQLite Kysely neither locks nor wraps migrations in a transaction (it assumes one
  // connection). One write transaction does both: a second process queues on busy_timeout
  // and then finds nothing to do, and a step that fails halfway leaves no half-made schema.
  return database.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const applied = await migrate(conn as unknown as Kysely<unknown>, 'sqlite');
      await sql`commit`.execute(conn);
      return applied;
    } catch (err) {
      await sql`rollback`.execute(conn);
      throw err;
    }
  });
}
