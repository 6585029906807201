import { z } from 'zod';
import { record } from '../audit/record.js';
import { hasPermission, requirePermission, type Actor } from '../auth/actor.js';
import { AppError, notFound } from '../errors.js';
import { isWithin, townOf } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import { isUsable } from '../seal/seal.js';
import { parseInput } from '../validate.js';
import { loadApplication } from './decide-application.js';
import { effectiveMatters } from './matter-catalogue.js';
import { routeApplication } from './matters.js';
import type { Application } from './records.js';

const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));

/** The fields of an application; `submitApplicationInput` adds the cross-field rule. */
export const submitApplicationFields = z.strictObject({
  sealId: z.string().min(1).max(40),
  matterCode: z.string().min(1).max(40),
  reason: z.string().trim().min(2, 'give the reason (事由)').max(500),
  documentTitle: z.string().trim().min(1).max(200),
  copies: z.number().int().min(1).max(100),
  impressions: z.number().int().min(1, 'at least one impression').max(1000),
  /** Already taken in by the edge (stored, thumbnailed, fingerprinted), in page order. */
  pages: z.array(z.strictObject({ blobKey: hex(64), thumbKey: hex(64), sm3: hex(64), phash: hex(16) })).min(1, 'photograph every page to be stamped: at least one page'),
  /** The villager a service-point clerk applies for. */
  onBehalfOfName: z.string().trim().min(1).max(50).optional(),
  /** Photo or scan of the meeting resolution, when the matter needs one. */
  resolutionBlob: hex(64).optional(),
  /** Or: the earlier application of the same village whose attached resolution covers this one too. */
  resolutionOf: z.string().min(1).max(40).optional(),
});

export const submitApplicationInput = submitApplicationFields.refine((v) => !(v.resolutionBlob && v.resolutionOf), { message: 'attach a resolution or refer to an earlier one, not both', path: ['resolutionOf'] });

export type SubmitApplicationInput = z.infer<typeof submitApplicationInput>;

/** 用印申请: files an application for a seal of the actor's village, routed by its matter. */
export async function submitApplication(deps: Deps, { actor, input }: { actor: Actor; input: SubmitApplicationInput }): Promise<Application> {
  return deps.uow.write((tx) => fileApplication(tx, deps, actor, input));
}

/**
 * Files an application inside a transaction the caller holds (the service point files the
 * stamping of a certificate in the same transaction as the certificate).
 */
export async function fileApplication(tx: Tx, deps: Deps, actor: Actor, raw: SubmitApplicationInput): Promise<Application> {
  const input = parseInput(submitApplicationInput, raw);
  if (input.impressions > deps.policy.maxImpressions) {
    throw new AppError('VALIDATION', `impressions: at most ${deps.policy.maxImpressions} per application`, { field: 'impressions' });
  }
  if (input.pages.length > deps.policy.maxPages) throw new AppError('VALIDATION', `pages: at most ${deps.policy.maxPages} per application`, { field: 'pages' });
  const seal = await tx.seals.get(input.sealId);
  // Only seals of a village the actor may apply in exist for them.
  if (!seal || !actor.grants.some((g) => isWithin(seal.orgCode, g.orgCode))) throw notFound('seal', input.sealId);
  requirePermission(actor, 'application.create', seal.orgCode);
  const town = townOf(seal.orgCode);
  const matter = town ? (await effectiveMatters(tx, town)).find((m) => m.code === input.matterCode && m.enabled) : undefined;
  if (!matter) throw new AppError('VALIDATION', `matterCode: ${input.matterCode} is not in the town's matter catalogue`, { field: 'matterCode' });
  if (!isUsable(seal.status)) throw new AppError('RULE_VIOLATION', `the seal is ${seal.status}: it is not in use`, { field: 'sealId' });
  if (seal.typeCode === 'contract') {
    throw new AppError('RULE_VIOLATION', 'the contract-only seal (合同专用章) is used only through an approved contract procedure form (合同程序表), not by a seal-use application', { field: 'sealId' });
  }
  const onBehalf = input.onBehalfOfName ?? null;
  const isClerk = hasPermission(actor, 'application.read', seal.orgCode);
  if (onBehalf && !isClerk) throw new AppError('FORBIDDEN', 'only a service-point clerk applies on behalf of a villager', { field: 'onBehalfOfName' });
  let resolutionBlob = input.resolutionBlob ?? null;
  if (input.resolutionOf) {
    // Only a resolution the person may read, attached to an application that was approved on it.
    const earlier = await loadApplication(tx, actor, input.resolutionOf);
    if (earlier.orgCode !== seal.orgCode) {
      throw new AppError('RULE_VIOLATION', `the resolution attached to application ${earlier.id} was passed in unit ${earlier.orgCode}: a meeting resolution counts only for its own village (${seal.orgCode})`, { field: 'resolutionOf' });
    }
    if (!earlier.resolutionBlob) throw new AppError('VALIDATION', `application ${earlier.id} has no resolution attached`, { field: 'resolutionOf' });
    if (earlier.status !== 'approved' && earlier.status !== 'stamped') {
      throw new AppError('RULE_VIOLATION', `application ${earlier.id} is ${earlier.status}: only a resolution already accepted in an approval can be referred to again`, { field: 'resolutionOf' });
    }
    resolutionBlob = earlier.resolutionBlob;
  }
  const routing = routeApplication(matter, input, seal.typeCode);
  // Without the resolution nobody could approve it: say so now, not after the wait.
  if (routing.route === 'resolution' && !resolutionBlob) {
    const why = routing.contractWords.length ? `its text has contract words (${routing.contractWords.join('、')}), so it` : 'this matter';
    throw new AppError('VALIDATION', `resolution: ${why} needs the villagers' (representatives') meeting resolution (村民(代表)会议决议): attach a photo of it, or refer to an approved application that carries it`, { field: 'resolution', details: { contractWords: routing.contractWords } });
  }
  const now = deps.clock.now().toISOString();
  const app: Application = {
    id: deps.ids.next(), sealId: seal.id, orgCode: seal.orgCode, matterCode: matter.code, route: routing.route, reason: input.reason,
    documentTitle: input.documentTitle, copies: input.copies, impressions: input.impressions, applicantUserId: actor.userId,
    onBehalfOfName: onBehalf, clerkUserId: onBehalf ? actor.userId : null, contractWords: routing.contractWords,
    resolutionBlob, status: 'pending', decidedBy: null, decidedForUserId: null, decidedAt: null, opinion: null,
    pages: input.pages.map((p, i) => ({ ...p, pageNo: i + 1 })), remindedAt: null, createdAt: now, updatedAt: now, version: 1,
  };
  await tx.applications.insert(app);
  await record(tx, deps, actor, {
    action: 'APPLICATION_SUBMITTED', targetType: 'application', targetId: app.id, orgCode: seal.orgCode, before: null,
    after: { sealId: seal.id, matter: matter.code, route: routing.route, reasons: routing.reasons, documentTitle: app.documentTitle, impressions: app.impressions, pages: app.pages.map((p) => p.sm3) },
  });
  return app;
}
