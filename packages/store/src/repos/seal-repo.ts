import { AppError, type HandoverSlip, type Seal, type SealRepo, type SealStatus, type SealType, type SealTypeRepo } from '@cunzhang/core';
import type { SealsTable } from '../schema.js';
import { bool, decodeCursor, encodeCursor, flag, like, likeAny, within, type Ctx } from './common.js';

const toSeal = (r: SealsTable): Seal => ({
  id: r.id, typeCode: r.type_code, orgCode: r.org_code, name: r.name, status: r.status as SealStatus,
  issuingAuthority: r.issuing_authority, filingNumber: r.filing_number, activatedAt: r.activated_at,
  keeperUserId: r.keeper_user_id, approverUserIds: JSON.parse(r.approver_user_ids) as string[],
  custodyOrgCode: r.custody_org_code, impressionBlob: r.impression_blob, deviceId: r.device_id,
  createdAt: r.created_at, updatedAt: r.updated_at, version: r.version,
});

function toRow(s: Partial<Seal>): Partial<SealsTable> {
  const cols: Record<string, keyof SealsTable> = {
    id: 'id', typeCode: 'type_code', orgCode: 'org_code', name: 'name', status: 'status', issuingAuthority: 'issuing_authority',
    filingNumber: 'filing_number', activatedAt: 'activated_at', keeperUserId: 'keeper_user_id', custodyOrgCode: 'custody_org_code',
    impressionBlob: 'impression_blob', deviceId: 'device_id', createdAt: 'created_at', updatedAt: 'updated_at', version: 'version',
  };
  const row: Record<string, unknown> = {};
  for (const [k, col] of Object.entries(cols)) {
    const v = s[k as keyof Seal];
    if (v !== undefined) row[col] = v;
  }
  if (s.approverUserIds) row.approver_user_ids = JSON.stringify(s.approverUserIds);
  return row as Partial<SealsTable>;
}

export function sealRepo({ db }: Ctx): SealRepo {
  const get = async (id: string): Promise<Seal | null> => {
    const r = await db.selectFrom('seals').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toSeal(r) : null;
  };
  return {
    get,
    async insert(s) {
      await db.insertInto('seals').values(toRow(s) as SealsTable).execute();
    },
    async update(id, expectedVersion, patch) {
      const res = await db.updateTable('seals').set({ ...toRow(patch), version: expectedVersion + 1 })
        .where('id', '=', id).where('version', '=', expectedVersion).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError('CONFLICT', `seal ${id} was changed meanwhile; reload and try again`);
      return (await get(id)) as Seal;
    },
    async list({ scopes, orgCode, status, typeCode, q, limit, cursor }) {
      let query = db.selectFrom('seals').selectAll();
      if (!scopes.includes('')) {
        query = query.where((eb) => eb.or(scopes.flatMap((s) => [like('org_code', within(s)), like('custody_org_code', within(s))])));
      }
      if (orgCode) query = query.where(like('org_code', within(orgCode)));
      if (status) query = query.where('status', '=', status);
      if (typeCode) query = query.where('type_code', '=', typeCode);
      if (q) query = query.where((eb) => eb.or([like('name', likeAny(q)), like('filing_number', likeAny(q))]));
      const after = decodeCursor(cursor, 2);
      if (after) {
        const [o, i] = after as [string, string];
        query = query.where((eb) => eb.or([eb('org_code', '>', o), eb.and([eb('org_code', '=', o), eb('id', '>', i)])]));
      }
      const rows = await query.orderBy('org_code').orderBy('id').limit(limit + 1).execute();
      const items = rows.slice(0, limit).map(toSeal);
      const last = items[items.length - 1];
      return { items, next: rows.length > limit && last ? encodeCursor([last.orgCode, last.id]) : null };
    },
    async countByOrg(orgCode) {
      const r = await db.selectFrom('seals').select((eb) => eb.fn.countAll<number>().as('n')).where('org_code', '=', orgCode).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async insertHandover(h) {
      await db.insertInto('seal_handovers').values({
        id: h.id, seal_id: h.sealId, giver_user_id: h.giverUserId, giver_name: h.giverName, receiver_user_id: h.receiverUserId,
        receiver_name: h.receiverName, witness_name: h.witnessName, handed_at: h.handedAt, note: h.note, impression_blob: h.impressionBlob,
      }).execute();
    },
    async handovers(sealId): Promise<HandoverSlip[]> {
      const rows = await db.selectFrom('seal_handovers').selectAll().where('seal_id', '=', sealId).orderBy('handed_at').execute();
      return rows.map((r) => ({
        id: r.id, sealId: r.seal_id, giverUserId: r.giver_user_id, giverName: r.giver_name, receiverUserId: r.receiver_user_id,
        receiverName: r.receiver_name, witnessName: r.witness_name, handedAt: r.handed_at, note: r.note, impressionBlob: r.impression_blob,
      }));
    },
    async orgsWithImpression(key) {
      const own = await db.selectFrom('seals').select('org_code').where('impression_blob', '=', key).execute();
      const slips = await db.selectFrom('seal_handovers').innerJoin('seals', 'seals.id', 'seal_handovers.seal_id')
        .select('seals.org_code').where('seal_handovers.impression_blob', '=', key).execute();
      return [...new Set([...own, ...slips].map((r) => r.org_code))];
    },
  };
}

export function sealTypeRepo({ db }: Ctx): SealTypeRepo {
  const toType = (r: { code: string; name_zh: string; name_en: string; custody: string; builtin: number }): SealType => ({
    code: r.code, nameZh: r.name_zh, nameEn: r.name_en, custody: r.custody as SealType['custody'], builtin: bool(r.builtin),
  });
  return {
    async list() {
      return (await db.selectFrom('seal_types').selectAll().orderBy('builtin', 'desc').orderBy('code').execute()).map(toType);
    },
    async get(code) {
      const r = await db.selectFrom('seal_types').selectAll().where('code', '=', code).executeTakeFirst();
      return r ? toType(r) : null;
    },
    async insert(t) {
      await db.insertInto('seal_types').values({ code: t.code, name_zh: t.nameZh, name_en: t.nameEn, custody: t.custody, builtin: flag(t.builtin) }).execute();
    },
  };
}
