import { z } from 'zod';
import { record } from '../audit/record.js';
import { hasPermission, requirePermission, type Actor } from '../auth/actor.js';
import { notFound } from '../errors.js';
import { isWithin, townOf } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import { isUsable } from '../seal/seal.js';
import { endOfLocalDay } from '../time/day-window.js';
import { parseInput } from '../validate.js';
import { pushAuthorizationInTx } from '../device/push-authorization.js';
import { assertMayDecide, type ApplicationFacts, type Decider, type DecisionPolicy, type SealFacts } from './application.js';
import type { Application, Authorization } from './records.js';

export const decideApplicationInput = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  opinion: z.string().trim().min(1, 'give an opinion (审批意见)').max(500),
});

export async function loadApplication(tx: Tx, actor: Actor, id: string): Promise<Application> {
  const app = await tx.applications.get(id);
  const mine = app && (app.applicantUserId === actor.userId || app.clerkUserId === actor.userId);
  if (!app || (!mine && !actor.grants.some((g) => isWithin(app.orgCode, g.orgCode) && hasPermission(actor, 'application.read', app.orgCode)))) {
    throw notFound('application', id);
  }
  return app;
}

/** When a pending application lapses: filed + the configured days. */
export const expiryOf = (app: Application, days: number): string => new Date(new Date(app.createdAt).getTime() + days * 86_400_000).toISOString();

/** Everything `assertMayDecide` weighs for this person and application now. */
export async function decisionContext(tx: Tx, deps: Deps, actor: Actor, app: Application, now: Date) {
  const seal = await tx.seals.get(app.sealId);
  if (!seal) throw notFound('seal', app.sealId);
  const deputyships = await tx.applications.deputyFor(actor.userId, now.toISOString());
  const deputyFor = deputyships.filter((d) => isWithin(app.orgCode, d.orgCode)).map((d) => d.approverUserId);
  const town = townOf(app.orgCode);
  const isTownLeader = actor.grants.some((g) => g.role === 'town_leader' && town !== null && isWithin(town, g.orgCode));
  const facts: ApplicationFacts = {
    status: app.status, route: app.route, applicantUserId: app.applicantUserId, clerkUserId: app.clerkUserId, impressions: app.impressions,
    pages: app.pages.length, resolutionAttached: app.resolutionBlob !== null, expiresAt: expiryOf(app, deps.policy.applicationExpiryDays),
  };
  const sealFacts: SealFacts = { keeperUserId: seal.keeperUserId, approverUserIds: seal.approverUserIds, usable: isUsable(seal.status) };
  const decider: Decider = { userId: actor.userId, deputyFor, isTownLeader };
  const policy: DecisionPolicy = { separateApprovalAndCustody: deps.policy.separateApprovalAndCustody, maxImpressions: deps.policy.maxImpressions };
  return { seal, deputyFor, facts, sealFacts, decider, policy };
}

/**
 * 审批: approve (creating the authorization that binds seal, device, count, window and page
 * fingerprints) or reject, with an opinion. Two deciders racing get one CONFLICT.
 */
export async function decideApplication(
  deps: Deps,
  { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof decideApplicationInput> },
): Promise<{ application: Application; authorization: Authorization | null }> {
  const input = parseInput(decideApplicationInput, raw);
  return deps.uow.write(async (tx) => {
    const app = await loadApplication(tx, actor, id);
    requirePermission(actor, 'application.decide', app.orgCode);
    const now = deps.clock.now();
    const ctx = await decisionContext(tx, deps, actor, app, now);
    const { seal, deputyFor } = ctx;
    assertMayDecide(ctx.facts, ctx.sealFacts, ctx.decider, ctx.policy, input.decision, now);
    const own = (a: string) => a === app.applicantUserId || a === app.clerkUserId;
    const decidedFor = seal.approverUserIds.includes(actor.userId) ? null : (deputyFor.find((a) => seal.approverUserIds.includes(a) && !own(a)) ?? null);
    const status = input.decision === 'approve' ? 'approved' : 'rejected';
    const updated = await tx.applications.update(id, app.version, {
      status, decidedBy: actor.userId, decidedForUserId: decidedFor, decidedAt: now.toISOString(), opinion: input.opinion, updatedAt: now.toISOString(),
    });
    let authorization: Authorization | null = null;
    if (status === 'approved') {
      authorization = {
        id: deps.ids.next(), applicationId: id, sealId: seal.id, deviceId: seal.deviceId, impressionsAllowed: app.impressions, impressionsUsed: 0,
        validFrom: now.toISOString(), validUntil: endOfLocalDay(now, deps.policy.timeZone).toISOString(), status: 'active', revokedAt: null,
        pages: app.pages.map(({ pageNo, sm3, phash }) => ({ pageNo, sm3, phash })), createdAt: now.toISOString(), version: 1,
      };
      await tx.applications.insertAuthorization(authorization);
      // A bound device receives the signed token at once (authorize command in the outbox).
      await pushAuthorizationInTx(tx, deps, actor, { authorization, application: app });
    }
    await record(tx, deps, actor, {
      action: status === 'approved' ? 'APPLICATION_APPROVED' : 'APPLICATION_REJECTED', targetType: 'application', targetId: id, orgCode: app.orgCode,
      before: { status: app.status },
      after: { status, opinion: input.opinion, decidedFor, authorization: authorization && { id: authorization.id, validUntil: authorization.validUntil, impressions: authorization.impressionsAllowed } },
    });
    return { application: updated, authorization };
  });
}
