import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';

const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  database: z.object({ dialect: z.string(), ok: z.boolean() }),
  broker: z.object({ mode: z.string(), ok: z.boolean(), port: z.number().nullable() }),
});

export const systemRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get('/healthz', { schema: { tags: ['system'], summary: 'Liveness with database and broker state', response: { 200: healthSchema, 503: healthSchema } } }, async (_req, reply) => {
    const dbOk = await ctx.database.ping();
    const broker = ctx.broker ? { mode: ctx.broker.mode, ok: ctx.broker.connected(), port: ctx.broker.port } : { mode: 'none', ok: true, port: null };
    const ok = dbOk && broker.ok;
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', version: '0.1.0', database: { dialect: ctx.database.dialect, ok: dbOk }, broker });
  });

  app.get('/metrics', { schema: { tags: ['system'], summary: 'Prometheus metrics', hide: false } }, async (_req, reply) => {
    reply.header('content-type', ctx.metrics.registry.contentType);
    return ctx.metrics.registry.metrics();
  });
};
