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
