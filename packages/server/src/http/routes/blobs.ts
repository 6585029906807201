import { AppError } from '@cunzhang/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { requireAuth } from '../session.js';

export const blobRoutes = ({ deps, blobs }: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/blobs/:key', {
    schema: { tags: ['files'], summary: 'A stored image or document by its SM3 content key', params: z.strictObject({ key: z.string().regex(/^[0-9a-f]{64}$/, 'a blob key is 64 hex digits') }) },
  }, async (req, reply) => {
    await requireAuth(deps, req);
    const bytes = await blobs.get(req.params.key);
    if (!bytes) throw new AppError('NOT_FOUND', `file ${req.params.key} not found`, { field: 'key' });
    reply.header('content-type', (await blobs.contentType(req.params.key)) ?? 'application/octet-stream');
    reply.header('cache-control', 'private, max-age=31536000, immutable');
    reply.header('x-content-type-options', 'nosniff');
    return reply.send(bytes);
  });
};
