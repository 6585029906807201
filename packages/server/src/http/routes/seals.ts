import {
  AppError, createSealType, createSealTypeInput, getSeal, handOverInput, handOverSeal, issueSeal, issueSealInput, listSeals,
  listSealCandidates, listSealsQuery, listSealTypes, sealCandidatesQuery, requirePermission, transitionInputs, transitionSeal, updateSeal, updateSealInput, type TransitionAction,
} from '@cunzhang/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { auditEntrySchema, commonErrors, errorSchema, idParams, pageOf, sealSchema } from '../schemas.js';
import { requireAuth } from '../session.js';

const sealTypeSchema = z.object({ code: z.string(), nameZh: z.string(), nameEn: z.string(), custody: z.enum(['village', 'station']), builtin: z.boolean() });
const slipSchema = z.object({
  id: z.string(), sealId: z.string(), giverUserId: z.string().nullable(), giverName: z.string(), receiverUserId: z.string(),
  receiverName: z.string(), witnessName: z.string(), handedAt: z.string(), note: z.string(), impressionBlob: z.string().nullable(),
});
const detailSchema = z.object({
  seal: sealSchema, orgName: z.string(), type: sealTypeSchema.nullable(), keeperName: z.string().nullable(), approverNames: z.array(z.string()),
  handovers: z.array(slipSchema), history: z.array(auditEntrySchema), actions: z.array(z.string()),
});
const stepErrors = { ...commonErrors, 409: errorSchema, 422: errorSchema };

/** Image types accepted for an impression (印模) scan, by their leading bytes. */
function imageType(b: Buffer): string | null {
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

export const sealRoutes = ({ deps, blobs }: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['seals'];
  app.get('/api/seal-types', { schema: { tags, summary: 'Seal types (built-in and configured)', response: { 200: z.array(sealTypeSchema), ...commonErrors } } }, async (req) => {
    await requireAuth(deps, req);
    return listSealTypes(deps);
  });
  app.post('/api/seal-types', { schema: { tags, summary: 'Add a seal type (system administrator)', body: createSealTypeInput, response: { 201: sealTypeSchema, ...stepErrors } } },
    async (req, reply) => reply.status(201).send(await createSealType(deps, { actor: (await requireAuth(deps, req)).actor, input: req.body })));

  app.get('/api/seals', { schema: { tags, summary: 'The seal registry, keyset-paginated', querystring: listSealsQuery, response: { 200: pageOf(sealSchema), ...commonErrors } } },
    async (req) => listSeals(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));
  app.get('/api/seal-candidates', {
    schema: {
      tags, summary: 'People who may keep or approve a seal of a type for a village unit (for seal managers)', querystring: sealCandidatesQuery,
      response: { 200: z.array(z.object({ id: z.string(), name: z.string(), phoneMasked: z.string(), roles: z.array(z.object({ role: z.string(), orgCode: z.string() })) })), ...commonErrors },
    },
  }, async (req) => listSealCandidates(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));
  app.post('/api/seals', { schema: { tags, summary: 'Issue (制发) a seal for a village unit', body: issueSealInput, response: { 201: sealSchema, ...stepErrors } } },
    async (req, reply) => reply.status(201).send(await issueSeal(deps, { actor: (await requireAuth(deps, req)).actor, input: req.body })));
  app.get('/api/seals/:id', { schema: { tags, summary: 'A seal with its handover slips and history', params: idParams, response: { 200: detailSchema, ...commonErrors } } },
    async (req) => getSeal(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id }));
  app.patch('/api/seals/:id', { schema: { tags, summary: 'Change the master record', params: idParams, body: updateSealInput, response: { 200: sealSchema, ...stepErrors } } },
    async (req) => updateSeal(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id, input: req.body }));

  const steps: [TransitionAction, string, string][] = [
    ['file', 'file', 'Register and file (备案) with a filing number'],
    ['activate', 'activate', 'Put into use'],
    ['suspend', 'suspend', 'Suspend from use'],
    ['declare_lost', 'declare-lost', 'Declare lost and void (遗失作废)'],
    ['retire', 'retire', 'Retire: sealed or destroyed by at least two people'],
  ];
  for (const [action, slug, summary] of steps) {
    app.post(`/api/seals/:id/${slug}`, { schema: { tags, summary, params: idParams, body: transitionInputs[action], response: { 200: sealSchema, ...stepErrors } } },
      async (req) => transitionSeal(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id, action, input: req.body as never }));
  }
  app.post('/api/seals/:id/hand-over', {
    schema: { tags, summary: 'Hand over (移交) to a new keeper with a slip', params: idParams, body: handOverInput, response: { 200: z.object({ seal: sealSchema, slip: slipSchema }), ...stepErrors } },
  }, async (req) => handOverSeal(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id, input: req.body }));

  app.put('/api/seals/:id/impression', {
    schema: { tags, summary: 'Upload the impression image (印模), multipart field "file": PNG, JPEG or WebP', params: idParams, consumes: ['multipart/form-data'], response: { 200: sealSchema, 413: errorSchema, 415: errorSchema, ...stepErrors } },
  }, async (req) => {
    const auth = await requireAuth(deps, req);
    const file = await req.file();
    if (!file) throw new AppError('VALIDATION', 'no file in the upload: send it in the multipart field "file"', { field: 'file' });
    const bytes = await file.toBuffer();
    const type = imageType(bytes);
    if (!type) throw new AppError('VALIDATION', 'the impression must be a PNG, JPEG or WebP image', { field: 'file' });
    // Check access before storing anything, so a refused upload leaves no blob behind: seeing the
    // seal (seal.read) is not enough, changing its record needs seal.manage on its unit.
    const { seal } = await getSeal(deps, { actor: auth.actor, id: req.params.id });
    requirePermission(auth.actor, 'seal.manage', seal.orgCode);
    const { key } = await blobs.put(bytes, { contentType: type });
    return updateSeal(deps, { actor: auth.actor, id: req.params.id, input: { impressionBlob: key } });
  });
};
