import {
  AppError, applyOptions, createDelegation, createDelegationInput, endDelegation, decideApplication, decideApplicationInput, delegationCandidatesQuery,
  getApplication, listApplications, listApplicationsQuery, listDelegationCandidates, listDelegations, loadApplication,
  revokeAuthorization, revokeAuthorizationInput, submitApplication, submitApplicationFields, withdrawApplication,
  type Application, type ApplicationView, type Deps,
} from '@cunzhang/core';
import type { IntakeResult } from '@cunzhang/media';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { audienceOf, liveEvent, type LiveEventType } from '../live.js';
import { commonErrors, errorSchema, idParams, pageOf } from '../schemas.js';
import { requireAuth } from '../session.js';
import { intakeUpload, photoBlobs, readMultipart, withStagedBlobs, type StagedBlob } from '../uploads.js';

const pageSchema = z.object({ pageNo: z.number(), sm3: z.string(), phash: z.string(), thumbUrl: z.string(), photoUrl: z.string() });
const viewSchema = z.object({
  id: z.string(), sealId: z.string(), sealName: z.string(), orgCode: z.string(), orgName: z.string(), matterCode: z.string(), matterName: z.string(),
  route: z.string(), reason: z.string(), documentTitle: z.string(), copies: z.number(), impressions: z.number(), applicantUserId: z.string(),
  applicantName: z.string(), onBehalfOfName: z.string().nullable(), clerkUserId: z.string().nullable(), contractWords: z.array(z.string()),
  hasResolution: z.boolean(), status: z.string(), decidedBy: z.string().nullable(), decidedByName: z.string().nullable(),
  decidedForUserId: z.string().nullable(), decidedForName: z.string().nullable(), decidedAt: z.string().nullable(), opinion: z.string().nullable(),
  pages: z.array(pageSchema), remindedAt: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(), expiresAt: z.string(), version: z.number(),
});
const authorizationSchema = z.object({
  id: z.string(), applicationId: z.string(), sealId: z.string(), deviceId: z.string().nullable(), impressionsAllowed: z.number(), impressionsUsed: z.number(),
  validFrom: z.string(), validUntil: z.string(), status: z.string(), revokedAt: z.string().nullable(),
  pages: z.array(z.object({ pageNo: z.number(), sm3: z.string(), phash: z.string() })), createdAt: z.string(), version: z.number(),
});
const stampingSchema = z.object({
  id: z.string(), source: z.string(), impressions: z.number(), stampedAt: z.string(), operatorUserId: z.string().nullable(), operatorName: z.string().nullable(),
  deviceId: z.string().nullable(), latitude: z.number().nullable(), longitude: z.number().nullable(), sm3: z.string().nullable(),
  matchedPageNo: z.number().nullable(), phashDistance: z.number().nullable(), note: z.string().nullable(), photoUrl: z.string().nullable(), thumbUrl: z.string().nullable(),
  beforeUrl: z.string().nullable(), deviceSeq: z.number().nullable(), receivedAt: z.string().nullable(), flags: z.array(z.string()),
});
const detailSchema = z.object({
  application: viewSchema,
  seal: z.object({ id: z.string(), name: z.string(), typeCode: z.string(), deviceId: z.string().nullable(), keeperName: z.string().nullable() }),
  authorization: authorizationSchema.nullable(), stampings: z.array(stampingSchema),
  history: z.array(z.object({ seq: z.number(), at: z.string(), action: z.string(), actorName: z.string().nullable(), after: z.unknown() })),
  actions: z.array(z.enum(['approve', 'reject', 'withdraw', 'revoke', 'record_stamping'])),
});
const delegationSchema = z.object({
  id: z.string(), approverUserId: z.string(), deputyUserId: z.string(), orgCode: z.string(), validFrom: z.string(), validUntil: z.string(), createdAt: z.string(),
});
const stepErrors = { ...commonErrors, 409: errorSchema, 422: errorSchema };
const sizeQuery = z.strictObject({ size: z.enum(['thumb', 'full']).default('full') });

/** The details part of a new application: everything but the photographed pages, which come as files. */
const applyData = submitApplicationFields.omit({ pages: true, resolutionBlob: true });

