import {
  AppError, searchTerms, type Application, type ApplicationPage, type ApplicationRepo, type ApplicationStatus, type Authorization, type AuthorizationStatus, type Delegation,
  type Route,
} from '@cunzhang/core';
import { sql } from 'kysely';
import type { ApplicationsTable, AuthorizationsTable, DelegationsTable } from '../schema.js';
import { decodeCursor, encodeCursor, like, within, type Ctx } from './common.js';

export const toApplication = (r: ApplicationsTable, pages: ApplicationPage[]): Application => ({
  id: r.id, sealId: r.seal_id, orgCode: r.org_code, matterCode: r.matter_code, route: r.route as Route, reason: r.reason,
  documentTitle: r.document_title, copies: r.copies, impressions: r.impressions, applicantUserId: r.applicant_user_id,
  onBehalfOfName: r.on_behalf_of_name, clerkUserId: r.clerk_user_id, contractWords: JSON.parse(r.contract_words) as string[],
  resolutionBlob: r.resolution_blob, status: r.status as ApplicationStatus, decidedBy: r.decided_by, decidedForUserId: r.decided_for_user_id,
  decidedAt: r.decided_at, opinion: r.opinion, pages, remindedAt: r.reminded_at, createdAt: r.created_at, updatedAt: r.updated_at, version: r.version,
});

const COLUMNS: Record<string, keyof ApplicationsTable> = {
  sealId: 'seal_id', orgCode: 'org_code', matterCode: 'matter_code', route: 'route', reason: 'reason', documentTitle: 'document_title',
  copies: 'copies', impressions: 'impressions', applicantUserId: 'applicant_user_id', onBehalfOfName: 'on_behalf_of_name',
  clerkUserId: 'clerk_user_id', resolutionBlob: 'resolution_blob', status: 'status', decidedBy: 'decided_by',
  decidedForUserId: 'decided_for_user_id', decidedAt: 'decided_at', opinion: 'opinion', remindedAt: 'reminded_at', createdAt: 'created_at', updatedAt: 'updated_at',
};

function toRow(a: Partial<Application>): Partial<ApplicationsTable> {
  const row: Record<string, unknown> = {};
  for (const [k, col] of Object.entries(COLUMNS)) {
    const v = a[k as keyof Application];
    if (v !== undefined) row[col] = v;
  }
  if (a.contractWords) row.contract_words = JSON.stringify(a.contractWords);
  return row as Partial<ApplicationsTable>;
}

const toAuthorization = (r: AuthorizationsTable): Authorization => ({
  id: r.id, applicationId: r.application_id, sealId: r.seal_id, deviceId: r.device_id, impressionsAllowed: r.impressions_allowed,
  impressionsUsed: r.impressions_used, validFrom: r.valid_from, validUntil: r.valid_until, status: r.status as AuthorizationStatus,
  revokedAt: r.revoked_at, pages: JSON.parse(r.pages) as Authorization['pages'], createdAt: r.created_at, version: r.version,
});

const toDelegation = (r: DelegationsTable): Delegation => ({
  id: r.id, approverUserId: r.approver_user_id, deputyUserId: r.deputy_user_id, orgCode: r.org_code, validFrom: r.valid_from,
  validUntil: r.valid_until, createdAt: r.created_at,
});

/** Fields whose text the ledger's free-text search covers (see migration 006). */
const SEARCHED: (keyof Application)[] = ['reason', 'documentTitle', 'onBehalfOfName', 'opinion', 'applicantUserId'];

