import { z } from 'zod';
import { hasPermission, scopesFor, type Actor } from '../auth/actor.js';
import type { ApplicationStatus } from '../application/application.js';
import { notFound } from '../errors.js';
import { townOf } from '../org/org-code.js';
import type { Deps, Page } from '../ports.js';
import { committeeName, shortUnitName } from '../seal/seal-name.js';
import { localDate } from '../time/day-window.js';
import { parseInput } from '../validate.js';
import type { Certificate } from './records.js';
import { normalizeVerifyCode } from './verify-code.js';

/** How the check page words the state of a certificate's stamping application. */
export const CERTIFICATE_STATUS_ZH: Record<ApplicationStatus, string> = {
  pending: '待审批',
  approved: '已批准待盖章',
  stamped: '已盖章',
  rejected: '已驳回',
  withdrawn: '已撤回',
  revoked: '已作废',
  expired: '已过期',
};

/**
 * What anyone holding the code may see (a bank, a school): which certificate, from which
 * village, under which seal, when, and whether it was stamped. No name, no ID number.
 */
export interface PublicCertificateRecord {
  verifyCode: string;
  title: string;
  /** 宁阳县鹤山镇前鹤山村民委员会 */
  issuer: string;
  /** 鹤山镇前鹤山村 */
  villageName: string;
  sealName: string;
  issuedAt: string;
  /** Local date of issue, 2026-11-27. */
  issuedDate: string;
  status: ApplicationStatus;
  statusZh: string;
  /** Stamped under an approval: the certificate is genuine and complete. */
  genuine: boolean;
}

/** The public check (验证) by code, without login; null for a malformed or unknown code. */
export async function checkCertificate(deps: Deps, { code }: { code: string }): Promise<PublicCertificateRecord | null> {
  const verifyCode = normalizeVerifyCode(code);
  if (!verifyCode) return null;
  return deps.uow.read(async (tx) => {
    const c = await tx.certificates.byVerifyCode(verifyCode);
    if (!c) return null;
    const [app, seal, village] = await Promise.all([tx.applications.get(c.applicationId), tx.seals.get(c.sealId), tx.orgs.get(c.orgCode)]);
    if (!app) return null;
    const town = townOf(c.orgCode);
    const [townUnit, county] = town ? await Promise.all([tx.orgs.get(town), tx.orgs.get(town.slice(0, 6))]) : [null, null];
    const villageName = village ? shortUnitName(village.name) : c.orgCode;
    return {
      verifyCode: c.verifyCode, title: c.title,
      issuer: `${county?.name ?? ''}${townUnit?.name ?? ''}${village ? committeeName(village.name) : ''}`,
      villageName: `${townUnit?.name ?? ''}${villageName}`, sealName: seal?.name ?? '', issuedAt: c.issuedAt,
      issuedDate: localDate(new Date(c.issuedAt), deps.policy.timeZone), status: app.status, statusZh: CERTIFICATE_STATUS_ZH[app.status],
      genuine: app.status === 'stamped',
    };
  });
}

export type CertificateSummary = Omit<Certificate, 'fieldsEnc'> & { status: ApplicationStatus; onBehalfOfName: string | null };

/**
 * One certificate for the clerk who issued it or anyone who reads applications of its village
 * (its PDF); others are told it does not exist.
 */
export async function getCertificate(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<CertificateSummary> {
  return deps.uow.read(async (tx) => {
    const c = await tx.certificates.get(id);
    if (!c || !(c.clerkUserId === actor.userId || hasPermission(actor, 'application.read', c.orgCode))) throw notFound('certificate', id);
    const app = await tx.applications.get(c.applicationId);
    const { fieldsEnc: _enc, ...rest } = c;
    return { ...rest, status: app?.status ?? 'pending', onBehalfOfName: app?.onBehalfOfName ?? null };
  });
}

export const listCertificatesQuery = z.strictObject({
  cursor: z.string().max(400).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/**
 * The certificates the clerk issued, newest first. Pages follow the clerk's applications, so a
 * page may hold fewer certificates than `limit` (applications that are not certificates).
 */
export async function listCertificates(deps: Deps, { actor, query }: { actor: Actor; query: z.input<typeof listCertificatesQuery> }): Promise<Page<CertificateSummary>> {
  const { cursor, limit } = parseInput(listCertificatesQuery, query);
  const scopes = scopesFor(actor, 'certificate.issue');
  if (scopes.length === 0) return { items: [], next: null };
  return deps.uow.read(async (tx) => {
    const apps = await tx.applications.list({ scopes, mineUserId: actor.userId, limit, ...(cursor ? { cursor } : {}) });
    const items: CertificateSummary[] = [];
    for (const app of apps.items) {
      const c = await tx.certificates.byApplication(app.id);
      if (!c) continue;
      const { fieldsEnc: _enc, ...rest } = c;
      items.push({ ...rest, status: app.status, onBehalfOfName: app.onBehalfOfName });
    }
    return { items, next: apps.next };
  });
}
