import { AppError } from '../errors.js';
import type { Route } from './matters.js';

/**
 * A seal-use application (用印申请, domain W2): pending until someone with the right to decide
 * approves or rejects it; the applicant may withdraw it while it is pending; a pending one
 * nobody decides lapses (expired). Approved, its authorization may be revoked until used;
 * the first impression makes it stamped.
 */
export const APPLICATION_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn', 'expired', 'revoked', 'stamped'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

export interface PageFingerprint {
  pageNo: number;
  /** SM3 of the stored photo (hex). */
  sm3: string;
  /** 64-bit perceptual hash (16 hex), to compare with the stamped page. */
  phash: string;
}

export interface ApplicationFacts {
  status: ApplicationStatus;
  route: Route;
  applicantUserId: string;
  /** The service-point clerk who filed it for a villager, if any. */
  clerkUserId: string | null;
  impressions: number;
  pages: number;
  resolutionAttached: boolean;
  /** When a pending application lapses (filed + the configured days). */
  expiresAt: string;
}

export interface SealFacts {
  keeperUserId: string | null;
  approverUserIds: readonly string[];
  usable: boolean;
}

export interface Decider {
  userId: string;
  /** Approvers this person stands in for, by a delegation valid now. */
  deputyFor: readonly string[];
  isTownLeader: boolean;
}

export interface DecisionPolicy {
  separateApprovalAndCustody: boolean;
  maxImpressions: number;
}

/**
 * Checks that `decider` may approve the application now; the reason names the rule when not.
 * Rejection is allowed to the same people (and never to the applicant).
 */
export function assertMayDecide(app: ApplicationFacts, seal: SealFacts, decider: Decider, policy: DecisionPolicy, decision: 'approve' | 'reject' = 'approve', now: Date = new Date()): void {
  const refuse = (message: string, code: 'RULE_VIOLATION' | 'FORBIDDEN' | 'ILLEGAL_TRANSITION' = 'RULE_VIOLATION'): never => {
    throw new AppError(code, message);
  };
  if (app.status !== 'pending') refuse(`the application is ${app.status} already: it can be decided only once`, 'ILLEGAL_TRANSITION');
  if (now >= new Date(app.expiresAt)) refuse(`the application expired at ${app.expiresAt} without a decision: the applicant files it again`, 'ILLEGAL_TRANSITION');
  if (decider.userId === app.applicantUserId || decider.userId === app.clerkUserId) refuse('nobody approves their own application');
  if (decision === 'approve' && !seal.usable) refuse('the seal is not in use (suspended, void or retired): it cannot be authorised');
  const isKeeper = seal.keeperUserId === decider.userId;
  const own = (id: string) => id === app.applicantUserId || id === app.clerkUserId;
  const standsFor = decider.deputyFor.filter((a) => seal.approverUserIds.includes(a));
  // A deputy decides in an approver's name: never in the name of the one who applied.
  if (!seal.approverUserIds.includes(decider.userId) && standsFor.length > 0 && standsFor.every(own) && app.route !== 'keeper') {
    refuse('nobody approves their own application, not through a deputy they named either');
  }
  const isApprover = seal.approverUserIds.includes(decider.userId) || standsFor.some((a) => !own(a));
  switch (app.route) {
    case 'keeper':
      if (!isKeeper && !isApprover) refuse('this matter is decided by the seal\'s keeper or one of its approvers', 'FORBIDDEN');
      break;
    case 'approver':
    case 'resolution':
      if (!isApprover) refuse('this matter needs one of the seal\'s approvers (书记/主任) or their named deputy', 'FORBIDDEN');
      if (policy.separateApprovalAndCustody && isKeeper) refuse('审批与保管分开: the keeper of a seal cannot also approve its use');
      break;
    case 'leader':
      if (!decider.isTownLeader) refuse('this matter needs the town leader in charge (分管领导)', 'FORBIDDEN');
      break;
  }
  // What makes an approval safe; a rejection needs none of it.
  if (decision === 'reject') return;
  if (app.route === 'resolution' && !app.resolutionAttached) {
    refuse('this matter needs a villagers\' (representatives\') meeting resolution attached before it can be approved');
  }
  if (app.pages < 1) refuse('an application without photographed pages cannot be approved: never stamp blank paper (严禁空白盖章)');
  if (app.impressions < 1 || app.impressions > policy.maxImpressions) {
    refuse(`impressions must be between 1 and ${policy.maxImpressions}`);
  }
}

/** What an approval lets the device (or the keeper) do. */
export interface AuthorizationTerms {
  impressionsAllowed: number;
  validFrom: string;
  validUntil: string;
  pages: PageFingerprint[];
}

export type ImpressionCheck = { ok: true } | { ok: false; reason: 'revoked' | 'not_yet_valid' | 'expired' | 'over_count' };

/** May one more impression be made under these terms at `at`, after `used` impressions? */
export function checkImpression(terms: AuthorizationTerms, used: number, at: Date, revoked: boolean): ImpressionCheck {
  if (revoked) return { ok: false, reason: 'revoked' };
  if (at < new Date(terms.validFrom)) return { ok: false, reason: 'not_yet_valid' };
  if (at >= new Date(terms.validUntil)) return { ok: false, reason: 'expired' };
  if (used >= terms.impressionsAllowed) return { ok: false, reason: 'over_count' };
  return { ok: true };
}