const withUrls = (v: ApplicationView) => ({
  ...v,
  pages: v.pages.map((p) => ({ ...p, thumbUrl: `/api/applications/${v.id}/pages/${p.pageNo}?size=thumb`, photoUrl: `/api/applications/${v.id}/pages/${p.pageNo}` })),
});

/** Tells the people an application concerns that it changed (after the change committed). */
export async function announce(ctx: Pick<AppContext, 'deps' | 'live' | 'metrics'>, type: LiveEventType, app: Application, opts: { exceptUserIds?: string[]; alsoUserIds?: string[]; count?: boolean } = {}): Promise<void> {
  const at = ctx.deps.clock.now().toISOString();
  if (opts.count !== false) ctx.metrics.applications.inc({ event: type });
  const ids = [...await ctx.deps.uow.read((tx) => audienceOf(tx, app, at)), ...(opts.alsoUserIds ?? [])];
  ctx.live.publish(liveEvent(type, app, at), ids.filter((id) => !opts.exceptUserIds?.includes(id)));
}

async function viewOf(deps: Deps, actorReq: Parameters<typeof getApplication>[1]) {
  const d = await getApplication(deps, actorReq);
  return {
    ...d,
    application: withUrls(d.application),
    stampings: d.stampings.map((s) => ({
      ...s,
      photoUrl: s.photoKey ? `/api/applications/${d.application.id}/stampings/${s.id}/photo` : null,
      thumbUrl: s.thumbKey ? `/api/applications/${d.application.id}/stampings/${s.id}/photo?size=thumb` : null,
      // A device's photo of the page before the impression (device stampings only).
      beforeUrl: s.beforeKey ? `/api/applications/${d.application.id}/stampings/${s.id}/photo?which=before` : null,
    })),
  };
}

