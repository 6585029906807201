import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * The ledger's serial numbers and reminders on applications; impressions recorded under an
 * authorization (by the keeper by hand, later by devices); each town's matter catalogue and
 * certificate templates; certificates issued at the service point.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // 流水号: existing applications are numbered in filing order (ids are time-ordered).
  await db.schema.alterTable('applications').addColumn('serial_no', 'integer').execute();
  await db.schema.alterTable('applications').addColumn('reminded_at', 'text').execute();
  await sql`update applications set serial_no = (select count(*) from applications b where b.id <= applications.id)`.execute(db);
  await db.schema.createIndex('applications_serial').on('applications').column('serial_no').unique().execute();
  if (dialect === 'postgres') {
    await sql`create sequence application_serial`.execute(db);
    await sql`select setval('application_serial', greatest(1, (select coalesce(max(serial_no), 0) from applications)), (select count(*) > 0 from applications))`.execute(db);
  }
  await db.schema.createIndex('applications_pending').on('applications').columns(['status', 'created_at']).execute();

  await db.schema.createTable('stampings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id'))
    .addColumn('authorization_id', 'text', (c) => c.notNull().references('authorizations.id'))
    .addColumn('seal_id', 'text', (c) => c.notNull().references('seals.id'))
    .addColumn('org_code', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('impressions', 'integer', (c) => c.notNull())
    .addColumn('stamped_at', 'text', (c) => c.notNull())
    .addColumn('operator_user_id', 'text')
    .addColumn('device_id', 'text')
    .addColumn('latitude', 'real')
    .addColumn('longitude', 'real')
    .addColumn('photo_key', 'text')
    .addColumn('thumb_key', 'text')
    .addColumn('sm3', 'text')
    .addColumn('phash', 'text')
    .addColumn('matched_page_no', 'integer')
    .addColumn('phash_distance', 'integer')
    .addColumn('note', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('stampings_application').on('stampings').columns(['application_id', 'stamped_at']).execute();
  await db.schema.createIndex('stampings_seal').on('stampings').columns(['seal_id', 'stamped_at']).execute();

  await db.schema.createTable('matters')
    .addColumn('town_code', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('sort_order', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('matters_pk', ['town_code', 'code'])
    .execute();

  await db.schema.createTable('certificate_templates')
    .addColumn('town_code', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('matter_code', 'text', (c) => c.notNull())
    .addColumn('fields', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('certificate_templates_pk', ['town_code', 'code'])
    .execute();

  await db.schema.createTable('certificates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('verify_code', 'text', (c) => c.notNull().unique())
    .addColumn('template_code', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('org_code', 'text', (c) => c.notNull())
    .addColumn('seal_id', 'text', (c) => c.notNull().references('seals.id'))
    .addColumn('application_id', 'text', (c) => c.notNull().unique().references('applications.id'))
    .addColumn('clerk_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('fields_enc', 'text', (c) => c.notNull())
    .addColumn('pdf_key', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('certificates_org').on('certificates').columns(['org_code', 'issued_at']).execute();
}
