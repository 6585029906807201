import type { Kysely } from 'kysely';

/** The time step of the last accepted TOTP code, so a code is never accepted twice. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('totp_last_step', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
