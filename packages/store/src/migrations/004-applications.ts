import type { Kysely } from 'kysely';

/** Seal-use applications with their pages, the authorizations approvals create, and delegations. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('applications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seal_id', 'text', (c) => c.notNull().references('seals.id'))
    .addColumn('org_code', 'text', (c) => c.notNull())
    .addColumn('matter_code', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('document_title', 'text', (c) => c.notNull())
    .addColumn('copies', 'integer', (c) => c.notNull())
    .addColumn('impressions', 'integer', (c) => c.notNull())
    .addColumn('applicant_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('on_behalf_of_name', 'text')
    .addColumn('clerk_user_id', 'text')
    .addColumn('contract_words', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('resolution_blob', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_for_user_id', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('opinion', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('applications_org').on('applications').columns(['org_code', 'id']).execute();
  await db.schema.createIndex('applications_applicant').on('applications').columns(['applicant_user_id', 'id']).execute();
  await db.schema.createIndex('applications_status').on('applications').columns(['status', 'org_code', 'id']).execute();

  await db.schema.createTable('application_pages')
    .addColumn('application_id', 'text', (c) => c.notNull().references('applications.id'))
    .addColumn('page_no', 'integer', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('thumb_key', 'text', (c) => c.notNull())
    .addColumn('sm3', 'text', (c) => c.notNull())
    .addColumn('phash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('application_pages_pk', ['application_id', 'page_no'])
    .execute();

  await db.schema.createTable('authorizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('application_id', 'text', (c) => c.notNull().unique().references('applications.id'))
    .addColumn('seal_id', 'text', (c) => c.notNull().references('seals.id'))
    .addColumn('device_id', 'text')
    .addColumn('impressions_allowed', 'integer', (c) => c.notNull())
    .addColumn('impressions_used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('valid_from', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('pages', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('authorizations_seal').on('authorizations').columns(['seal_id', 'status']).execute();

  await db.schema.createTable('delegations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('approver_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('deputy_user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('org_code', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'text', (c) => c.notNull())
    .addColumn('valid_until', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('delegations_deputy').on('delegations').columns(['deputy_user_id', 'valid_until']).execute();
}
