import {
  AppError, checkCertificate, draftCertificate, getCertificate, issueCertificate, issueCertificateInput, listCertificates, listCertificatesQuery,
  listCertificateTemplates, listCertificateTemplatesQuery, normalizeVerifyCode, setCertificateTemplate, setCertificateTemplateInput,
  type Actor, type Application, type BlobStore, type Certificate, type Deps, type IssueCertificateInput,
} from '@cunzhang/core';
import { documents } from '../documents.js';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { AppContext } from '../context.js';
import { announce } from './applications.js';
import { renderCheckPage, renderLookupPage, renderNotFoundPage } from '../public-page.js';
import { commonErrors, errorSchema, idParams, pageOf } from '../schemas.js';
import { requireAuth } from '../session.js';
import { intakeUpload, photoBlobs, withStagedBlobs } from '../uploads.js';

/** Public check requests one address may make a minute (QR scans are a handful; guessing is not). */
export const PUBLIC_CHECK_RATE_PER_MINUTE = 30;

/** Printed at the foot of every certificate. */
const FOOTER = '本证明须加盖村(居)民委员会印章方为有效，涂改无效。';

const fieldSchema = z.object({
  key: z.string(), labelZh: z.string(), labelEn: z.string(), kind: z.string(), required: z.boolean(), maxLength: z.number(),
  options: z.array(z.string()).optional(), hintZh: z.string().optional(),
});
const templateSchema = z.object({
  code: z.string(), townCode: z.string().nullable(), nameZh: z.string(), nameEn: z.string(), matterCode: z.string(),
  fields: z.array(fieldSchema), body: z.string(), enabled: z.boolean(), updatedAt: z.string(),
});
const certificateSchema = z.object({
  id: z.string(), verifyCode: z.string(), title: z.string(), orgCode: z.string(), applicationId: z.string(), issuedAt: z.string(),
});
const summarySchema = certificateSchema.extend({
  templateCode: z.string(), sealId: z.string(), clerkUserId: z.string(), pdfKey: z.string(), status: z.string(), onBehalfOfName: z.string().nullable(),
});
const publicSchema = z.object({
  verifyCode: z.string(), title: z.string(), issuer: z.string(), villageName: z.string(), sealName: z.string(), issuedAt: z.string(),
  issuedDate: z.string(), status: z.string(), statusZh: z.string(), genuine: z.boolean(),
});
const codeParams = z.strictObject({ code: z.string().max(100) });

/** The address the QR code points at: the configured public address, or the one the request came to. */
export const verifyBaseOf = (config: Readonly<Config>, req: FastifyRequest): string => config.publicUrl ?? `${req.protocol}://${req.host}`;

export interface CertificateEdge {
  deps: Deps;
  blobs: BlobStore;
  config: Readonly<Config>;
}

/**
 * 开具证明 at the edge: the use case drafts and checks; the PDF is rendered, page 1 rasterised
 * and taken in like a photographed page; the PDF, page image and thumbnail are stored; then one
 * transaction files the stamping application and records the certificate. When that refuses,
 * the blobs stored here are removed again.
 */
export async function issueCertificateDocument(
  { deps, blobs, config }: CertificateEdge,
  { actor, input, verifyBase }: { actor: Actor; input: IssueCertificateInput; verifyBase: string },
): Promise<{ certificate: Certificate; application: Application; pdf: Uint8Array }> {
  const { rasterizePdfPage, renderCertificatePdf, CertificateTooLongError, UnprintableCharactersError } = await documents();
  for (let attempt = 1; ; attempt += 1) {
    const draft = await draftCertificate(deps, { actor, input });
    let pdf: Uint8Array;
    try {
      pdf = await renderCertificatePdf({
        title: draft.title, body: draft.body, issuer: draft.issuer, date: draft.date, serialNo: draft.serialNo,
        verifyCode: draft.verifyCode, verifyUrl: `${verifyBase}/v/${draft.verifyCode}`, footerNote: FOOTER, createdAt: deps.clock.now(),
      });
    } catch (e) {
      throw printingProblem(e, input, { CertificateTooLongError, UnprintableCharactersError });
    }
    const png = await rasterizePdfPage(pdf, { dpi: 150 });
    const page = await intakeUpload({ field: 'fields', filename: 'page-1.png', bytes: png }, config, 'the rendered certificate');
    try {
      const issued = await withStagedBlobs(blobs, [{ bytes: pdf, contentType: 'application/pdf' }, ...photoBlobs(page)], ([pdfKey, blobKey, thumbKey]) =>
        issueCertificate(deps, { actor, input, draft, rendered: { pdfKey: pdfKey!, page: { blobKey: blobKey!, thumbKey: thumbKey!, sm3: page.sm3, phash: page.phash } } }));
      return { ...issued, pdf };
    } catch (e) {
      // The verification code was taken between drafting and issuing: draw a new one.
      if (e instanceof AppError && e.field === 'verifyCode' && attempt < 3) continue;
      throw e;
    }
  }
}

