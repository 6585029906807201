/**
 * Shapes of the cunzhang HTTP API, as the page sees them. The domain's own types are reused
 * (type-only imports, erased at build); only the seal and role modules are bundled for
 * their constant lists.
 */
import type { AuditView as AuditEntry, Grant, HandoverSlip, Page, SealDetail, SealType, UserView } from '@cunzhang/core';
import type { VerifyResult } from '@cunzhang/ledger';

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
