import type { AuditEntry, AuditInput } from './audit/audit-events.js';
import type { Grant } from './auth/actor.js';
import type { OrgUnit } from './org/org.js';
import type { ApplicationStatus } from './application/application.js';
import type { Application, Authorization, Delegation, LedgerEntry, Stamping } from './application/records.js';
import type { Matter } from './application/matters.js';
import type { Certificate, CertificateTemplate } from './certificate/records.js';
import type { Role } from './roles.js';
import type { HandoverSlip, Seal, SealStatus, SealType } from './seal/seal.js';
import type { User } from './user/user.js';
import type { AlarmRepo, DeviceKeys, DeviceRepo, Signals } from './device/device-ports.js';

export type { AlarmFilter, AlarmRepo, DeviceFilter, DeviceKeys, DeviceRepo, Signals } from './device/device-ports.js';

export interface Page<T> {
  items: T[];
  /** Opaque keyset cursor for the next page, null at the end. */
  next: string | null;
}

export interface OrgRepo {
  get(code: string): Promise<OrgUnit | null>;
  children(parentCode: string | null): Promise<OrgUnit[]>;
  /** Inserts or renames; returns what changed so imports can audit each change. */
  upsert(unit: OrgUnit): Promise<'inserted' | 'updated' | 'unchanged'>;
  count(): Promise<number>;
}

export interface UserRepo {
  get(id: string): Promise<User | null>;
  /** Reads and locks the row until the transaction ends (counters, one-time codes). */
  getForUpdate(id: string): Promise<User | null>;
  byPhoneIndex(phoneIndex: string): Promise<User | null>;
  insert(user: User): Promise<void>;
  update(id: string, patch: Partial<Omit<User, 'id' | 'createdAt'>>): Promise<void>;
  /** Users whose home unit lies within one of the scopes (scope '' = all). */
  listInScopes(scopes: string[], opts: { q?: string; limit: number; cursor?: string }): Promise<Page<User>>;
}

