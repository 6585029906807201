/**
 * Helpers shared by the use-case integration tests (not a test file itself): find demo
 * people, act as them, and read the audit trail and rows straight from the database.
 */
import { AppError, type Actor, type AuditEntry, type Deps, type ErrorCode } from '@cunzhang/core';
import type { Database } from '@cunzhang/store';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { DEMO_LOGINS } from '../demo/seed.js';

/** The demo login holding `role` (each role appears once in DEMO_LOGINS). */
export function demoLogin(role: (typeof DEMO_LOGINS)[number]['role']): (typeof DEMO_LOGINS)[number] {
  const d = DEMO_LOGINS.find((l) => l.role === role);
  if (!d) throw new Error(`no demo login with role ${role}`);
  return d;
}

export async function userIdByPhone(deps: Deps, phone: string): Promise<string> {
  const u = await deps.uow.read((tx) => tx.users.byPhoneIndex(deps.cipher.index(phone)));
  if (!u) throw new Error(`no user with phone ${phone}`);
  return u.id;
}

/** The actor a full session of this person would carry: their grants as stored now. */
export async function actorOf(deps: Deps, userId: string, ip = '10.0.0.7'): Promise<Actor> {
  const grants = await deps.uow.read((tx) => tx.grants.forUser(userId));
  return { userId, grants, ip };
}

export async function actorByPhone(deps: Deps, phone: string): Promise<Actor> {
  return actorOf(deps, await userIdByPhone(deps, phone));
}

/** Awaits `p`, expects an AppError of `code` (and `field` when given), and returns it. */
export async function expectAppError(p: Promise<unknown>, code: ErrorCode, field?: string): Promise<AppError> {
  let caught: unknown = null;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(AppError);
  const e = caught as AppError;
  expect({ code: e.code, message: e.message }).toMatchObject({ code });
  if (field !== undefined) expect(e.field).toBe(field);
  return e;
}

export async function auditCount(database: Database): Promise<number> {
  const r = await database.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Audit entries after `afterSeq`, oldest first. */
export async function auditSince(deps: Deps, afterSeq: number): Promise<AuditEntry[]> {
  const all = await deps.uow.read((tx) => tx.audit.list({ scopes: [''], limit: 100_000 }));
  return all.filter((e) => e.seq > afterSeq).reverse();
}

export async function lastSeq(database: Database): Promise<number> {
  const r = await database.db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirstOrThrow();
  return r.seq;
}

/** Runs raw SQL on the test database (tampering, trigger checks). */
export async function rawSql(database: Database, text: string): Promise<void> {
  await sql.raw(text).execute(database.db);
}