/** A certificate the font cannot print, or that does not fit one page, is the clerk's to correct. */
function printingProblem(
  e: unknown, input: IssueCertificateInput,
  { CertificateTooLongError, UnprintableCharactersError }: Pick<Awaited<ReturnType<typeof documents>>, 'CertificateTooLongError' | 'UnprintableCharactersError'>,
): unknown {
  if (e instanceof UnprintableCharactersError) {
    const key = Object.entries(input.fields).find(([, v]) => e.characters.some((ch) => String(v).includes(ch)))?.[0];
    const field = key ? `fields.${key}` : 'fields';
    return new AppError('VALIDATION', `${field}: the characters ${e.characters.join(' ')} cannot be printed; write them differently or by hand on a printed form`, {
      field, details: { characters: e.characters },
    });
  }
  if (e instanceof CertificateTooLongError) return new AppError('VALIDATION', 'fields: the certificate text is too long for one A4 page; shorten the longest fields', { field: 'fields' });
  return e;
}

const asciiName = (id: string): string => `certificate-${id.replace(/[^A-Za-z0-9]/g, '')}.pdf`;

export const certificateRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const { deps, blobs, config } = ctx;
  const tags = ['certificates'];

  app.get('/api/certificate-templates', {
    schema: { tags, summary: 'The certificate templates of a town: defaults merged with its own', querystring: listCertificateTemplatesQuery, response: { 200: z.array(templateSchema), ...commonErrors } },
  }, async (req) => listCertificateTemplates(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));

  app.put('/api/certificate-templates', {
    schema: { tags, summary: 'Add or change a certificate template of a town (station officer, town leader)', body: setCertificateTemplateInput, response: { 200: templateSchema, ...commonErrors, 422: errorSchema } },
  }, async (req) => setCertificateTemplate(deps, { actor: (await requireAuth(deps, req)).actor, input: req.body }));

  app.post('/api/certificates', {
    schema: {
      tags, summary: 'Issue a certificate at the service point: fills the template, renders the A4 PDF and files its stamping application',
      body: issueCertificateInput, response: { 201: z.object({ certificate: certificateSchema, pdfUrl: z.string() }), ...commonErrors, 409: errorSchema, 422: errorSchema },
    },
  }, async (req, reply) => {
    const { actor } = await requireAuth(deps, req);
    const { certificate: c, application } = await issueCertificateDocument({ deps, blobs, config }, { actor, input: req.body, verifyBase: verifyBaseOf(config, req) });
    await announce(ctx, 'submitted', application);
    return reply.status(201).send({
      certificate: { id: c.id, verifyCode: c.verifyCode, title: c.title, orgCode: c.orgCode, applicationId: c.applicationId, issuedAt: c.issuedAt },
      pdfUrl: `/api/certificates/${c.id}/pdf`,
    });
  });

  app.get('/api/certificates', {
    schema: { tags, summary: 'Certificates the clerk issued, newest first', querystring: listCertificatesQuery, response: { 200: pageOf(summarySchema), ...commonErrors } },
  }, async (req) => listCertificates(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));

  app.get('/api/certificates/:id/pdf', {
    schema: { tags, summary: 'The certificate as issued (A4 PDF), for its clerk and those who read its village\'s applications', params: idParams, produces: ['application/pdf'] },
  }, async (req, reply) => {
    const c = await getCertificate(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id });
    const bytes = await blobs.get(c.pdfKey);
    if (!bytes) throw new AppError('NOT_FOUND', `the PDF of certificate ${c.id} is missing from the file store`, { field: 'id' });
    const name = `${c.title}-${c.verifyCode}.pdf`;
    reply.header('content-type', 'application/pdf');
    reply.header('content-disposition', `inline; filename="${asciiName(c.id)}"; filename*=UTF-8''${encodeURIComponent(name)}`);
    reply.header('cache-control', 'private, no-cache');
    reply.header('x-content-type-options', 'nosniff');
    return reply.send(bytes);
  });

  // The public check: no login, rate-limited per address, no personal data in the answer.
  const rateLimit = { max: PUBLIC_CHECK_RATE_PER_MINUTE, timeWindow: '1 minute' };
  app.get('/api/public/certificates/:code', {
    config: { rateLimit },
    schema: { tags, summary: 'Check a certificate by its verification code (public, no login): the redacted record', params: codeParams, security: [], response: { 200: publicSchema, 404: errorSchema, 429: errorSchema } },
  }, async (req, reply) => {
    const r = await checkCertificate(deps, { code: req.params.code });
    reply.header('cache-control', 'no-store');
    if (!r) throw new AppError('NOT_FOUND', 'no certificate has this verification code: check the code (未找到该证明：请核对验证码)', { field: 'code' });
    return r;
  });

  app.get('/v/:code', { config: { rateLimit }, schema: { hide: true, params: codeParams } }, async (req, reply) => {
    const r = await checkCertificate(deps, { code: req.params.code });
    reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex').type('text/html; charset=utf-8');
    return r ? reply.send(renderCheckPage(r)) : reply.status(404).send(renderNotFoundPage(req.params.code));
  });

  // The form on the page submits here; a typed code goes to its own address.
  app.get('/v', { config: { rateLimit }, schema: { hide: true, querystring: z.object({ code: z.string().max(100).optional() }) } }, async (req, reply) => {
    const typed = req.query.code?.trim();
    if (typed) return reply.redirect(`/v/${encodeURIComponent(normalizeVerifyCode(typed) ?? typed)}`, 303);
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
    return reply.send(renderLookupPage());
  });
};