export interface GrantRepo {
  forUser(userId: string): Promise<Grant[]>;
  forUsers(userIds: string[]): Promise<Map<string, Grant[]>>;
  /** People holding one of `roles` on exactly one of `orgCodes`, with those grants. */
  holders(roles: Role[], orgCodes: string[]): Promise<Map<string, Grant[]>>;
  get(id: string): Promise<(Grant & { userId: string }) | null>;
  insert(g: Grant & { userId: string; createdAt: string }): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface Session {
  idHash: string;
  userId: string;
  csrfToken: string;
  /** 'full' sessions act; 'totp' ones may only finish the second factor or enrol it. */
  stage: 'full' | 'totp' | 'enrol';
  createdAt: string;
  expiresAt: string;
  ip: string;
}

export interface SessionRepo {
  get(idHash: string): Promise<Session | null>;
  insert(s: Session): Promise<void>;
  update(idHash: string, patch: Partial<Pick<Session, 'stage' | 'expiresAt' | 'csrfToken'>>): Promise<void>;
  delete(idHash: string): Promise<void>;
  deleteForUser(userId: string): Promise<void>;
}

export interface SealFilter {
  scopes: string[];
  orgCode?: string;
  status?: SealStatus;
  typeCode?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

export interface SealRepo {
  get(id: string): Promise<Seal | null>;
  insert(seal: Seal): Promise<void>;
  /** Optimistic update: fails with CONFLICT when `expectedVersion` is stale. */
  update(id: string, expectedVersion: number, patch: Partial<Omit<Seal, 'id' | 'createdAt' | 'version'>>): Promise<Seal>;
  list(filter: SealFilter): Promise<Page<Seal>>;
  countByOrg(orgCode: string): Promise<number>;
  insertHandover(slip: HandoverSlip): Promise<void>;
  handovers(sealId: string): Promise<HandoverSlip[]>;
  /** Units of the seals whose impression image (印模, on the seal or a handover slip) is this blob. */
  orgsWithImpression(key: string): Promise<string[]>;
}

export interface SealTypeRepo {
  list(): Promise<SealType[]>;
  get(code: string): Promise<SealType | null>;
  insert(t: SealType): Promise<void>;
}

export interface AuditFilter {
  scopes: string[];
  targetType?: AuditInput['targetType'];
  targetId?: string;
  limit: number;
  /** seq below which to continue (descending pages). */
  before?: number;
}

export interface AuditRepo {
  /** Appends one entry chained to the last; the store computes seq and the SM3 hashes. */
  append(entry: AuditInput & { at: string }): Promise<AuditEntry>;
  list(filter: AuditFilter): Promise<AuditEntry[]>;
}

export interface ApplicationFilter {
  scopes: string[];
  /** Only this applicant's (or clerk's) own applications. */
  mineUserId?: string;
  status?: ApplicationStatus;
  sealIds?: string[];
  limit: number;
  /** Keyset cursor (newest first). */
  cursor?: string;
}

export interface ApplicationRepo {
  get(id: string): Promise<Application | null>;
  insert(app: Application): Promise<void>;
  /** Optimistic update: CONFLICT when `expectedVersion` is stale (e.g. two approvers at once). */
  update(id: string, expectedVersion: number, patch: Partial<Omit<Application, 'id' | 'createdAt' | 'version' | 'pages'>>): Promise<Application>;
  list(filter: ApplicationFilter): Promise<Page<Application>>;
  insertAuthorization(a: Authorization): Promise<void>;
  authorizationOf(applicationId: string): Promise<Authorization | null>;
  /** An authorization by its own id (a device names it in an impression event). */
  authorization(id: string): Promise<Authorization | null>;
  updateAuthorization(id: string, expectedVersion: number, patch: Partial<Pick<Authorization, 'status' | 'revokedAt' | 'impressionsUsed'>>): Promise<Authorization>;
  insertDelegation(d: Delegation): Promise<void>;
  /** Approvers for whom `deputyUserId` may decide at `at`. */
  deputyFor(deputyUserId: string, at: string): Promise<Delegation[]>;
  /** Delegations given by these approvers that are valid at `at`. */
  delegationsFor(approverUserIds: readonly string[], at: string): Promise<Delegation[]>;
  getDelegation(id: string): Promise<Delegation | null>;
  /** Ends a delegation at `at`; returns it as it is now. */
  endDelegation(id: string, at: string): Promise<Delegation>;
  /** Delegations this person gave or received that have not ended at `at` (current and future). */
  delegationsInvolving(userId: string, at: string): Promise<Delegation[]>;
  /**
   * Pending applications filed before `before` that were not reminded since `remindedBefore`
   * (or never), oldest first: the reminder and expiry sweeps.
   */
  pendingFiledBefore(before: string, opts: { remindedBefore?: string; limit: number }): Promise<Application[]>;
  /** Notes that waiting people were reminded of an application (not a state change). */
  markReminded(id: string, at: string): Promise<void>;
}

export interface StampingRepo {
  insert(s: Stamping): Promise<void>;
  forApplication(applicationId: string): Promise<Stamping[]>;
  /** The stampings of many applications at once (exports), grouped by application. */
  forApplications(applicationIds: readonly string[]): Promise<Map<string, Stamping[]>>;
}

/** Search of the seal-use ledger (用印登记簿); every filter is optional but the scopes. */
export interface LedgerFilter {
  scopes: string[];
  /** A unit and everything beneath it (a village, or a town). */
  orgCode?: string;
  sealId?: string;
  /** Filed at or after / before (ISO instants). */
  from?: string;
  to?: string;
  applicantUserId?: string;
  /** Who decided (or, for a deputy's decision, the approver stood in for). */
  approverUserId?: string;
  matterCode?: string;
  status?: ApplicationStatus;
  /** Free text over reason, document title, villager's and applicant's names, opinion. */
  q?: string;
  limit: number;
  /** Keyset cursor (newest first, by serial number). */
  cursor?: string;
}

export interface LedgerRepo {
  search(filter: LedgerFilter): Promise<Page<LedgerEntry>>;
  entry(applicationId: string): Promise<LedgerEntry | null>;
}

/** A town's entry in the matter catalogue (事项目录); a town without entries uses the defaults. */
export interface MatterRecord extends Matter {
  townCode: string;
  enabled: boolean;
  sortOrder: number;
  updatedAt: string;
}

export interface MatterRepo {
  forTown(townCode: string): Promise<MatterRecord[]>;
  upsert(m: MatterRecord): Promise<void>;
}

export interface CertificateRepo {
  insert(c: Certificate): Promise<void>;
  get(id: string): Promise<Certificate | null>;
  byVerifyCode(code: string): Promise<Certificate | null>;
  byApplication(applicationId: string): Promise<Certificate | null>;
  /** A town's own templates (not the built-in defaults). */
  templatesForTown(townCode: string): Promise<CertificateTemplate[]>;
  upsertTemplate(t: CertificateTemplate & { townCode: string }): Promise<void>;
}

/** All repositories, bound to one transaction. */
export interface Tx {
  orgs: OrgRepo;
  users: UserRepo;
  grants: GrantRepo;
  sessions: SessionRepo;
  seals: SealRepo;
  sealTypes: SealTypeRepo;
  audit: AuditRepo;
  applications: ApplicationRepo;
  stampings: StampingRepo;
  ledger: LedgerRepo;
  matters: MatterRepo;
  certificates: CertificateRepo;
  devices: DeviceRepo;
  alarms: AlarmRepo;
  /** Runs `fn` once the transaction has committed (never when it rolls back): wake-ups, pushes. */
  afterCommit(fn: () => void): void;
}

export interface UnitOfWork {
  /** Runs `fn` in one transaction; everything it wrote is committed or nothing is. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

export interface Clock {
  now(): Date;
}

export interface Ids {
  /** Sortable unique id (time-ordered), used as primary key. */
  next(): string;
  /** Unguessable token (sessions, CSRF). */
  token(): string;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

/** Confidentiality of personal numbers at rest (SM4) and a keyed index for look-ups. */
export interface FieldCipher {
  encrypt(plain: string): string;
  decrypt(enc: string): string;
  index(plain: string): string;
  /** One-way digest for session ids stored at rest. */
  digest(plain: string): string;
}

export interface Totp {
  newSecret(): string;
  /** The 30-second time step the code belongs to, or null when it matches none in the window. */
  verify(secret: string, code: string): number | null;
  uri(secret: string, account: string): string;
}

export interface SecurityPolicy {
  maxFailedLogins: number;
  lockoutMinutes: number;
  sessionHours: number;
  /** Password rules applied on creation and change. */
  minPasswordLength: number;
  /** 审批与保管分开: a seal's keeper may not also be one of its approvers. On by default. */
  separateApprovalAndCustody: boolean;
  /** Most impressions one application may ask for. */
  maxImpressions: number;
  /** Most photographed pages one application may carry. */
  maxPages: number;
  /** IANA zone of day boundaries (CUNZHANG_TZ): an approval is valid to the end of the local day. */
  timeZone: string;
  /** A pending application nobody decided lapses after this many days. */
  applicationExpiryDays: number;
  /** 解锁需第二人: unlocking a locked device needs a second person's approval. */
  unlockSecondPerson: boolean;
}

export interface Deps {
  uow: UnitOfWork;
  deviceKeys: DeviceKeys;
  /** Optional: absent in tests and the CLI, where nothing waits to be woken. */
  signals?: Signals;
  clock: Clock;
  ids: Ids;
  hasher: PasswordHasher;
  cipher: FieldCipher;
  totp: Totp;
  policy: SecurityPolicy;
}

/** Content-addressed storage for photos, impression images and documents. */
export interface BlobStore {
  /** Stores the bytes under the SM3 of their content; storing the same bytes twice is a no-op. */
  put(bytes: Uint8Array, meta?: { contentType?: string }): Promise<{ key: string; size: number; created: boolean }>;
  /** The bytes, or null when no blob has this key. */
  get(key: string): Promise<Buffer | null>;
  has(key: string): Promise<boolean>;
  /** Content type recorded at put time (application/octet-stream when none was given). */
  contentType(key: string): Promise<string | null>;
  /** Every key, in no particular order (backups, integrity sweeps). */
  keys(): AsyncIterable<string>;
  /**
   * Removes a blob; a missing key is no error. Only for undoing a put whose record was never
   * committed (see the upload helper): stored records are never deleted.
   */
  delete(key: string): Promise<void>;
}
