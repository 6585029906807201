import type { Grant, GrantRepo, Role, Session, SessionRepo, User, UserRepo } from '@cunzhang/core';
import type { UsersTable } from '../schema.js';
import { bool, decodeCursor, encodeCursor, flag, like, likeAny, within, type Ctx } from './common.js';

const toUser = (r: UsersTable): User => ({
  id: r.id, name: r.name, phoneEnc: r.phone_enc, phoneIndex: r.phone_index, idNumberEnc: r.id_number_enc,
  passwordHash: r.password_hash, totpSecretEnc: r.totp_secret_enc, totpEnabled: bool(r.totp_enabled),
  failedLogins: r.failed_logins, lockedUntil: r.locked_until, disabled: bool(r.disabled), demo: bool(r.demo),
  homeOrgCode: r.home_org_code, createdAt: r.created_at, totpLastStep: r.totp_last_step,
});

function toRow(u: Partial<User>): Partial<UsersTable> {
  const map: [keyof User, keyof UsersTable, ((v: never) => unknown)?][] = [
    ['name', 'name'], ['phoneEnc', 'phone_enc'], ['phoneIndex', 'phone_index'], ['idNumberEnc', 'id_number_enc'],
    ['passwordHash', 'password_hash'], ['totpSecretEnc', 'totp_secret_enc'], ['totpEnabled', 'totp_enabled', flag],
    ['failedLogins', 'failed_logins'], ['lockedUntil', 'locked_until'], ['disabled', 'disabled', flag], ['demo', 'demo', flag],
    ['homeOrgCode', 'home_org_code'], ['createdAt', 'created_at'], ['id', 'id'], ['totpLastStep', 'totp_last_step'],
  ];
  const row: Record<string, unknown> = {};
  for (const [k, col, conv] of map) if (u[k] !== undefined) row[col] = conv ? conv(u[k] as never) : u[k];
  return row as Partial<UsersTable>;
}

export function userRepo({ db, dialect }: Ctx): UserRepo {
  return {
    async get(id) {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toUser(r) : null;
    },
    async getForUpdate(id) {
      let q = db.selectFrom('users').selectAll().where('id', '=', id);
      // SQLite's BEGIN IMMEDIATE already serialises writers; PostgreSQL needs the row lock.
      if (dialect === 'postgres') q = q.forUpdate();
      const r = await q.executeTakeFirst();
      return r ? toUser(r) : null;
    },
    async byPhoneIndex(idx) {
      const r = await db.selectFrom('users').selectAll().where('phone_index', '=', idx).executeTakeFirst();
      return r ? toUser(r) : null;
    },
    async insert(u) {
      await db.insertInto('users').values(toRow(u) as UsersTable).execute();
    },
    async update(id, patch) {
      const row = toRow(patch);
      if (Object.keys(row).length) await db.updateTable('users').set(row).where('id', '=', id).execute();
    },
    async listInScopes(scopes, { q, limit, cursor }) {
      let query = db.selectFrom('users').selectAll();
      if (!scopes.includes('')) query = query.where((eb) => eb.or(scopes.map((s) => like('home_org_code', within(s)))));
      if (q) query = query.where(like('name', likeAny(q)));
      const after = decodeCursor(cursor, 1);
      if (after) query = query.where('id', '>', after[0] as string);
      const rows = await query.orderBy('id').limit(limit + 1).execute();
      const items = rows.slice(0, limit).map(toUser);
      return { items, next: rows.length > limit ? encodeCursor([items[items.length - 1]!.id]) : null };
    },
  };
}

export function grantRepo({ db }: Ctx): GrantRepo {
  const toGrant = (r: { id: string; role: string; org_code: string }): Grant => ({ id: r.id, role: r.role as Role, orgCode: r.org_code });
  return {
    async forUser(userId) {
      const rows = await db.selectFrom('role_grants').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
      return rows.map(toGrant);
    },
    async forUsers(ids) {
      const out = new Map<string, Grant[]>();
      if (ids.length === 0) return out;
      const rows = await db.selectFrom('role_grants').selectAll().where('user_id', 'in', ids).orderBy('created_at').execute();
      for (const r of rows) out.set(r.user_id, [...(out.get(r.user_id) ?? []), toGrant(r)]);
      return out;
    },
    async holders(roles, orgCodes) {
      const out = new Map<string, Grant[]>();
      if (roles.length === 0 || orgCodes.length === 0) return out;
      const rows = await db.selectFrom('role_grants').selectAll().where('role', 'in', roles).where('org_code', 'in', orgCodes).orderBy('user_id').execute();
      for (const r of rows) out.set(r.user_id, [...(out.get(r.user_id) ?? []), toGrant(r)]);
      return out;
    },
    async get(id) {
      const r = await db.selectFrom('role_grants').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? { ...toGrant(r), userId: r.user_id } : null;
    },
    async insert(g) {
      await db.insertInto('role_grants').values({ id: g.id, user_id: g.userId, role: g.role, org_code: g.orgCode, created_at: g.createdAt }).execute();
    },
    async delete(id) {
      await db.deleteFrom('role_grants').where('id', '=', id).execute();
    },
  };
}

export function sessionRepo({ db }: Ctx): SessionRepo {
  return {
    async get(idHash) {
      const r = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
      return r ? { idHash: r.id_hash, userId: r.user_id, csrfToken: r.csrf_token, stage: r.stage as Session['stage'], createdAt: r.created_at, expiresAt: r.expires_at, ip: r.ip } : null;
    },
    async insert(s) {
      await db.insertInto('sessions').values({ id_hash: s.idHash, user_id: s.userId, csrf_token: s.csrfToken, stage: s.stage, created_at: s.createdAt, expires_at: s.expiresAt, ip: s.ip }).execute();
    },
    async update(idHash, patch) {
      const row: Record<string, string> = {};
      if (patch.stage) row.stage = patch.stage;
      if (patch.expiresAt) row.expires_at = patch.expiresAt;
      if (patch.csrfToken) row.csrf_token = patch.csrfToken;
      await db.updateTable('sessions').set(row).where('id_hash', '=', idHash).execute();
    },
    async delete(idHash) {
      await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    },
    async deleteForUser(userId) {
      await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    },
  };
}
