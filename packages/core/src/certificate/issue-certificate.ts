import { z } from 'zod';
import { record } from '../audit/record.js';
import { requirePermission, type Actor } from '../auth/actor.js';
import type { Application } from '../application/records.js';
import { fileApplication } from '../application/submit-application.js';
import { AppError, notFound } from '../errors.js';
import { isWithin, levelOf, townOf } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import { committeeName } from '../seal/seal-name.js';
import { isUsable, type Seal } from '../seal/seal.js';
import { localDate } from '../time/day-window.js';
import { parseInput } from '../validate.js';
import { effectiveTemplates } from './certificate-templates.js';
import type { Certificate, CertificateTemplate } from './records.js';
import { fillTemplate, type FilledCertificate } from './templates.js';
import { newVerifyCode, normalizeVerifyCode } from './verify-code.js';

export const issueCertificateInput = z.strictObject({
  templateCode: z.string().min(1).max(40),
  /** The village committee seal (村(居)民委员会印章) of the clerk's village that will stamp it. */
  sealId: z.string().min(1).max(40),
  /** The villager the certificate is for, as entered in the ledger. */
  onBehalfOfName: z.string().trim().min(1).max(50),
  /** The template's fields by key; checked by the template (kind, length, required). */
  fields: z.record(z.string().max(40), z.union([z.string().max(4000), z.number()])),
  /** Printed copies; each needs one impression. */
  copies: z.number().int().min(1).max(20).optional(),
});
export type IssueCertificateInput = z.input<typeof issueCertificateInput>;

/**
 * Everything the edge needs to render the certificate before it is issued. Issuing checks the
 * same input again inside its transaction, and refuses when the text no longer matches.
 */
export interface CertificateDraft {
  certificateId: string;
  /** Dashed form, ABCD-EFGH-JKLM; not used by any certificate when drafted. */
  verifyCode: string;
  templateCode: string;
  title: string;
  body: string;
  /** The committee as it signs: 宁阳县鹤山镇前鹤山村民委员会. */
  issuer: string;
  /** Issue date as printed: 2026年11月27日 (local day). */
  date: string;
  /** 编号 printed on the certificate: the certificate's id. */
  serialNo: string;
  orgCode: string;
  sealId: string;
  sealName: string;
  matterCode: string;
}

/** The rendered certificate as stored by the edge: the PDF and the page image to approve. */
export interface RenderedCertificate {
  pdfKey: string;
  /** Page 1 rasterised and taken in like a photographed page (stored, thumbnailed, fingerprinted). */
  page: { blobKey: string; thumbKey: string; sm3: string; phash: string };
}

const renderedSchema = z.strictObject({
  pdfKey: z.string().regex(/^[0-9a-f]{64}$/),
  page: z.strictObject({ blobKey: z.string(), thumbKey: z.string(), sm3: z.string(), phash: z.string() }),
});

interface Prepared {
  seal: Seal;
  template: CertificateTemplate;
  filled: FilledCertificate;
  issuer: string;
}

/** The checks drafting and issuing share: who, which seal, which template, which values. */
async function prepare(tx: Tx, actor: Actor, input: z.output<typeof issueCertificateInput>): Promise<Prepared> {
  const seal = await tx.seals.get(input.sealId);
  // Seals outside the actor's units do not exist for them.
  if (!seal || !actor.grants.some((g) => isWithin(seal.orgCode, g.orgCode))) throw notFound('seal', input.sealId);
  requirePermission(actor, 'certificate.issue', seal.orgCode);
  if (seal.typeCode !== 'village_committee') {
    throw new AppError('RULE_VIOLATION', 'sealId: a certificate is stamped with the village committee seal (村(居)民委员会印章), not this seal', { field: 'sealId' });
  }
  if (levelOf(seal.orgCode) !== 'village') throw new AppError('RULE_VIOLATION', 'sealId: the seal does not belong to a village', { field: 'sealId' });
  if (!isUsable(seal.status)) throw new AppError('RULE_VIOLATION', `sealId: the seal is ${seal.status}: it is not in use`, { field: 'sealId' });
  const town = townOf(seal.orgCode)!;
  const template = (await effectiveTemplates(tx, town)).find((x) => x.code === input.templateCode);
  if (!template) throw new AppError('VALIDATION', `templateCode: the town has no certificate template ${input.templateCode}`, { field: 'templateCode' });
  if (!template.enabled) throw new AppError('VALIDATION', `templateCode: the template ${template.nameZh} is not in use in this town`, { field: 'templateCode' });
  const filled = fillTemplate(template, input.fields);
  const [village, townUnit, county] = await Promise.all([tx.orgs.get(seal.orgCode), tx.orgs.get(town), tx.orgs.get(town.slice(0, 6))]);
  const issuer = `${county?.name ?? ''}${townUnit?.name ?? ''}${committeeName(village?.name ?? seal.name)}`;
  return { seal, template, filled, issuer };
}

