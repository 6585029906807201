import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/** Foundation schema: org tree, people and roles, sessions, seal registry, audit trail. */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema.createTable('org_units')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('parent_code', 'text')
    .execute();
  await db.schema.createIndex('org_units_parent').on('org_units').columns(['parent_code', 'code']).execute();

  await db.schema.createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('phone_enc', 'text', (c) => c.notNull())
    .addColumn('phone_index', 'text', (c) => c.notNull().unique())
    .addColumn('id_number_enc', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('totp_secret_enc', 'text')
    .addColumn('totp_enabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'text')
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('demo', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('home_org_code', 'text', (c) => c.notNull().references('org_units.code'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('users_home').on('users').columns(['home_org_code', 'id']).execute();

  await db.schema.createTable('role_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('org_code', 'text', (c) => c.notNull().references('org_units.code'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('role_grants_unique', ['user_id', 'role', 'org_code'])
    .execute();

  await db.schema.createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  await db.schema.createTable('seal_types')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('custody', 'text', (c) => c.notNull())
    .addColumn('builtin', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema.createTable('seals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type_code', 'text', (c) => c.notNull().references('seal_types.code'))
    .addColumn('org_code', 'text', (c) => c.notNull().references('org_units.code'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('issuing_authority', 'text', (c) => c.notNull())
    .addColumn('filing_number', 'text')
    .addColumn('activated_at', 'text')
    .addColumn('keeper_user_id', 'text', (c) => c.references('users.id'))
    .addColumn('approver_user_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('custody_org_code', 'text', (c) => c.notNull())
    .addColumn('impression_blob', 'text')
    .addColumn('device_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('seals_org').on('seals').columns(['org_code', 'id']).execute();
  await db.schema.createIndex('seals_custody').on('seals').columns(['custody_org_code', 'id']).execute();

  await db.schema.createTable('seal_handovers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seal_id', 'text', (c) => c.notNull().references('seals.id'))
    .addColumn('giver_user_id', 'text')
    .addColumn('giver_name', 'text', (c) => c.notNull())
    .addColumn('receiver_user_id', 'text', (c) => c.notNull())
    .addColumn('receiver_name', 'text', (c) => c.notNull())
    .addColumn('witness_name', 'text', (c) => c.notNull())
    .addColumn('handed_at', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('impression_blob', 'text')
    .execute();
  await db.schema.createIndex('seal_handovers_seal').on('seal_handovers').columns(['seal_id', 'handed_at']).execute();

  await db.schema.createTable('audit_log')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('org_code', 'text', (c) => c.notNull())
    .addColumn('ip', 'text', (c) => c.notNull())
    .addColumn('before_json', 'text', (c) => c.notNull())
    .addColumn('after_json', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_target').on('audit_log').columns(['target_type', 'target_id', 'seq']).execute();
  await db.schema.createIndex('audit_org').on('audit_log').columns(['org_code', 'seq']).execute();

  await db.schema.createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into audit_head (id, seq, hash) values (1, 0, ${'0'.repeat(64)})`.execute(db);

  // The trail is append-only for the application: updates and deletes are refused by the
  // database itself, so no administrator erases it through the product.
  if (dialect === 'sqlite') {
    await sql`create trigger audit_log_no_update before update on audit_log begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    await sql`create trigger audit_log_no_delete before delete on audit_log begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
  } else {
    await sql`create or replace function audit_log_append_only() returns trigger language plpgsql as $$ begin raise exception 'audit_log is append-only'; end $$`.execute(db);
    await sql`create trigger audit_log_no_change before update or delete on audit_log for each row execute function audit_log_append_only()`.execute(db);
  }
}
