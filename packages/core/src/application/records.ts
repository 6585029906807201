import type { ApplicationStatus, PageFingerprint } from './application.js';
import type { Route } from './matters.js';

export interface ApplicationPage extends PageFingerprint {
  /** Content keys in the blob store: the stored photo and its thumbnail. */
  blobKey: string;
  thumbKey: string;
}

export interface Application {
  id: string;
  sealId: string;
  /** The seal's owning village, copied so lists filter by unit without a join. */
  orgCode: string;
  matterCode: string;
  route: Route;
  reason: string;
  documentTitle: string;
  copies: number;
  impressions: number;
  applicantUserId: string;
  /** The villager's name when a service-point clerk files for them. */
  onBehalfOfName: string | null;
  clerkUserId: string | null;
  contractWords: string[];
  resolutionBlob: string | null;
  status: ApplicationStatus;
  decidedBy: string | null;
  /** The approver the decider stood in for, when a deputy decided. */
  decidedForUserId: string | null;
  decidedAt: string | null;
  opinion: string | null;
  pages: ApplicationPage[];
  /** Last time the waiting deciders were reminded of it, null when never. */
  remindedAt: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export const AUTHORIZATION_STATUSES = ['active', 'revoked', 'used'] as const;
export type AuthorizationStatus = (typeof AUTHORIZATION_STATUSES)[number];

export interface Authorization {
  id: string;
  applicationId: string;
  sealId: string;
  deviceId: string | null;
  impressionsAllowed: number;
  impressionsUsed: number;
  validFrom: string;
  validUntil: string;
  status: AuthorizationStatus;
  revokedAt: string | null;
  pages: PageFingerprint[];
  createdAt: string;
  version: number;
}

export interface Delegation {
  id: string;
  approverUserId: string;
  deputyUserId: string;
  orgCode: string;
  validFrom: string;
  validUntil: string;
  createdAt: string;
}

/** Who recorded an impression: the keeper by hand (no device bound yet) or a device. */
export const STAMPING_SOURCES = ['keeper', 'device'] as const;
export type StampingSource = (typeof STAMPING_SOURCES)[number];

/** One stamping event under an authorization: impressions made on one page, with its photo. */
export interface Stamping {
  id: string;
  applicationId: string;
  authorizationId: string;
  sealId: string;
  orgCode: string;
  source: StampingSource;
  /** Impressions made in this event (a keeper may record several on one page). */
  impressions: number;
  /** When the impression was made (keeper's statement, or the device clock). */
  stampedAt: string;
  /** The keeper who recorded it, or the operator identified at the device. */
  operatorUserId: string | null;
  deviceId: string | null;
  latitude: number | null;
  longitude: number | null;
  /** Photo of the stamped page, its thumbnail and fingerprints (null when none was taken). */
  photoKey: string | null;
  thumbKey: string | null;
  sm3: string | null;
  phash: string | null;
  /** The approved page the stamped page matched best, and the Hamming distance of the hashes. */
  matchedPageNo: number | null;
  phashDistance: number | null;
  note: string | null;
  createdAt: string;
  /** Device impressions: the device's sequence number, when the event arrived, the photo before. */
  deviceSeq: number | null;
  receivedAt: string | null;
  beforeKey: string | null;
  /** What was abnormal about it: over_count, outside_window, revoked, page_mismatch, off_hours, outside_fence, late. */
  flags: string[];
}

/**
 * One row of the seal-use ledger (用印登记簿, domain §5): the application with what the reader
 * needs beside it, names resolved by the store.
 */
export interface LedgerEntry extends Application {
  /** 流水号: increases with every application filed, across the installation (a filing refused on PostgreSQL may leave a gap). */
  serialNo: number;
  sealName: string;
  orgName: string;
  applicantName: string;
  decidedByName: string | null;
  decidedForName: string | null;
  impressionsAllowed: number | null;
  impressionsMade: number;
  /** Last impression time, null before the first. */
  lastStampedAt: string | null;
  /** True when at least one impression was recorded by hand rather than by a device. */
  keeperRecorded: boolean;
  deviceId: string | null;
  authorizationStatus: AuthorizationStatus | null;
  validUntil: string | null;
}
