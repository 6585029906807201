/** Shapes of the cunzhang HTTP API, as the page sees them. */

export type Stage = 'full' | 'totp' | 'enrol';

export const ROLES = [
  'applicant', 'service_clerk', 'seal_keeper', 'village_approver', 'station_officer', 'town_leader',
  'supervisor', 'auditor', 'sys_admin', 'sec_admin', 'audit_admin',
] as const;
export type Role = (typeof ROLES)[number];

export interface Grant { id: string; role: string; orgCode: string }

export interface UserView {
  id: string;
  name: string;
  phoneMasked: string;
  idNumberMasked: string | null;
  totpEnabled: boolean;
  disabled: boolean;
  locked: boolean;
  homeOrgCode: string;
  grants: Grant[];
}

export interface Me {
  stage: Stage;
  user: UserView;
  permissions: { orgCode: string; permission: string }[];
  demo: boolean;
}

export const SEAL_STATUSES = ['issued', 'filed', 'active', 'handed_over', 'suspended', 'void', 'retired'] as const;
export type SealStatus = (typeof SEAL_STATUSES)[number];

export const SEAL_ACTIONS = ['file', 'activate', 'hand_over', 'suspend', 'declare_lost', 'retire'] as const;
export type SealAction = (typeof SEAL_ACTIONS)[number];

export interface Seal {
  id: string;
  typeCode: string;
  orgCode: string;
  name: string;
  status: SealStatus;
  issuingAuthority: string;
  filingNumber: string | null;
  activatedAt: string | null;
  keeperUserId: string | null;
  approverUserIds: string[];
  custodyOrgCode: string;
  impressionBlob: string | null;
  deviceId: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface SealType { code: string; nameZh: string; nameEn: string; custody: 'village' | 'station'; builtin: boolean }

export interface Org { code: string; name: string; level: string; parentCode: string | null }

export interface HandoverSlip {
  id: string;
  sealId: string;
  giverUserId: string | null;
  giverName: string;
  receiverUserId: string;
  receiverName: string;
  witnessName: string;
  handedAt: string;
  note: string;
  impressionBlob: string | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actorId: string;
  action: string;
  targetType: string;
  targetId: string;
  orgCode: string;
  ip: string;
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}

export interface SealDetail {
  seal: Seal;
  orgName: string;
  type: SealType | null;
  keeperName: string | null;
  approverNames: string[];
  handovers: HandoverSlip[];
  history: AuditEntry[];
  actions: SealAction[];
}

export interface Page<T> { items: T[]; next: string | null }

export interface VerifyResult { ok: boolean; checked: number; firstBad: { seq: number; reason: string } | null; headHash: string }

/** Does the person hold `permission` on `orgCode` (or on any unit when orgCode is omitted)? */
export function can(me: Me, permission: string, orgCode?: string): boolean {
  return me.permissions.some((p) => p.permission === permission && (orgCode === undefined || orgCode.startsWith(p.orgCode)));
}

export function firstRole(me: Me): string {
  return me.user.grants[0]?.role ?? 'none';
}
