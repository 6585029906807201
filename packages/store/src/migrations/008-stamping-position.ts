import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Device positions are micro-degrees (six decimals). PostgreSQL's `real` keeps about seven
 * significant digits, so 116.893008 came back as 116.893005: stampings' latitude and longitude
 * become `double precision` there. SQLite's REAL is already an 8-byte double.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`alter table stampings alter column latitude type double precision, alter column longitude type double precision`.execute(db);
}
