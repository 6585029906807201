import { z } from 'zod';
import { record } from '../audit/record.js';
import { hasPermission, requirePermission, type Actor } from '../auth/actor.js';
import { AppError, notFound } from '../errors.js';
import { isWithin } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import { parseInput } from '../validate.js';
import { revokeOnDeviceInTx } from '../device/push-authorization.js';
import { loadApplication } from './decide-application.js';
import type { Application, Authorization, Delegation } from './records.js';

/** The applicant (or the clerk who filed it) takes back an application nobody decided yet. */
export async function withdrawApplication(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<Application> {
  return deps.uow.write(async (tx) => {
    const app = await loadApplication(tx, actor, id);
    if (app.applicantUserId !== actor.userId && app.clerkUserId !== actor.userId) {
      throw new AppError('FORBIDDEN', 'only the person who filed an application can withdraw it');
    }
    if (app.status !== 'pending') throw new AppError('ILLEGAL_TRANSITION', `the application is ${app.status}: only a pending one can be withdrawn`, { field: 'status' });
    const now = deps.clock.now().toISOString();
    const updated = await tx.applications.update(id, app.version, { status: 'withdrawn', updatedAt: now });
    await record(tx, deps, actor, { action: 'APPLICATION_WITHDRAWN', targetType: 'application', targetId: id, orgCode: app.orgCode, before: { status: app.status }, after: { status: 'withdrawn' } });
    return updated;
  });
}

export const revokeAuthorizationInput = z.strictObject({ reason: z.string().trim().min(2, 'give the reason').max(500) });

/** Revokes an approval's authorization before any impression was made under it. */
export async function revokeAuthorization(
  deps: Deps,
  { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof revokeAuthorizationInput> },
): Promise<Authorization> {
  const input = parseInput(revokeAuthorizationInput, raw);
  return deps.uow.write(async (tx) => {
    const app = await loadApplication(tx, actor, id);
    requirePermission(actor, 'application.decide', app.orgCode);
    const auth = await tx.applications.authorizationOf(id);
    if (!auth) throw new AppError('ILLEGAL_TRANSITION', 'the application has no authorization: it was not approved', { field: 'status' });
    if (auth.status !== 'active') throw new AppError('ILLEGAL_TRANSITION', `the authorization is ${auth.status} already`, { field: 'status' });
    if (auth.impressionsUsed > 0) throw new AppError('ILLEGAL_TRANSITION', `${auth.impressionsUsed} impression(s) were made under it: a used authorization cannot be revoked`, { field: 'status' });
    const now = deps.clock.now().toISOString();
    const updated = await tx.applications.updateAuthorization(auth.id, auth.version, { status: 'revoked', revokedAt: now });
    await revokeOnDeviceInTx(tx, deps, actor, auth);
    await tx.applications.update(id, app.version, { status: 'revoked', updatedAt: now });
    await record(tx, deps, actor, {
      action: 'AUTHORIZATION_REVOKED', targetType: 'application', targetId: id, orgCode: app.orgCode,
      before: { authorization: auth.id, status: auth.status }, after: { status: 'revoked', reason: input.reason, application: 'revoked' },
    });
    return updated;
  });
}

export const createDelegationInput = z.strictObject({
  deputyUserId: z.string().min(1).max(40),
  orgCode: z.string().regex(/^\d{12}$/, 'a delegation is for one village unit (12-digit code)'),
  validFrom: z.iso.datetime({ offset: true }),
  validUntil: z.iso.datetime({ offset: true }),
});

const MAX_DELEGATION_DAYS = 90;

/** An approver who is away names a deputy who may decide for them in one village for a period. */
export async function createDelegation(deps: Deps, { actor, input: raw }: { actor: Actor; input: z.infer<typeof createDelegationInput> }): Promise<Delegation> {
  const input = parseInput(createDelegationInput, raw);
  const from = new Date(input.validFrom);
  const until = new Date(input.validUntil);
  const now = deps.clock.now();
  if (until <= from) throw new AppError('VALIDATION', 'validUntil must come after validFrom', { field: 'validUntil' });
  if (until <= now) throw new AppError('VALIDATION', 'the period has ended already', { field: 'validUntil' });
  if (until.getTime() - from.getTime() > MAX_DELEGATION_DAYS * 86_400_000) {
    throw new AppError('VALIDATION', `a delegation lasts at most ${MAX_DELEGATION_DAYS} days`, { field: 'validUntil' });
  }
  if (input.deputyUserId === actor.userId) throw new AppError('VALIDATION', 'a deputy is somebody else', { field: 'deputyUserId' });
  // A village approver (书记/主任) names a deputy; the town's own leaders stand in for each other
  // by the town's arrangements, not through this.
  const approves = actor.grants.some((g) => g.role === 'village_approver' && isWithin(input.orgCode, g.orgCode));
  if (!approves) throw new AppError('FORBIDDEN', `only a village approver of unit ${input.orgCode} can name a deputy for it`);
  return deps.uow.write(async (tx) => {
    const deputy = await tx.users.get(input.deputyUserId);
    const grants = deputy && !deputy.disabled ? await tx.grants.forUser(deputy.id) : [];
    const deputyActor: Actor = { userId: input.deputyUserId, grants, ip: actor.ip };
    if (!deputy || !actor.grants.some((g) => isWithin(deputy.homeOrgCode, g.orgCode) || isWithin(g.orgCode, deputy.homeOrgCode))) {
      throw notFound('user', input.deputyUserId);
    }
    if (!hasPermission(deputyActor, 'application.decide', input.orgCode)) {
      throw new AppError('VALIDATION', `${deputy.name} may not decide applications in unit ${input.orgCode}`, { field: 'deputyUserId' });
    }
    const d: Delegation = {
      id: deps.ids.next(), approverUserId: actor.userId, deputyUserId: deputy.id, orgCode: input.orgCode,
      validFrom: from.toISOString(), validUntil: until.toISOString(), createdAt: now.toISOString(),
    };
    await tx.applications.insertDelegation(d);
    await record(tx, deps, actor, { action: 'DELEGATION_CREATED', targetType: 'delegation', targetId: d.id, orgCode: input.orgCode, before: null, after: d });
    return d;
  });
}

/**
 * Revokes every open authorization of a seal that goes out of use (suspended, declared lost,
 * retired), in the caller's transaction, one audit entry each. Impressions already made stay
 * on record; an application with none becomes revoked.
 */
export async function revokeOpenAuthorizations(tx: Tx, deps: Deps, actor: Actor, seal: { id: string; orgCode: string }, reason: string): Promise<number> {
  const now = deps.clock.now().toISOString();
  let n = 0;
  for (const status of ['approved', 'stamped'] as const) {
    let cursor: string | undefined;
    do {
      const page = await tx.applications.list({ scopes: [''], sealIds: [seal.id], status, limit: 200, cursor });
      for (const app of page.items) {
        const auth = await tx.applications.authorizationOf(app.id);
        if (!auth || auth.status !== 'active') continue;
        await tx.applications.updateAuthorization(auth.id, auth.version, { status: 'revoked', revokedAt: now });
        // The device drops the token too (a revoke command in the outbox).
        await revokeOnDeviceInTx(tx, deps, actor, auth);
        if (auth.impressionsUsed === 0) await tx.applications.update(app.id, app.version, { status: 'revoked', updatedAt: now });
        await record(tx, deps, actor, {
          action: 'AUTHORIZATION_REVOKED', targetType: 'application', targetId: app.id, orgCode: app.orgCode,
          before: { authorization: auth.id, status: auth.status }, after: { status: 'revoked', reason, application: auth.impressionsUsed === 0 ? 'revoked' : app.status },
        });
        n++;
      }
      cursor = page.next ?? undefined;
    } while (cursor);
  }
  return n;
}

/** The approver who named a deputy ends the delegation now (or cancels one not yet begun). */
export async function endDelegation(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<Delegation> {
  return deps.uow.write(async (tx) => {
    const d = await tx.applications.getDelegation(id);
    if (!d || d.approverUserId !== actor.userId) throw notFound('delegation', id);
    const now = deps.clock.now().toISOString();
    if (d.validUntil <= now) throw new AppError('ILLEGAL_TRANSITION', `the delegation ended at ${d.validUntil} already`);
    const ended = await tx.applications.endDelegation(id, now);
    await record(tx, deps, actor, { action: 'DELEGATION_ENDED', targetType: 'delegation', targetId: id, orgCode: d.orgCode, before: { validUntil: d.validUntil }, after: { validUntil: now } });
    return ended;
  });
}
