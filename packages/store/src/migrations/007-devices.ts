import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Smart-seal devices (docs/device-protocol.md): the registry, every stored device event
 * (unique per device and sequence number: the idempotency key), the command outbox, alarms
 * and each town's alarm rules, the two-person unlock and maintenance requests, and the
 * device facts of an impression on the stamping row.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.createTable('devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_code', 'text', (c) => c.notNull())
    .addColumn('seal_id', 'text', (c) => c.references('seals.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('credential_hash', 'text', (c) => c.notNull())
    .addColumn('hb_key_enc', 'text', (c) => c.notNull())
    .addColumn('fence_lat_e6', 'integer')
    .addColumn('fence_lng_e6', 'integer')
    .addColumn('fence_radius_m', 'integer')
    .addColumn('hours_from', 'text')
    .addColumn('hours_to', 'text')
    .addColumn('replaces', 'text')
    .addColumn('replaced_by', 'text')
    .addColumn('virtual', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lock_wanted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lock_reason', 'text')
    .addColumn('lock_command_id', 'text')
    .addColumn('model', 'text')
    .addColumn('firmware', 'text')
    .addColumn('hardware', 'text')
    .addColumn('hb_seconds', 'integer')
    .addColumn('state', 'text')
    .addColumn('online', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('connected_at', 'text')
    .addColumn('last_seen_at', 'text')
    .addColumn('seq_high', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('seq_gaps', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('battery', 'integer')
    .addColumn('ink', 'integer')
    .addColumn('lat_e6', 'integer')
    .addColumn('lng_e6', 'integer')
    .addColumn('clock_skew_ms', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('devices_org').on('devices').columns(['org_code', 'id']).execute();
  await db.schema.createIndex('devices_seal').on('devices').column('seal_id').execute();
  await db.schema.createIndex('devices_online').on('devices').columns(['online', 'last_seen_at']).execute();

  await db.schema.createTable('device_events')
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('device_time', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('sig', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('device_events_pk', ['device_id', 'seq'])
    .execute();
  await db.schema.createIndex('device_events_received').on('device_events').columns(['device_id', 'received_at']).execute();

  await db.schema.createTable('device_commands')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('acked_at', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('device_commands_due').on('device_commands').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('device_commands_device').on('device_commands').columns(['device_id', 'created_at']).execute();

  await db.schema.createTable('alarms')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_code', 'text', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addColumn('seal_id', 'text')
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('event_seq', 'bigint')
    .addColumn('dedupe_key', 'text')
    .addColumn('auto_locked', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_by', 'text')
    .addColumn('acknowledged_at', 'text')
    .addColumn('resolved_by', 'text')
    .addColumn('resolved_at', 'text')
    .addColumn('note', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alarms_org').on('alarms').columns(['org_code', 'created_at']).execute();
  await db.schema.createIndex('alarms_status').on('alarms').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('alarms_device').on('alarms').columns(['device_id', 'created_at']).execute();
  // One open alarm per condition (e.g. "device X offline"): repeats update nothing.
  await sql`create unique index alarms_open_key on alarms (dedupe_key) where status <> 'resolved' and dedupe_key is not null`.execute(db);

  await db.schema.createTable('alarm_rules')
    .addColumn('town_code', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('auto_lock', 'integer', (c) => c.notNull())
    .addColumn('threshold', 'integer')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('alarm_rules_pk', ['town_code', 'rule'])
    .execute();

  await db.schema.createTable('device_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
    .addColumn('org_code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('maintenance_kind', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('opinion', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('device_requests_device').on('device_requests').columns(['device_id', 'requested_at']).execute();
  await db.schema.createIndex('device_requests_status').on('device_requests').columns(['status', 'org_code']).execute();

  // Photos announced by signed impression events, uploaded later over HTTP (device-protocol §11).
  await db.schema.createTable('device_photos')
    .addColumn('sm3', 'text', (c) => c.primaryKey())
    .addColumn('device_id', 'text', (c) => c.notNull())
    .addColumn('announced_at', 'text', (c) => c.notNull())
    .addColumn('stored_at', 'text')
    .addColumn('thumb_key', 'text')
    .execute();

  // Device facts of an impression: its sequence number, when it arrived, the photo before.
  await db.schema.alterTable('stampings').addColumn('device_seq', 'bigint').execute();
  await db.schema.alterTable('stampings').addColumn('received_at', 'text').execute();
  await db.schema.alterTable('stampings').addColumn('before_key', 'text').execute();
  await db.schema.alterTable('stampings').addColumn('flags', 'text', (c) => c.notNull().defaultTo('[]')).execute();
  await db.schema.createIndex('stampings_device').on('stampings').columns(['device_id', 'device_seq']).unique().execute();
  await db.schema.createIndex('stampings_photo').on('stampings').column('photo_key').execute();
  await db.schema.createIndex('stampings_before').on('stampings').column('before_key').execute();
  await db.schema.createIndex('stampings_org_time').on('stampings').columns(['org_code', 'stamped_at']).execute();
}
