import { AppError, type Alarm, type AlarmRepo, type AlarmRuleSetting } from '@cunzhang/core';
import { sql, type SqlBool } from 'kysely';
import type { AlarmsTable } from '../schema.js';
import { bool, decodeCursor, encodeCursor, flag, like, within, type Ctx } from './common.js';

const toAlarm = (r: AlarmsTable): Alarm => ({
  id: r.id, orgCode: r.org_code, deviceId: r.device_id, sealId: r.seal_id, rule: r.rule as Alarm['rule'], severity: r.severity as Alarm['severity'],
  status: r.status as Alarm['status'], evidence: JSON.parse(r.evidence) as Record<string, unknown>, eventSeq: r.event_seq === null ? null : Number(r.event_seq),
  dedupeKey: r.dedupe_key, autoLocked: bool(r.auto_locked), createdAt: r.created_at, acknowledgedBy: r.acknowledged_by, acknowledgedAt: r.acknowledged_at,
  resolvedBy: r.resolved_by, resolvedAt: r.resolved_at, note: r.note, version: r.version,
});

/** Alarms with their evidence, each town's rule settings, and the impression rates the burst rule compares. */
export function alarmRepo({ db }: Ctx): AlarmRepo {
  const get = async (id: string) => {
    const r = await db.selectFrom('alarms').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toAlarm(r) : null;
  };
  const openByKey = async (key: string) => {
    const r = await db.selectFrom('alarms').selectAll().where('dedupe_key', '=', key).where('status', '<>', 'resolved').executeTakeFirst();
    return r ? toAlarm(r) : null;
  };
  return {
    get,
    async raise(a) {
      if (a.dedupeKey) {
        const open = await openByKey(a.dedupeKey);
        if (open) return { alarm: open, created: false };
      }
      // The partial unique index on open dedupe keys settles a race between two processes.
      const res = await db.insertInto('alarms').values({
        id: a.id, org_code: a.orgCode, device_id: a.deviceId, seal_id: a.sealId, rule: a.rule, severity: a.severity, status: a.status,
        evidence: JSON.stringify(a.evidence), event_seq: a.eventSeq, dedupe_key: a.dedupeKey, auto_locked: flag(a.autoLocked), created_at: a.createdAt,
        acknowledged_by: a.acknowledgedBy, acknowledged_at: a.acknowledgedAt, resolved_by: a.resolvedBy, resolved_at: a.resolvedAt, note: a.note, version: a.version,
      }).onConflict((oc) => oc.column('dedupe_key').where(sql<boolean>`status <> 'resolved'`).where(sql<boolean>`dedupe_key is not null`).doNothing()).executeTakeFirst();
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 1) return { alarm: a, created: true };
      const open = a.dedupeKey ? await openByKey(a.dedupeKey) : null;
      if (!open) throw new AppError('CONFLICT', `alarm ${a.rule} could not be stored; try again`);
      return { alarm: open, created: false };
    },
    async update(id, expectedVersion, p) {
      const row: Partial<AlarmsTable> = { version: expectedVersion + 1 };
      if (p.status !== undefined) row.status = p.status;
      if (p.acknowledgedBy !== undefined) row.acknowledged_by = p.acknowledgedBy;
      if (p.acknowledgedAt !== undefined) row.acknowledged_at = p.acknowledgedAt;
      if (p.resolvedBy !== undefined) row.resolved_by = p.resolvedBy;
      if (p.resolvedAt !== undefined) row.resolved_at = p.resolvedAt;
      if (p.note !== undefined) row.note = p.note;
      if (p.autoLocked !== undefined) row.auto_locked = flag(p.autoLocked);
      const res = await db.updateTable('alarms').set(row).where('id', '=', id).where('version', '=', expectedVersion).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError('CONFLICT', `alarm ${id} was changed meanwhile; reload and try again`);
      return (await get(id)) as Alarm;
    },
    async list({ scopes, orgCode, deviceId, status, rule, severity, limit, cursor }) {
      let q = db.selectFrom('alarms').selectAll();
      if (!scopes.includes('')) q = q.where((eb) => eb.or(scopes.map((s) => like('org_code', within(s)))));
      if (orgCode) q = q.where(like('org_code', within(orgCode)));
      if (deviceId) q = q.where('device_id', '=', deviceId);
      if (status) q = q.where('status', '=', status);
      if (rule) q = q.where('rule', '=', rule);
      if (severity) q = q.where('severity', '=', severity);
      const after = decodeCursor(cursor, 1);
      if (after) q = q.where('id', '<', after[0]!);
      const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
      const items = rows.slice(0, limit).map(toAlarm);
      const last = items[items.length - 1];
      return { items, next: rows.length > limit && last ? encodeCursor([last.id]) : null };
    },
    async rulesForTown(townCode) {
      const rows = await db.selectFrom('alarm_rules').selectAll().where('town_code', '=', townCode).orderBy('rule').execute();
      return rows.map((r): AlarmRuleSetting => ({ rule: r.rule as AlarmRuleSetting['rule'], enabled: bool(r.enabled), severity: r.severity as AlarmRuleSetting['severity'], autoLock: bool(r.auto_lock), threshold: r.threshold }));
    },
    async upsertRule(townCode, s, at) {
      const row = { enabled: flag(s.enabled), severity: s.severity, auto_lock: flag(s.autoLock), threshold: s.threshold, updated_at: at };
      await db.insertInto('alarm_rules').values({ town_code: townCode, rule: s.rule, ...row })
        .onConflict((oc) => oc.columns(['town_code', 'rule']).doUpdateSet(row)).execute();
    },
    async impressionsIn(orgCode, from, to) {
      // A village (12 digits, the burst rule's case on every impression) by equality: LIKE does not
      // use the (org_code, stamped_at) index on SQLite, and the scan grew with the ledger.
      const unit = /^\d{12}$/.test(orgCode) ? sql<SqlBool>`org_code = ${orgCode}` : like('org_code', within(orgCode));
      const r = await db.selectFrom('stampings').select((eb) => eb.fn.sum<number>('impressions').as('n'))
        .where(unit).where('stamped_at', '>=', from).where('stamped_at', '<', to).executeTakeFirst();
      return Number(r?.n ?? 0);
    },
  };
}