export function applicationRepo({ db, dialect }: Ctx): ApplicationRepo {
  const termsOf = async (a: Application): Promise<string> => {
    const applicant = await db.selectFrom('users').select('name').where('id', '=', a.applicantUserId).executeTakeFirst();
    return searchTerms(a.reason, a.documentTitle, a.onBehalfOfName, applicant?.name, a.opinion);
  };
  const pagesOf = async (ids: string[]): Promise<Map<string, ApplicationPage[]>> => {
    const out = new Map<string, ApplicationPage[]>();
    if (ids.length === 0) return out;
    const rows = await db.selectFrom('application_pages').selectAll().where('application_id', 'in', ids).orderBy('application_id').orderBy('page_no').execute();
    for (const r of rows) {
      out.set(r.application_id, [...(out.get(r.application_id) ?? []), { pageNo: r.page_no, blobKey: r.blob_key, thumbKey: r.thumb_key, sm3: r.sm3, phash: r.phash }]);
    }
    return out;
  };
  const get = async (id: string): Promise<Application | null> => {
    const r = await db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toApplication(r, (await pagesOf([id])).get(id) ?? []) : null;
  };
  return {
    get,
    async insert(a) {
      // 流水号: SQLite writes are serialised (BEGIN IMMEDIATE), so max + 1 is safe there; PostgreSQL uses a sequence.
      const serial = dialect === 'postgres'
        ? sql<number>`nextval('application_serial')`
        : sql<number>`(select coalesce(max(serial_no), 0) + 1 from applications)`;
      await db.insertInto('applications').values({
        ...(toRow(a) as ApplicationsTable), id: a.id, version: a.version, serial_no: serial, search_terms: await termsOf(a),
      }).execute();
      if (a.pages.length) {
        await db.insertInto('application_pages').values(a.pages.map((p) => ({
          application_id: a.id, page_no: p.pageNo, blob_key: p.blobKey, thumb_key: p.thumbKey, sm3: p.sm3, phash: p.phash,
        }))).execute();
      }
    },
    async update(id, expectedVersion, patch) {
      const res = await db.updateTable('applications').set({ ...toRow(patch), version: expectedVersion + 1 })
        .where('id', '=', id).where('version', '=', expectedVersion).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError('CONFLICT', `application ${id} was changed meanwhile; reload and try again`);
      const updated = (await get(id)) as Application;
      if (SEARCHED.some((k) => patch[k as keyof typeof patch] !== undefined)) {
        await db.updateTable('applications').set({ search_terms: await termsOf(updated) }).where('id', '=', id).execute();
      }
      return updated;
    },
    async list({ scopes, mineUserId, status, sealIds, limit, cursor }) {
      let q = db.selectFrom('applications').selectAll();
      if (!scopes.includes('')) q = q.where((eb) => eb.or(scopes.map((s) => like('org_code', within(s)))));
      if (mineUserId) q = q.where((eb) => eb.or([eb('applicant_user_id', '=', mineUserId), eb('clerk_user_id', '=', mineUserId)]));
      if (status) q = q.where('status', '=', status);
      if (sealIds) q = sealIds.length ? q.where('seal_id', 'in', sealIds) : q.where('id', '=', '');
      const after = decodeCursor(cursor, 1);
      if (after) q = q.where('id', '<', after[0]!);
      const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
      const page = rows.slice(0, limit);
      const pages = await pagesOf(page.map((r) => r.id));
      const items = page.map((r) => toApplication(r, pages.get(r.id) ?? []));
      const last = items[items.length - 1];
      return { items, next: rows.length > limit && last ? encodeCursor([last.id]) : null };
    },
    async insertAuthorization(a) {
      await db.insertInto('authorizations').values({
        id: a.id, application_id: a.applicationId, seal_id: a.sealId, device_id: a.deviceId, impressions_allowed: a.impressionsAllowed,
        impressions_used: a.impressionsUsed, valid_from: a.validFrom, valid_until: a.validUntil, status: a.status, revoked_at: a.revokedAt,
        pages: JSON.stringify(a.pages), created_at: a.createdAt, version: a.version,
      }).execute();
    },
    async authorizationOf(applicationId) {
      const r = await db.selectFrom('authorizations').selectAll().where('application_id', '=', applicationId).executeTakeFirst();
      return r ? toAuthorization(r) : null;
    },
    async authorization(id) {
      const r = await db.selectFrom('authorizations').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toAuthorization(r) : null;
    },
    async updateAuthorization(id, expectedVersion, patch) {
      const row: Partial<AuthorizationsTable> = {};
      if (patch.status) row.status = patch.status;
      if (patch.revokedAt !== undefined) row.revoked_at = patch.revokedAt;
      if (patch.impressionsUsed !== undefined) row.impressions_used = patch.impressionsUsed;
      const res = await db.updateTable('authorizations').set({ ...row, version: expectedVersion + 1 })
        .where('id', '=', id).where('version', '=', expectedVersion).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new AppError('CONFLICT', `authorization ${id} was changed meanwhile; reload and try again`);
      return toAuthorization(await db.selectFrom('authorizations').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    },
    async pendingFiledBefore(before, { remindedBefore, limit }) {
      let q = db.selectFrom('applications').selectAll().where('status', '=', 'pending').where('created_at', '<', before);
      if (remindedBefore !== undefined) q = q.where((eb) => eb.or([eb('reminded_at', 'is', null), eb('reminded_at', '<', remindedBefore)]));
      const rows = await q.orderBy('created_at').limit(limit).execute();
      const pages = await pagesOf(rows.map((r) => r.id));
      return rows.map((r) => toApplication(r, pages.get(r.id) ?? []));
    },
    async markReminded(id, at) {
      await db.updateTable('applications').set({ reminded_at: at }).where('id', '=', id).execute();
    },
    async insertDelegation(d) {
      await db.insertInto('delegations').values({
        id: d.id, approver_user_id: d.approverUserId, deputy_user_id: d.deputyUserId, org_code: d.orgCode, valid_from: d.validFrom,
        valid_until: d.validUntil, created_at: d.createdAt,
      }).execute();
    },
    async deputyFor(deputyUserId, at) {
      const rows = await db.selectFrom('delegations').selectAll().where('deputy_user_id', '=', deputyUserId)
        .where('valid_from', '<=', at).where('valid_until', '>', at).execute();
      return rows.map(toDelegation);
    },
    async getDelegation(id) {
      const r = await db.selectFrom('delegations').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toDelegation(r) : null;
    },
    async endDelegation(id, at) {
      await db.updateTable('delegations').set({ valid_until: at }).where('id', '=', id).execute();
      return toDelegation(await db.selectFrom('delegations').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    },
    async delegationsInvolving(userId, at) {
      const rows = await db.selectFrom('delegations').selectAll()
        .where((eb) => eb.or([eb('approver_user_id', '=', userId), eb('deputy_user_id', '=', userId)]))
        .where('valid_until', '>', at).orderBy('valid_from').execute();
      return rows.map(toDelegation);
    },
    async delegationsFor(approverUserIds, at) {
      if (approverUserIds.length === 0) return [];
      const rows = await db.selectFrom('delegations').selectAll().where('approver_user_id', 'in', [...approverUserIds])
        .where('valid_from', '<=', at).where('valid_until', '>', at).execute();
      return rows.map(toDelegation);
    },
  };
}
