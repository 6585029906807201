import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';

// Placeholder while this part is under way; replaced before it is committed.
export const ledgerRoutes = (_ctx: AppContext): FastifyPluginAsyncZod => async () => undefined;
