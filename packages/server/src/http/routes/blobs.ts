import { AppError, hasPermission } from '@cunzhang/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { requireAuth } from '../session.js';

export const blobRoutes = ({ deps, blobs }: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/blobs/:key', {
    schema: { tags: ['files'], summary: 'A seal\'s impression image (印模) by its SM3 content key, for those who may read the seal; page photos and documents are served by their own records\' routes', params: z.strictObject({ key: z.string().regex(/^[0-9a-f]{64}$/, 'a blob key is 64 hex digits') }) },
  }, async (req, reply) => {
    const { actor } = await requireAuth(deps, req);
    // Only impression images, and only of seals the person may read: a content key alone
    // (page photos' SM3 appear in records and the audit trail) never opens a file.
    const units = await deps.uow.read((tx) => tx.seals.orgsWithImpression(req.params.key));
    const bytes = units.some((u) => hasPermission(actor, 'seal.read', u)) ? await blobs.get(req.params.key) : null;
    if (!bytes) throw new AppError('NOT_FOUND', `file ${req.params.key} not found`, { field: 'key' });
    reply.header('content-type', (await blobs.contentType(req.params.key)) ?? 'application/octet-stream');
    reply.header('cache-control', 'private, max-age=31536000, immutable');
    reply.header('x-content-type-options', 'nosniff');
    return reply.send(bytes);
  });
};
