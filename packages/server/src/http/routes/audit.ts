import { listAudit, listAuditQuery, requirePermission, scopesFor, AppError } from '@cunzhang/core';
import { verifyAuditTrail } from '@cunzhang/store';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { auditEntrySchema, commonErrors } from '../schemas.js';
import { requireAuth } from '../session.js';

export const auditRoutes = ({ deps, database }: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['audit'];
  app.get('/api/audit', { schema: { tags, summary: 'The audit trail, newest first', querystring: listAuditQuery, response: { 200: z.array(auditEntrySchema), ...commonErrors } } },
    async (req) => listAudit(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));

  app.get('/api/audit/verify', {
    schema: { tags, summary: 'Recompute the SM3 hash chain of the whole trail', response: { 200: z.object({ ok: z.boolean(), checked: z.number(), firstBad: z.object({ seq: z.number(), reason: z.string() }).nullable(), headHash: z.string() }), ...commonErrors } },
  }, async (req) => {
    const { actor } = await requireAuth(deps, req);
    const scopes = scopesFor(actor, 'audit.read');
    if (scopes.length === 0) throw new AppError('FORBIDDEN', 'permission audit.read is not granted on any unit');
    requirePermission(actor, 'audit.read', scopes[0]!);
    return verifyAuditTrail(database);
  });
};
