import type { AuditAction, AuditEntry, AuditInput, AuditRepo } from '@cunzhang/core';
import { entryHash } from '@cunzhang/ledger';
import type { AuditLogTable } from '../schema.js';
import { like, within, type Ctx } from './common.js';

export const toAuditEntry = (r: AuditLogTable): AuditEntry => ({
  seq: r.seq, at: r.at, actorId: r.actor_id, action: r.action as AuditAction, targetType: r.target_type as AuditInput['targetType'],
  targetId: r.target_id, orgCode: r.org_code, ip: r.ip, before: JSON.parse(r.before_json), after: JSON.parse(r.after_json),
  prevHash: r.prev_hash, hash: r.hash,
});

/** Normalises a value the way it will read back from JSON, so the stored hash matches. */
const roundTrip = (v: unknown): unknown => (v === undefined ? null : JSON.parse(JSON.stringify(v)));

export function auditRepo({ db, dialect }: Ctx): AuditRepo {
  return {
    async append(input) {
      // Lock the head row: concurrent appenders (several server processes) queue here.
      let headQ = db.selectFrom('audit_head').selectAll().where('id', '=', 1);
      if (dialect === 'postgres') headQ = headQ.forUpdate();
      const head = await headQ.executeTakeFirstOrThrow();
      const base = {
        seq: head.seq + 1, at: input.at, actorId: input.actorId, action: input.action, targetType: input.targetType,
        targetId: input.targetId, orgCode: input.orgCode, ip: input.ip, before: roundTrip(input.before), after: roundTrip(input.after),
        prevHash: head.hash,
      };
      const hash = entryHash(base);
      await db.insertInto('audit_log').values({
        seq: base.seq, at: base.at, actor_id: base.actorId, action: base.action, target_type: base.targetType, target_id: base.targetId,
        org_code: base.orgCode, ip: base.ip, before_json: JSON.stringify(base.before), after_json: JSON.stringify(base.after),
        prev_hash: base.prevHash, hash,
      }).execute();
      await db.updateTable('audit_head').set({ seq: base.seq, hash }).where('id', '=', 1).execute();
      return { ...base, action: input.action, targetType: input.targetType, hash };
    },
    async list({ scopes, targetType, targetId, limit, before }) {
      let q = db.selectFrom('audit_log').selectAll();
      if (!scopes.includes('')) q = q.where((eb) => eb.or(scopes.map((s) => like('org_code', within(s)))));
      if (targetType) q = q.where('target_type', '=', targetType);
      if (targetId) q = q.where('target_id', '=', targetId);
      if (before) q = q.where('seq', '<', before);
      return (await q.orderBy('seq', 'desc').limit(limit).execute()).map(toAuditEntry);
    },
  };
}