const printedDate = (at: Date, tz: string): string => {
  const [y, m, d] = localDate(at, tz).split('-').map(Number);
  return `${y}年${m}月${d}日`;
};

/**
 * 开具证明, step 1: checks the clerk's request and fills the template, and picks an unused
 * verification code. Stores nothing; the edge renders the PDF from the draft.
 */
export async function draftCertificate(deps: Deps, { actor, input: raw }: { actor: Actor; input: IssueCertificateInput }): Promise<CertificateDraft> {
  const input = parseInput(issueCertificateInput, raw);
  return deps.uow.read(async (tx) => {
    const p = await prepare(tx, actor, input);
    let verifyCode = newVerifyCode(deps.ids);
    // 60 random bits make a collision all but impossible; should one happen, draw again.
    for (let attempt = 1; await tx.certificates.byVerifyCode(verifyCode); attempt += 1) {
      if (attempt >= 5) throw new AppError('CONFLICT', 'could not find an unused verification code; try again');
      verifyCode = newVerifyCode(deps.ids);
    }
    const certificateId = deps.ids.next();
    return {
      certificateId, verifyCode, templateCode: p.template.code, title: p.filled.title, body: p.filled.body, issuer: p.issuer,
      date: printedDate(deps.clock.now(), deps.policy.timeZone), serialNo: certificateId, orgCode: p.seal.orgCode, sealId: p.seal.id,
      sealName: p.seal.name, matterCode: p.template.matterCode,
    };
  });
}

/**
 * 开具证明, step 2, one transaction: checks everything again, files the application to stamp
 * the certificate (routed by the template's matter, the rendered page as its page) and records
 * the certificate with its fields encrypted. Nothing is stored when any check fails.
 */
export async function issueCertificate(
  deps: Deps,
  { actor, input: raw, draft, rendered: renderedRaw }: { actor: Actor; input: IssueCertificateInput; draft: CertificateDraft; rendered: RenderedCertificate },
): Promise<{ certificate: Certificate; application: Application }> {
  const input = parseInput(issueCertificateInput, raw);
  const rendered = parseInput(renderedSchema, renderedRaw);
  if (normalizeVerifyCode(draft.verifyCode) !== draft.verifyCode) throw new AppError('VALIDATION', 'verifyCode: not a verification code', { field: 'verifyCode' });
  return deps.uow.write(async (tx) => {
    const p = await prepare(tx, actor, input);
    if (p.seal.id !== draft.sealId || p.template.code !== draft.templateCode || p.filled.title !== draft.title || p.filled.body !== draft.body || p.issuer !== draft.issuer) {
      throw new AppError('CONFLICT', 'the certificate changed after it was drafted (template or seal changed meanwhile); fill it in again');
    }
    if (await tx.certificates.byVerifyCode(draft.verifyCode)) throw new AppError('CONFLICT', 'verifyCode: the verification code was taken meanwhile; issue it again', { field: 'verifyCode' });
    const copies = input.copies ?? 1;
    const application = await fileApplication(tx, deps, actor, {
      sealId: p.seal.id, matterCode: p.template.matterCode, reason: `为村民${input.onBehalfOfName}开具${p.filled.title}`,
      documentTitle: p.filled.title, copies, impressions: copies, pages: [rendered.page], onBehalfOfName: input.onBehalfOfName,
    });
    const certificate: Certificate = {
      id: draft.certificateId, verifyCode: draft.verifyCode, templateCode: p.template.code, title: p.filled.title, orgCode: p.seal.orgCode,
      sealId: p.seal.id, applicationId: application.id, clerkUserId: actor.userId,
      fieldsEnc: deps.cipher.encrypt(JSON.stringify(p.filled.values)), pdfKey: rendered.pdfKey, issuedAt: deps.clock.now().toISOString(),
    };
    await tx.certificates.insert(certificate);
    await record(tx, deps, actor, {
      action: 'CERTIFICATE_ISSUED', targetType: 'certificate', targetId: certificate.id, orgCode: certificate.orgCode, before: null,
      // The values themselves stay out of the trail (personal data); the PDF's key fixes them.
      after: {
        verifyCode: certificate.verifyCode, templateCode: certificate.templateCode, title: certificate.title, sealId: certificate.sealId,
        applicationId: application.id, pdfKey: certificate.pdfKey, pageSm3: rendered.page.sm3, fields: Object.keys(p.filled.values),
      },
    });
    return { certificate, application };
  });
}
