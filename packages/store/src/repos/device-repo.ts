import { AppError, type Device, type DeviceCommand, type DeviceRepo, type DeviceRequest, type DeviceTelemetry, type StoredDeviceEvent } from '@cunzhang/core';
import type { Insertable } from 'kysely';
import type { DeviceCommandsTable, DeviceRequestsTable, DevicesTable } from '../schema.js';
import { bool, decodeCursor, encodeCursor, flag, like, within, type Ctx } from './common.js';

const toDevice = (r: DevicesTable): Device => ({
  id: r.id, orgCode: r.org_code, sealId: r.seal_id, status: r.status as Device['status'], label: r.label, publicKey: r.public_key,
  credentialHash: r.credential_hash, hbKeyEnc: r.hb_key_enc,
  geofence: r.fence_lat_e6 !== null && r.fence_lng_e6 !== null && r.fence_radius_m !== null ? { latE6: r.fence_lat_e6, lngE6: r.fence_lng_e6, radiusM: r.fence_radius_m } : null,
  hours: r.hours_from && r.hours_to ? { from: r.hours_from, to: r.hours_to } : null,
  replaces: r.replaces, replacedBy: r.replaced_by, virtual: bool(r.virtual), lockWanted: bool(r.lock_wanted), lockReason: r.lock_reason,
  lockCommandId: r.lock_command_id, model: r.model, firmware: r.firmware, hardware: r.hardware, hbSeconds: r.hb_seconds,
  state: r.state as Device['state'], online: bool(r.online), connectedAt: r.connected_at, lastSeenAt: r.last_seen_at, seqHigh: Number(r.seq_high),
  seqGaps: JSON.parse(r.seq_gaps) as Device['seqGaps'], battery: r.battery, ink: r.ink, latE6: r.lat_e6, lngE6: r.lng_e6, clockSkewMs: r.clock_skew_ms,
  createdAt: r.created_at, updatedAt: r.updated_at, version: r.version,
});

/** Field → column for the parts of a device a patch may touch. */
function toRow(p: Partial<Device>): Partial<DevicesTable> {
  const r: Partial<DevicesTable> = {};
  const set = <K extends keyof DevicesTable>(k: K, v: DevicesTable[K] | undefined) => { if (v !== undefined) r[k] = v; };
  set('org_code', p.orgCode); set('seal_id', p.sealId); set('status', p.status); set('label', p.label); set('public_key', p.publicKey);
  set('credential_hash', p.credentialHash); set('hb_key_enc', p.hbKeyEnc);
  if (p.geofence !== undefined) {
    r.fence_lat_e6 = p.geofence?.latE6 ?? null; r.fence_lng_e6 = p.geofence?.lngE6 ?? null; r.fence_radius_m = p.geofence?.radiusM ?? null;
  }
  if (p.hours !== undefined) { r.hours_from = p.hours?.from ?? null; r.hours_to = p.hours?.to ?? null; }
  set('replaces', p.replaces); set('replaced_by', p.replacedBy); set('virtual', p.virtual === undefined ? undefined : flag(p.virtual));
  set('lock_wanted', p.lockWanted === undefined ? undefined : flag(p.lockWanted)); set('lock_reason', p.lockReason); set('lock_command_id', p.lockCommandId);
  set('model', p.model); set('firmware', p.firmware); set('hardware', p.hardware); set('hb_seconds', p.hbSeconds); set('state', p.state);
  set('online', p.online === undefined ? undefined : flag(p.online)); set('connected_at', p.connectedAt); set('last_seen_at', p.lastSeenAt);
  set('seq_high', p.seqHigh); set('seq_gaps', p.seqGaps === undefined ? undefined : JSON.stringify(p.seqGaps)); set('battery', p.battery);
  set('ink', p.ink); set('lat_e6', p.latE6); set('lng_e6', p.lngE6); set('clock_skew_ms', p.clockSkewMs); set('updated_at', p.updatedAt);
  return r;
}

const toEvent = (r: { device_id: string; seq: number; type: string; device_time: string; received_at: string; body: string; sig: string }): StoredDeviceEvent => ({
  deviceId: r.device_id, seq: Number(r.seq), type: r.type, deviceTime: r.device_time, receivedAt: r.received_at, body: JSON.parse(r.body) as unknown, sig: r.sig,
});

