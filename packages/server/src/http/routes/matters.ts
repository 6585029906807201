import { listMatters, listMattersQuery, setMatter, setMatterInput, ROUTES } from '@cunzhang/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { commonErrors, errorSchema } from '../schemas.js';
import { requireAuth } from '../session.js';

const matterSchema = z.object({
  townCode: z.string(), code: z.string(), nameZh: z.string(), nameEn: z.string(), route: z.enum(Object.keys(ROUTES) as [keyof typeof ROUTES]),
  enabled: z.boolean(), sortOrder: z.number(), updatedAt: z.string(),
});

/** A town's matter catalogue (事项目录): read by everyone who applies, changed by the town. */
export const matterRoutes = ({ deps }: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['matters'];
  app.get('/api/matters', { schema: { tags, summary: 'The matter catalogue of a town, defaults merged with its own entries', querystring: listMattersQuery, response: { 200: z.array(matterSchema), ...commonErrors } } },
    async (req) => listMatters(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));
  app.put('/api/matters', { schema: { tags, summary: 'Add or change a matter of a town (station officer, town leader)', body: setMatterInput, response: { 200: matterSchema, ...commonErrors, 422: errorSchema } } },
    async (req) => setMatter(deps, { actor: (await requireAuth(deps, req)).actor, input: req.body }));
};
