/**
 * Shapes of the cunzhang HTTP API, as the page sees them. The domain's own types are reused
 * (type-only imports, erased at build); only the seal and role modules are bundled for
 * their constant lists.
 */
import type { AuditView as AuditEntry, Grant, HandoverSlip, Page, SealDetail, SealType, UserView } from '@cunzhang/core';
import type { VerifyResult } from '@cunzhang/ledger';
import type {
  ApplicationAction, ApplicationStatus, ApplicationView as CoreApplicationView, Authorization, DelegationView,
  LedgerEntry as CoreLedgerEntry, Route as MatterRoute, Stamping,
} from '@cunzhang/core';

export { ROLES, type Role } from '@cunzhang/core/roles';
export { SEAL_ACTIONS, SEAL_STATUSES, type Seal, type SealAction, type SealStatus } from '@cunzhang/core/seal';
export type { AuditEntry, Grant, HandoverSlip, Page, SealDetail, SealType, UserView, VerifyResult };

export type Stage = 'full' | 'totp' | 'enrol';

export interface Me {
  stage: Stage;
  user: UserView;
  permissions: { orgCode: string; permission: string }[];
  demo: boolean;
}

export interface Org { code: string; name: string; level: string; parentCode: string | null }


/** Does the person hold `permission` on `orgCode` (or on any unit when orgCode is omitted)? */
export function can(me: Me, permission: string, orgCode?: string): boolean {
  return me.permissions.some((p) => p.permission === permission && (orgCode === undefined || orgCode.startsWith(p.orgCode)));
}

export function firstRole(me: Me): string {
  return me.user.grants[0]?.role ?? 'none';
}

// ── Seal-use applications (用印申请), as the HTTP API sends them ──────────────────────────

export type { ApplicationAction, ApplicationStatus, Authorization, DelegationView, MatterRoute };
export const APPLICATION_STATUSES: readonly ApplicationStatus[] = ['pending', 'approved', 'rejected', 'withdrawn', 'expired', 'revoked', 'stamped'];
export const MATTER_ROUTES: readonly MatterRoute[] = ['keeper', 'approver', 'leader', 'resolution'];

export interface PageImage { pageNo: number; sm3: string; phash: string; thumbUrl: string; photoUrl: string }

export type ApplicationView = Omit<CoreApplicationView, 'pages'> & { pages: PageImage[] };

export interface ApplyOptions {
  seals: { id: string; name: string; orgCode: string; orgName: string; typeCode: string }[];
  matters: { code: string; nameZh: string; nameEn: string; route: MatterRoute }[];
  contractWords: string[];
  limits: { maxPages: number; maxImpressions: number; maxPhotoBytes: number };
}

export type StampingView = Pick<Stamping, 'id' | 'source' | 'impressions' | 'stampedAt' | 'matchedPageNo' | 'phashDistance' | 'note'>
  & { operatorName: string | null; photoUrl: string | null; thumbUrl: string | null };

export interface ApplicationDetailView {
  application: ApplicationView;
  seal: { id: string; name: string; typeCode: string; deviceId: string | null; keeperName: string | null };
  authorization: Pick<Authorization, 'id' | 'impressionsAllowed' | 'impressionsUsed' | 'validFrom' | 'validUntil' | 'status'> | null;
  stampings: StampingView[];
  history: { seq: number; at: string; action: string; actorName?: string | null; after?: unknown }[];
  actions: ApplicationAction[];
}

export interface Listing<T> { items: T[]; next: string | null }

export type LedgerEntry = Omit<CoreLedgerEntry, 'pages' | 'resolutionBlob'> & { pages?: unknown };

export interface LedgerDetailView {
  entry: LedgerEntry;
  pages: PageImage[];
  stampings: StampingView[];
  authorization: ApplicationDetailView['authorization'];
}

export interface MatterEntry { townCode: string; code: string; nameZh: string; nameEn: string; route: MatterRoute; enabled: boolean; sortOrder: number; updatedAt: string }

export interface TemplateField {
  key: string; labelZh: string; labelEn: string; kind: 'text' | 'multiline' | 'id_number' | 'date' | 'number';
  required: boolean; maxLength: number; options?: string[]; hintZh?: string;
}
export interface CertificateTemplateView { code: string; nameZh: string; nameEn: string; matterCode: string; fields: TemplateField[]; body: string; enabled: boolean }
export interface IssuedCertificate {
  certificate: { id: string; verifyCode: string; title: string; orgCode: string; applicationId: string; issuedAt: string };
  pdfUrl: string;
}

/** A live update about one application (server-sent event `application`). */
export interface LiveEvent {
  type: 'submitted' | 'approved' | 'rejected' | 'withdrawn' | 'revoked' | 'stamped' | 'expired' | 'reminder';
  applicationId: string; orgCode: string; status: ApplicationStatus; documentTitle: string; at: string;
}

/** Does the person hold one of these roles anywhere? */
export function hasRole(me: Me, ...roles: string[]): boolean {
  return me.user.grants.some((g) => roles.includes(g.role));
}

// ── Smart-seal devices and alarms (issue 4) ───────────────────────────────────────────
export * from './device-types';