/** Seal-use applications on the phone: apply with photos, the inbox, decisions, the keeper's queue. */
export const applicationRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const { deps, blobs, config } = ctx;
  const tags = ['applications'];

  app.get('/api/apply-options', {
    schema: {
      tags, summary: 'What the apply screen offers this person: seals, matters of the town, limits',
      response: {
        200: z.object({
          seals: z.array(z.object({ id: z.string(), name: z.string(), orgCode: z.string(), orgName: z.string(), typeCode: z.string() })),
          matters: z.array(z.object({ code: z.string(), nameZh: z.string(), nameEn: z.string(), route: z.string() })),
          contractWords: z.array(z.string()),
          limits: z.object({ maxPages: z.number(), maxImpressions: z.number(), maxPhotoBytes: z.number(), maxPhotoPixels: z.number() }),
        }),
        ...commonErrors,
      },
    },
  }, async (req) => {
    const options = await applyOptions(deps, { actor: (await requireAuth(deps, req)).actor });
    return { ...options, contractWords: [...options.contractWords], limits: { maxPages: config.maxPages, maxImpressions: config.maxImpressions, maxPhotoBytes: config.uploadLimitBytes, maxPhotoPixels: config.maxPhotoPixels } };
  });

  app.post('/api/applications', {
    schema: {
      tags, consumes: ['multipart/form-data'],
      summary: 'Apply to use a seal: multipart with a JSON field "data" (sealId, matterCode, reason, documentTitle, copies, impressions, onBehalfOfName?) and one file "page" per photographed page, in order (JPEG, PNG or HEIC); optional file "resolution" (the meeting resolution)',
      response: { 201: viewSchema, 413: errorSchema, ...stepErrors },
    },
  }, async (req, reply) => {
    const { actor } = await requireAuth(deps, req);
    const { data, files } = await readMultipart(req, { maxFiles: config.maxPages + 1, maxBytes: config.uploadLimitBytes, maxTotalBytes: config.uploadTotalLimitBytes });
    const details = applyData.safeParse(data);
    if (!details.success) {
      const issue = details.error.issues[0]!;
      const field = issue.path.join('.');
      throw new AppError('VALIDATION', `${field ? `${field}: ` : ''}${issue.message}`, { field: field || 'data' });
    }
    const unknownFile = files.find((f) => f.field !== 'page' && f.field !== 'resolution');
    if (unknownFile) throw new AppError('VALIDATION', `unknown file field ${unknownFile.field}: send pages as "page" and the resolution as "resolution"`, { field: unknownFile.field });
    const pageFiles = files.filter((f) => f.field === 'page');
    const resolutions = files.filter((f) => f.field === 'resolution');
    if (pageFiles.length === 0) throw new AppError('VALIDATION', 'photograph every page to be stamped: at least one file "page" (严禁空白盖章)', { field: 'page' });
    if (pageFiles.length > config.maxPages) throw new AppError('TOO_LARGE', `pages: at most ${config.maxPages} per application, got ${pageFiles.length}`, { field: 'page' });
    if (resolutions.length > 1) throw new AppError('VALIDATION', 'one resolution file at most', { field: 'resolution' });
    // Every photo is checked and cleaned before anything is stored.
    const pages: IntakeResult[] = [];
    for (const [i, f] of pageFiles.entries()) pages.push(await intakeUpload(f, config, `page ${i + 1}`));
    const resolution = resolutions[0] ? await intakeUpload(resolutions[0], config, 'resolution') : null;
    const staged: StagedBlob[] = [...pages.flatMap(photoBlobs), ...(resolution ? [{ bytes: resolution.stored, contentType: resolution.contentType }] : [])];
    const created = await withStagedBlobs(blobs, staged, (keys) => submitApplication(deps, {
      actor,
      input: {
        ...details.data,
        pages: pages.map((p, i) => ({ blobKey: keys[i * 2]!, thumbKey: keys[i * 2 + 1]!, sm3: p.sm3, phash: p.phash })),
        ...(resolution ? { resolutionBlob: keys[pages.length * 2]! } : {}),
      },
    }));
    await announce(ctx, 'submitted', created);
    return reply.status(201).send(withUrls((await getApplication(deps, { actor, id: created.id })).application));
  });

  app.get('/api/applications', {
    schema: { tags, summary: 'My applications (mine), those I may decide now (inbox), or approved ones of seals I keep (queue)', querystring: listApplicationsQuery, response: { 200: pageOf(viewSchema), ...commonErrors } },
  }, async (req) => {
    const page = await listApplications(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query });
    return { items: page.items.map(withUrls), next: page.next };
  });

  app.get('/api/applications/:id', { schema: { tags, summary: 'An application with its authorization, stampings, history and the actions open to me', params: idParams, response: { 200: detailSchema, ...commonErrors } } },
    async (req) => viewOf(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id }));

  app.post('/api/applications/:id/decision', {
    schema: { tags, summary: 'Approve (creating the authorization) or reject, with an opinion', params: idParams, body: decideApplicationInput, response: { 200: z.object({ application: viewSchema, authorization: authorizationSchema.nullable() }), ...stepErrors } },
  }, async (req) => {
    const { actor } = await requireAuth(deps, req);
    const { application, authorization } = await decideApplication(deps, { actor, id: req.params.id, input: req.body });
    await announce(ctx, application.status === 'approved' ? 'approved' : 'rejected', application);
    return { application: withUrls((await getApplication(deps, { actor, id: application.id })).application), authorization };
  });

  app.post('/api/applications/:id/withdraw', { schema: { tags, summary: 'Withdraw my pending application', params: idParams, response: { 200: viewSchema, ...stepErrors } } }, async (req) => {
    const { actor } = await requireAuth(deps, req);
    const updated = await withdrawApplication(deps, { actor, id: req.params.id });
    await announce(ctx, 'withdrawn', updated);
    return withUrls((await getApplication(deps, { actor, id: updated.id })).application);
  });

  app.post('/api/applications/:id/revoke', {
    schema: { tags, summary: 'Revoke the authorization of an approved application before any impression', params: idParams, body: revokeAuthorizationInput, response: { 200: authorizationSchema, ...stepErrors } },
  }, async (req) => {
    const { actor } = await requireAuth(deps, req);
    const auth = await revokeAuthorization(deps, { actor, id: req.params.id, input: req.body });
    const updated = await deps.uow.read((tx) => tx.applications.get(req.params.id));
    if (updated) await announce(ctx, 'revoked', updated);
    return auth;
  });

  // Images are served only to those who may read the application.
  const sendBlob = async (reply: FastifyReply, key: string | null, what: string) => {
    const bytes = key ? await blobs.get(key) : null;
    if (!key || !bytes) throw new AppError('NOT_FOUND', `${what} not found`);
    reply.header('content-type', (await blobs.contentType(key)) ?? 'application/octet-stream');
    reply.header('cache-control', 'private, max-age=86400');
    reply.header('x-content-type-options', 'nosniff');
    return reply.send(bytes);
  };
  const readable = async (req: FastifyRequest, id: string) => {
    const { actor } = await requireAuth(deps, req);
    return deps.uow.read((tx) => loadApplication(tx, actor, id));
  };
  app.get('/api/applications/:id/pages/:pageNo', {
    schema: { tags, summary: 'A photographed page (full size or thumbnail)', params: z.strictObject({ id: z.string().min(1).max(40), pageNo: z.coerce.number().int().min(1).max(1000) }), querystring: sizeQuery },
  }, async (req, reply) => {
    const a = await readable(req, req.params.id);
    const p = a.pages.find((x) => x.pageNo === req.params.pageNo);
    return sendBlob(reply, p ? (req.query.size === 'thumb' ? p.thumbKey : p.blobKey) : null, `page ${req.params.pageNo}`);
  });
  app.get('/api/applications/:id/resolution', { schema: { tags, summary: 'The attached meeting resolution', params: idParams } }, async (req, reply) => {
    const a = await readable(req, req.params.id);
    return sendBlob(reply, a.resolutionBlob, 'resolution');
  });
  app.get('/api/applications/:id/stampings/:stampingId/photo', {
    schema: {
      tags, summary: 'The photo of a stamped page (full size or thumbnail); for a device, also its photo before the impression (which=before). 404 until a device has uploaded it',
      params: z.strictObject({ id: z.string().min(1).max(40), stampingId: z.string().min(1).max(40) }),
      querystring: sizeQuery.extend({ which: z.enum(['after', 'before']).default('after') }),
    },
  }, async (req, reply) => {
    await readable(req, req.params.id);
    const s = (await deps.uow.read((tx) => tx.stampings.forApplication(req.params.id))).find((x) => x.id === req.params.stampingId);
    if (s && req.query.which === 'before') {
      const before = s.beforeKey ? await deps.uow.read((tx) => tx.devices.photo(s.beforeKey!)) : null;
      return sendBlob(reply, req.query.size === 'thumb' ? (before?.thumbKey ?? null) : s.beforeKey, `stamping ${req.params.stampingId} (before)`);
    }
    return sendBlob(reply, s ? (req.query.size === 'thumb' ? s.thumbKey : s.photoKey) : null, `stamping ${req.params.stampingId}`);
  });

  app.get('/api/delegation-candidates', { schema: { tags, summary: 'Who an approver may name as deputy for a village', querystring: delegationCandidatesQuery, response: { 200: z.array(z.object({ id: z.string(), name: z.string() })), ...commonErrors } } },
    async (req) => listDelegationCandidates(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));
  app.get('/api/delegations', {
    schema: { tags, summary: 'Delegations not yet ended (now or later) that I gave or received', response: { 200: z.object({ given: z.array(delegationSchema.extend({ approverName: z.string(), deputyName: z.string() })), received: z.array(delegationSchema.extend({ approverName: z.string(), deputyName: z.string() })) }), ...commonErrors } },
  }, async (req) => listDelegations(deps, { actor: (await requireAuth(deps, req)).actor }));
  app.post('/api/delegations', { schema: { tags, summary: 'Name a deputy who decides for me in a village during a period', body: createDelegationInput, response: { 201: delegationSchema, ...stepErrors } } },
    async (req, reply) => reply.status(201).send(await createDelegation(deps, { actor: (await requireAuth(deps, req)).actor, input: req.body })));
  app.delete('/api/delegations/:id', { schema: { tags, summary: 'End (or cancel) a delegation I gave', params: idParams, response: { 200: delegationSchema, ...stepErrors } } },
    async (req) => endDelegation(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id }));
};
