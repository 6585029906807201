import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Database, Dialect } from './database.js';
import * as m001 from './migrations/001-foundation.js';

type Step = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };
/** Every schema change, in order. Never edit a released one: add the next. */
const STEPS: Record<string, Step> = { '001-foundation': m001 };

class Provider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(Object.entries(STEPS).map(([name, s]) => [name, { up: (db: Kysely<unknown>) => s.up(db, this.dialect) }]));
  }
}

/** Brings the schema up to date; safe to run on every start and from several processes. */
export async function migrateToLatest(database: Database): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: new Provider(database.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
