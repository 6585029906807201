import { z } from 'zod';
import { withActorNames, type AuditView } from '../audit/list-audit.js';
import { hasPermission, scopesFor, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import { isWithin, parentCode, townOf } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import { isUsable, type Seal } from '../seal/seal.js';
import { parseInput } from '../validate.js';
import { assertMayDecide } from './application.js';
import { decisionContext, expiryOf, loadApplication } from './decide-application.js';
import { effectiveMatters } from './matter-catalogue.js';
import { CONTRACT_WORDS, type Route } from './matters.js';
import type { Application, Authorization, Delegation, Stamping } from './records.js';

/** An application as screens show it: names resolved, blob keys left out. */
export interface ApplicationView extends Omit<Application, 'pages' | 'resolutionBlob'> {
  sealName: string;
  orgName: string;
  matterName: string;
  applicantName: string;
  decidedByName: string | null;
  decidedForName: string | null;
  hasResolution: boolean;
  expiresAt: string;
  pages: { pageNo: number; sm3: string; phash: string }[];
}

/** Resolves the names of many applications with one look-up per distinct seal, unit, person and town. */
export async function applicationViews(tx: Tx, deps: Deps, apps: Application[]): Promise<ApplicationView[]> {
  const memo = <T>(load: (k: string) => Promise<T>) => {
    const cache = new Map<string, Promise<T>>();
    return (k: string): Promise<T> => {
      if (!cache.has(k)) cache.set(k, load(k));
      return cache.get(k)!;
    };
  };
  const seal = memo((id) => tx.seals.get(id));
  const org = memo(async (code) => (await tx.orgs.get(code))?.name ?? code);
  const person = memo(async (id) => (await tx.users.get(id))?.name ?? id);
  const matters = memo((town) => effectiveMatters(tx, town));
  return Promise.all(apps.map(async (a): Promise<ApplicationView> => {
    const { pages, resolutionBlob, ...rest } = a;
    const town = townOf(a.orgCode);
    const matter = town ? (await matters(town)).find((m) => m.code === a.matterCode) : undefined;
    return {
      ...rest,
      sealName: (await seal(a.sealId))?.name ?? a.sealId,
      orgName: await org(a.orgCode),
      matterName: matter?.nameZh ?? a.matterCode,
      applicantName: await person(a.applicantUserId),
      decidedByName: a.decidedBy ? await person(a.decidedBy) : null,
      decidedForName: a.decidedForUserId ? await person(a.decidedForUserId) : null,
      hasResolution: resolutionBlob !== null,
      expiresAt: expiryOf(a, deps.policy.applicationExpiryDays),
      pages: pages.map(({ pageNo, sm3, phash }) => ({ pageNo, sm3, phash })),
    };
  }));
}

export const APPLICATION_BOXES = ['mine', 'inbox', 'queue'] as const;
export type ApplicationBox = (typeof APPLICATION_BOXES)[number];

export const listApplicationsQuery = z.strictObject({
  box: z.enum(APPLICATION_BOXES),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  cursor: z.string().max(200).optional(),
});

/** Most pending applications an inbox shows at once; the screen says when there are more. */
const INBOX_LIMIT = 200;

/** Seals the person keeps or approves (directly, or as a deputy named for the village now). */
async function sealsInHand(tx: Tx, actor: Actor, now: string): Promise<{ kept: Seal[]; approved: Seal[] }> {
  const scopes = scopesFor(actor, 'application.decide');
  if (scopes.length === 0) return { kept: [], approved: [] };
  const deputyships = await tx.applications.deputyFor(actor.userId, now);
  const all: Seal[] = [];
  for (const scope of scopes) {
    let cursor: string | undefined;
    do {
      const page = await tx.seals.list({ scopes: [scope], limit: 200, cursor });
      all.push(...page.items);
      cursor = page.next ?? undefined;
    } while (cursor);
  }
  // Deputies decide for approvers of seals they may not see through their own grants.
  for (const d of deputyships) {
    const page = await tx.seals.list({ scopes: [d.orgCode], limit: 200 });
    for (const s of page.items) if (!all.some((x) => x.id === s.id)) all.push(s);
  }
  const isDeputyFor = (s: Seal) => deputyships.some((d) => isWithin(s.orgCode, d.orgCode) && s.approverUserIds.includes(d.approverUserId));
  return {
    kept: all.filter((s) => s.keeperUserId === actor.userId),
    approved: all.filter((s) => s.approverUserIds.includes(actor.userId) || isDeputyFor(s)),
  };
}

/**
 * The phone lists: `mine` (filed by me or by me as clerk), `inbox` (pending ones I may decide
 * now), `queue` (approved ones of seals I keep whose authorization still allows impressions).
 * The inbox and the queue show the oldest waiting first, up to 200, in one page.
 */
export async function listApplications(
  deps: Deps,
  { actor, query: raw }: { actor: Actor; query: z.input<typeof listApplicationsQuery> },
): Promise<{ items: ApplicationView[]; next: string | null }> {
  const query = parseInput(listApplicationsQuery, raw);
  const now = deps.clock.now();
  return deps.uow.read(async (tx) => {
    if (query.box === 'mine') {
      const page = await tx.applications.list({ scopes: [''], mineUserId: actor.userId, limit: query.limit, cursor: query.cursor });
      return { items: await applicationViews(tx, deps, page.items), next: page.next };
    }
    const { kept, approved } = await sealsInHand(tx, actor, now.toISOString());
    if (query.box === 'queue') {
      // Approved ones, and partly stamped ones, whose authorization still allows impressions now.
      const sealIds = kept.map((s) => s.id);
      const waiting: Application[] = [];
      for (const status of ['approved', 'stamped'] as const) {
        for (const a of (await tx.applications.list({ scopes: [''], sealIds, status, limit: INBOX_LIMIT })).items) {
          const auth = await tx.applications.authorizationOf(a.id);
          if (auth?.status === 'active' && auth.impressionsUsed < auth.impressionsAllowed && new Date(auth.validUntil) > now) waiting.push(a);
        }
      }
      waiting.sort((x, y) => (x.createdAt < y.createdAt ? -1 : 1));
      return { items: await applicationViews(tx, deps, waiting.slice(0, query.limit)), next: null };
    }
    // inbox: pending applications of seals in hand, and of the town for its leaders, that this person may decide now.
    const leaderTowns = actor.grants.filter((g) => g.role === 'town_leader').map((g) => g.orgCode);
    const candidates: Application[] = [];
    const sealIds = [...new Set([...kept, ...approved].map((s) => s.id))];
    if (sealIds.length) candidates.push(...(await tx.applications.list({ scopes: [''], sealIds, status: 'pending', limit: INBOX_LIMIT })).items);
    for (const town of leaderTowns) {
      for (const a of (await tx.applications.list({ scopes: [town], status: 'pending', limit: INBOX_LIMIT })).items) {
        if (a.route === 'leader' && !candidates.some((c) => c.id === a.id)) candidates.push(a);
      }
    }
    const mayDecide: Application[] = [];
    for (const a of candidates) {
      if (!hasPermission(actor, 'application.decide', a.orgCode) && !(await tx.applications.deputyFor(actor.userId, now.toISOString())).some((d) => isWithin(a.orgCode, d.orgCode))) continue;
      try {
        const ctx = await decisionContext(tx, deps, actor, a, now);
        // Offered when at least a rejection is possible (approval may still wait for a resolution).
        assertMayDecide(ctx.facts, ctx.sealFacts, ctx.decider, ctx.policy, 'reject', now);
        mayDecide.push(a);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
      }
    }
    mayDecide.sort((x, y) => (x.createdAt < y.createdAt ? -1 : 1));
    return { items: await applicationViews(tx, deps, mayDecide.slice(0, query.limit)), next: null };
  });
}

export type ApplicationAction = 'approve' | 'reject' | 'withdraw' | 'revoke' | 'record_stamping';

export interface ApplicationHistoryItem {
  seq: number;
  at: string;
  action: AuditView['action'];
  actorName: string | null;
  /** The step's own facts (status, opinion, counts); never an address. */
  after: unknown;
}

const historyOf = (entries: AuditView[]): ApplicationHistoryItem[] => entries.map(({ seq, at, action, actorName, after }) => ({ seq, at, action, actorName, after }));

export interface ApplicationDetail {
  application: ApplicationView;
  seal: { id: string; name: string; typeCode: string; deviceId: string | null; keeperName: string | null };
  authorization: Authorization | null;
  stampings: (Stamping & { operatorName: string | null })[];
  /** What happened, when and by whom: the trail's entries without addresses or hashes (those stay behind audit.read). */
  history: ApplicationHistoryItem[];
  /** What this person may do now; the screen offers only these. */
  actions: ApplicationAction[];
}

/** One application with its authorization, stampings and history, and what the reader may do. */
export async function getApplication(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<ApplicationDetail> {
  const now = deps.clock.now();
  return deps.uow.read(async (tx) => {
    const app = await loadApplication(tx, actor, id);
    const seal = await tx.seals.get(app.sealId);
    if (!seal) throw new AppError('NOT_FOUND', `seal ${app.sealId} not found`);
    const authorization = await tx.applications.authorizationOf(id);
    const stampings = await tx.stampings.forApplication(id);
    const nameOf = async (uid: string | null) => (uid ? ((await tx.users.get(uid))?.name ?? null) : null);
    const actions: ApplicationAction[] = [];
    const ctx = await decisionContext(tx, deps, actor, app, now);
    for (const d of ['approve', 'reject'] as const) {
      try {
        if (!hasPermission(actor, 'application.decide', app.orgCode) && ctx.deputyFor.length === 0) break;
        assertMayDecide(ctx.facts, ctx.sealFacts, ctx.decider, ctx.policy, d, now);
        actions.push(d);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
      }
    }
    const mine = app.applicantUserId === actor.userId || app.clerkUserId === actor.userId;
    if (mine && app.status === 'pending') actions.push('withdraw');
    if (authorization?.status === 'active' && authorization.impressionsUsed === 0 && hasPermission(actor, 'application.decide', app.orgCode) && !mine) actions.push('revoke');
    const keeps = seal.keeperUserId === actor.userId || (seal.custodyOrgCode !== seal.orgCode && actor.grants.some((g) => g.role === 'station_officer' && isWithin(seal.custodyOrgCode, g.orgCode)));
    if (authorization?.status === 'active' && seal.deviceId === null && keeps && hasPermission(actor, 'stamping.record', app.orgCode)
      && new Date(authorization.validUntil) > now) actions.push('record_stamping');
    return {
      application: (await applicationViews(tx, deps, [app]))[0]!,
      seal: { id: seal.id, name: seal.name, typeCode: seal.typeCode, deviceId: seal.deviceId, keeperName: await nameOf(seal.keeperUserId) },
      authorization,
      stampings: await Promise.all(stampings.map(async (s) => ({ ...s, operatorName: await nameOf(s.operatorUserId) }))),
      history: historyOf(await withActorNames(tx, await tx.audit.list({ scopes: [''], targetType: 'application', targetId: id, limit: 200 }))),
      actions,
    };
  });
}

export interface ApplyOptions {
  seals: { id: string; name: string; orgCode: string; orgName: string; typeCode: string }[];
  matters: { code: string; nameZh: string; nameEn: string; route: Route }[];
  contractWords: readonly string[];
}

/**
 * What the apply screen offers: the usable seals of the units where the person may apply (the
 * contract-only seal goes through the contract procedure instead), and their town's matters.
 */
export async function applyOptions(deps: Deps, { actor }: { actor: Actor }): Promise<ApplyOptions> {
  const scopes = scopesFor(actor, 'application.create');
  if (scopes.length === 0) throw new AppError('FORBIDDEN', 'permission application.create is not granted on any unit');
  return deps.uow.read(async (tx) => {
    const seals: ApplyOptions['seals'] = [];
    for (const scope of scopes) {
      const page = await tx.seals.list({ scopes: [scope], limit: 200 });
      for (const s of page.items) {
        if (!isUsable(s.status) || s.typeCode === 'contract') continue;
        seals.push({ id: s.id, name: s.name, orgCode: s.orgCode, orgName: (await tx.orgs.get(s.orgCode))?.name ?? s.orgCode, typeCode: s.typeCode });
      }
    }
    const town = townOf(seals[0]?.orgCode ?? scopes[0] ?? '');
    const matters = town ? (await effectiveMatters(tx, town)).filter((m) => m.enabled) : [];
    return { seals, matters: matters.map(({ code, nameZh, nameEn, route }) => ({ code, nameZh, nameEn, route })), contractWords: CONTRACT_WORDS };
  });
}

export const delegationCandidatesQuery = z.strictObject({ orgCode: z.string().regex(/^\d{12}$/, 'a delegation is for one village unit (12-digit code)') });

/** People an approver may name as deputy for a village: those who may decide there, but themselves. */
export async function listDelegationCandidates(deps: Deps, { actor, query: raw }: { actor: Actor; query: z.infer<typeof delegationCandidatesQuery> }): Promise<{ id: string; name: string }[]> {
  const { orgCode } = parseInput(delegationCandidatesQuery, raw);
  if (!actor.grants.some((g) => (g.role === 'village_approver' || g.role === 'town_leader') && isWithin(orgCode, g.orgCode))) {
    throw new AppError('FORBIDDEN', `only an approver of unit ${orgCode} can name a deputy for it`);
  }
  return deps.uow.read(async (tx) => {
    const covering: string[] = [];
    for (let c: string | null = orgCode; c; c = parentCode(c)) covering.push(c);
    const holders = await tx.grants.holders(['village_approver', 'town_leader', 'station_officer'], covering);
    const out: { id: string; name: string }[] = [];
    for (const userId of holders.keys()) {
      if (userId === actor.userId) continue;
      const u = await tx.users.get(userId);
      if (u && !u.disabled) out.push({ id: u.id, name: u.name });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name, 'zh'));
  });
}

export type DelegationView = Delegation & { approverName: string; deputyName: string };

/** Delegations not yet ended (in force now or later) that this person gave (as approver) or received (as deputy). */
export async function listDelegations(deps: Deps, { actor }: { actor: Actor }): Promise<{ given: DelegationView[]; received: DelegationView[] }> {
  const now = deps.clock.now().toISOString();
  return deps.uow.read(async (tx) => {
    const named = async (ds: Delegation[]) => Promise.all(ds.map(async (d) => ({
      ...d, approverName: (await tx.users.get(d.approverUserId))?.name ?? d.approverUserId, deputyName: (await tx.users.get(d.deputyUserId))?.name ?? d.deputyUserId,
    })));
    const all = await tx.applications.delegationsInvolving(actor.userId, now);
    return { given: await named(all.filter((d) => d.approverUserId === actor.userId)), received: await named(all.filter((d) => d.deputyUserId === actor.userId)) };
  });
}