const toCommand = (r: DeviceCommandsTable): DeviceCommand => ({
  id: r.id, deviceId: r.device_id, type: r.type, message: r.message, status: r.status as DeviceCommand['status'], attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at, expiresAt: r.expires_at, createdBy: r.created_by, createdAt: r.created_at, ackedAt: r.acked_at, error: r.error,
});

const toRequest = (r: DeviceRequestsTable): DeviceRequest => ({
  id: r.id, deviceId: r.device_id, orgCode: r.org_code, kind: r.kind as DeviceRequest['kind'], maintenanceKind: r.maintenance_kind as DeviceRequest['maintenanceKind'],
  reason: r.reason, status: r.status as DeviceRequest['status'], requestedBy: r.requested_by, requestedAt: r.requested_at, decidedBy: r.decided_by,
  decidedAt: r.decided_at, opinion: r.opinion, version: r.version,
});

/** The device registry, its stored events, its command outbox and its unlock/maintenance requests. */
export function deviceRepo({ db, dialect }: Ctx): DeviceRepo {
  const get = async (id: string) => {
    const r = await db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toDevice(r) : null;
  };
  return {
    get,
    async getForUpdate(id) {
      // SQLite serialises writers with BEGIN IMMEDIATE already.
      if (dialect !== 'postgres') return get(id);
      const r = await db.selectFrom('devices').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      return r ? toDevice(r) : null;
    },
    async insert(d) {
      const row = { ...toRow(d), id: d.id, created_at: d.createdAt, updated_at: d.updatedAt, version: d.version } as Insertable<DevicesTable>;
      await db.insertInto('devices').values(row).execute();
    },
    async update(id, expectedVersion, patch) {
      const res = await db.updateTable('devices').set({ ...toRow(patch), version: expectedVersion + 1 })
        .where('id', '=', id).where('version', '=', expectedVersion).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError('CONFLICT', `device ${id} was changed meanwhile; reload and try again`);
      return (await get(id)) as Device;
    },
    async touch(id, patch: DeviceTelemetry) {
      const row = toRow(patch);
      if (Object.keys(row).length) await db.updateTable('devices').set(row).where('id', '=', id).execute();
    },
    async list({ scopes, orgCode, status, online, limit, cursor }) {
      let q = db.selectFrom('devices').selectAll();
      if (!scopes.includes('')) q = q.where((eb) => eb.or(scopes.map((s) => like('org_code', within(s)))));
      if (orgCode) q = q.where(like('org_code', within(orgCode)));
      if (status) q = q.where('status', '=', status);
      if (online !== undefined) q = q.where('online', '=', flag(online));
      const after = decodeCursor(cursor, 1);
      if (after) q = q.where('id', '>', after[0]!);
      const rows = await q.orderBy('id').limit(limit + 1).execute();
      const items = rows.slice(0, limit).map(toDevice);
      const last = items[items.length - 1];
      return { items, next: rows.length > limit && last ? encodeCursor([last.id]) : null };
    },
    async bySeal(sealId) {
      const r = await db.selectFrom('devices').selectAll().where('seal_id', '=', sealId).where('status', '<>', 'retired').orderBy('id', 'desc').executeTakeFirst();
      return r ? toDevice(r) : null;
    },
    async silentSince(before, limit) {
      const rows = await db.selectFrom('devices').selectAll().where('online', '=', 1).where('last_seen_at', '<', before).orderBy('last_seen_at').limit(limit).execute();
      return rows.map(toDevice);
    },
    async withGaps(limit) {
      const rows = await db.selectFrom('devices').selectAll().where('seq_gaps', '<>', '[]').orderBy('id').limit(limit).execute();
      return rows.map(toDevice);
    },
    async insertEvent(e) {
      const res = await db.insertInto('device_events').values({
        device_id: e.deviceId, seq: e.seq, type: e.type, device_time: e.deviceTime, received_at: e.receivedAt, body: JSON.stringify(e.body), sig: e.sig,
      }).onConflict((oc) => oc.columns(['device_id', 'seq']).doNothing()).executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    async events(deviceId, { limit, beforeSeq }) {
      let q = db.selectFrom('device_events').selectAll().where('device_id', '=', deviceId);
      if (beforeSeq !== undefined) q = q.where('seq', '<', beforeSeq);
      return (await q.orderBy('seq', 'desc').limit(limit).execute()).map(toEvent);
    },
    async countEvents(deviceId) {
      const r = await db.selectFrom('device_events').select((eb) => eb.fn.countAll<number>().as('n')).where('device_id', '=', deviceId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async insertCommand(c) {
      await db.insertInto('device_commands').values({
        id: c.id, device_id: c.deviceId, type: c.type, message: c.message, status: c.status, attempts: c.attempts, next_attempt_at: c.nextAttemptAt,
        expires_at: c.expiresAt, created_by: c.createdBy, created_at: c.createdAt, acked_at: c.ackedAt, error: c.error,
      }).execute();
    },
    async getCommand(id) {
      const r = await db.selectFrom('device_commands').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toCommand(r) : null;
    },
    async updateCommand(id, p) {
      const row: Partial<DeviceCommandsTable> = {};
      if (p.status !== undefined) row.status = p.status;
      if (p.attempts !== undefined) row.attempts = p.attempts;
      if (p.nextAttemptAt !== undefined) row.next_attempt_at = p.nextAttemptAt;
      if (p.ackedAt !== undefined) row.acked_at = p.ackedAt;
      if (p.error !== undefined) row.error = p.error;
      await db.updateTable('device_commands').set(row).where('id', '=', id).execute();
    },
    async dueCommands(now, limit) {
      const rows = await db.selectFrom('device_commands').selectAll().where('status', '=', 'pending').where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at').limit(limit).execute();
      return rows.map(toCommand);
    },
    async commands(deviceId, limit) {
      return (await db.selectFrom('device_commands').selectAll().where('device_id', '=', deviceId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(toCommand);
    },
    async insertRequest(r) {
      await db.insertInto('device_requests').values({
        id: r.id, device_id: r.deviceId, org_code: r.orgCode, kind: r.kind, maintenance_kind: r.maintenanceKind, reason: r.reason, status: r.status,
        requested_by: r.requestedBy, requested_at: r.requestedAt, decided_by: r.decidedBy, decided_at: r.decidedAt, opinion: r.opinion, version: r.version,
      }).execute();
    },
    async getRequest(id) {
      const r = await db.selectFrom('device_requests').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toRequest(r) : null;
    },
    async updateRequest(id, expectedVersion, p) {
      const row: Partial<DeviceRequestsTable> = { version: expectedVersion + 1 };
      if (p.status !== undefined) row.status = p.status;
      if (p.decidedBy !== undefined) row.decided_by = p.decidedBy;
      if (p.decidedAt !== undefined) row.decided_at = p.decidedAt;
      if (p.opinion !== undefined) row.opinion = p.opinion;
      const res = await db.updateTable('device_requests').set(row).where('id', '=', id).where('version', '=', expectedVersion).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError('CONFLICT', `request ${id} was decided meanwhile; reload`);
      return toRequest((await db.selectFrom('device_requests').selectAll().where('id', '=', id).executeTakeFirstOrThrow()));
    },
    async announcePhotos(deviceId, sm3s, at) {
      const rows = [...new Set(sm3s)].map((sm3) => ({ sm3, device_id: deviceId, announced_at: at, stored_at: null, thumb_key: null }));
      if (rows.length) await db.insertInto('device_photos').values(rows).onConflict((oc) => oc.column('sm3').doNothing()).execute();
    },
    async photo(sm3) {
      const r = await db.selectFrom('device_photos').selectAll().where('sm3', '=', sm3).executeTakeFirst();
      return r ? { sm3: r.sm3, deviceId: r.device_id, announcedAt: r.announced_at, storedAt: r.stored_at, thumbKey: r.thumb_key } : null;
    },
    async photoStored(sm3, thumbKey, at) {
      await db.updateTable('device_photos').set({ stored_at: at, thumb_key: thumbKey }).where('sm3', '=', sm3).execute();
      await db.updateTable('stampings').set({ thumb_key: thumbKey }).where('photo_key', '=', sm3).where('thumb_key', 'is', null).execute();
      const rows = await db.selectFrom('stampings').select('application_id').where((eb) => eb.or([eb('photo_key', '=', sm3), eb('before_key', '=', sm3)])).execute();
      return [...new Set(rows.map((r) => r.application_id))];
    },
    async requests({ scopes, deviceId, status, limit }) {
      let q = db.selectFrom('device_requests').selectAll();
      if (!scopes.includes('')) q = q.where((eb) => eb.or(scopes.map((s) => like('org_code', within(s)))));
      if (deviceId) q = q.where('device_id', '=', deviceId);
      if (status) q = q.where('status', '=', status);
      return (await q.orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(toRequest);
    },
  };
}
