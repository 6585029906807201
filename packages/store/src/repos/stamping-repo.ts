import type { Stamping, StampingRepo, StampingSource } from '@cunzhang/core';
import type { StampingsTable } from '../schema.js';
import type { Ctx } from './common.js';

const toStamping = (r: StampingsTable): Stamping => ({
  id: r.id, applicationId: r.application_id, authorizationId: r.authorization_id, sealId: r.seal_id, orgCode: r.org_code,
  source: r.source as StampingSource, impressions: r.impressions, stampedAt: r.stamped_at, operatorUserId: r.operator_user_id,
  deviceId: r.device_id, latitude: r.latitude, longitude: r.longitude, photoKey: r.photo_key, thumbKey: r.thumb_key, sm3: r.sm3,
  phash: r.phash, matchedPageNo: r.matched_page_no, phashDistance: r.phash_distance, note: r.note, createdAt: r.created_at,
  deviceSeq: r.device_seq === null ? null : Number(r.device_seq), receivedAt: r.received_at, beforeKey: r.before_key, flags: JSON.parse(r.flags) as string[],
});

/** Impressions made under authorizations: recorded by a keeper by hand, or by a device. */
export function stampingRepo({ db }: Ctx): StampingRepo {
  return {
    async insert(s) {
      await db.insertInto('stampings').values({
        id: s.id, application_id: s.applicationId, authorization_id: s.authorizationId, seal_id: s.sealId, org_code: s.orgCode,
        source: s.source, impressions: s.impressions, stamped_at: s.stampedAt, operator_user_id: s.operatorUserId, device_id: s.deviceId,
        latitude: s.latitude, longitude: s.longitude, photo_key: s.photoKey, thumb_key: s.thumbKey, sm3: s.sm3, phash: s.phash,
        matched_page_no: s.matchedPageNo, phash_distance: s.phashDistance, note: s.note, created_at: s.createdAt,
        device_seq: s.deviceSeq, received_at: s.receivedAt, before_key: s.beforeKey, flags: JSON.stringify(s.flags),
      }).execute();
    },
    async forApplication(applicationId) {
      const rows = await db.selectFrom('stampings').selectAll().where('application_id', '=', applicationId).orderBy('stamped_at').orderBy('id').execute();
      return rows.map(toStamping);
    },
    async forApplications(applicationIds) {
      const out = new Map<string, Stamping[]>();
      // In slices, so the parameter list stays well within both databases' limits.
      for (let i = 0; i < applicationIds.length; i += 500) {
        const ids = applicationIds.slice(i, i + 500);
        const rows = await db.selectFrom('stampings').selectAll().where('application_id', 'in', ids).orderBy('stamped_at').orderBy('id').execute();
        for (const r of rows) out.set(r.application_id, [...(out.get(r.application_id) ?? []), toStamping(r)]);
      }
      return out;
    },
  };
}
