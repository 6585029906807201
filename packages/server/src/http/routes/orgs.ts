import { getOrg, listOrgChildren } from '@cunzhang/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { commonErrors } from '../schemas.js';
import { requireAuth } from '../session.js';

const orgSchema = z.object({ code: z.string(), name: z.string(), level: z.string(), parentCode: z.string().nullable() });
const code = z.string().regex(/^\d{2,12}$/, 'an org code has 2 to 12 digits');

export const orgRoutes = ({ deps }: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['org units'];
  app.get('/api/orgs', {
    schema: { tags, summary: 'Children of a unit (top level without parent) visible to the caller', querystring: z.strictObject({ parent: code.optional() }), response: { 200: z.array(orgSchema), ...commonErrors } },
  }, async (req) => listOrgChildren(deps, { actor: (await requireAuth(deps, req)).actor, parent: req.query.parent ?? null }));

  app.get('/api/orgs/:code', {
    schema: { tags, summary: 'One unit', params: z.strictObject({ code }), response: { 200: orgSchema, ...commonErrors } },
  }, async (req) => getOrg(deps, { actor: (await requireAuth(deps, req)).actor, code: req.params.code }));
};
