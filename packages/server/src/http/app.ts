import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { AppError } from '@cunzhang/core';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppContext } from './context.js';
import { installErrorHandling, notFoundBody } from './errors.js';
import { applicationRoutes } from './routes/applications.js';
import { auditRoutes } from './routes/audit.js';
import { authRoutes } from './routes/auth.js';
import { blobRoutes } from './routes/blobs.js';
import { certificateRoutes } from './routes/certificates.js';
import { devicePhotoRoutes } from './routes/device-photos.js';
import { deviceRoutes } from './routes/devices.js';
import { registerAlarmRoutes } from './routes/alarms.js';
import { alarmPhotoRoutes } from './routes/alarm-photos.js';
import { virtualDeviceRoutes } from './routes/virtual-devices.js';
import { ledgerRoutes } from './routes/ledger.js';
import { liveRoutes } from './routes/live.js';
import { matterRoutes } from './routes/matters.js';
import { orgRoutes } from './routes/orgs.js';
import { sealRoutes } from './routes/seals.js';
import { systemRoutes } from './routes/system.js';
import { userRoutes } from './routes/users.js';

/** Strict CSP: scripts only from this origin. antd writes its styles at run time, hence inline styles. */
const CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * PostgreSQL text cannot hold U+0000 and no field of the API needs it: refuse it on every
 * dialect alike, naming the field, instead of failing deep in the database.
 */
function refuseNul(req: FastifyRequest): void {
  for (const [where, root] of [['path', req.params], ['query', req.query], ['body', req.body]] as const) {
    const stack: [string, unknown][] = [['', root]];
    while (stack.length) {
      const [at, v] = stack.pop()!;
      if (typeof v === 'string' && v.includes('\u0000')) {
        throw new AppError('VALIDATION', `${at || where}: the NUL character is not allowed`, at ? { field: at } : {});
      }
      if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) stack.push([at ? `${at}.${k}` : k, x]);
      }
    }
  }
}

export async function buildApp(ctx: AppContext, opts: { logger?: boolean | object } = {}): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: config.bodyLimitBytes,
    // Live-update streams stay open; closing the server ends them instead of waiting.
    forceCloseConnections: true,
    trustProxy: config.trustProxy,
    ...(config.tls ? { https: { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } } : {}),
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  // Every body is JSON (or a multipart upload): a text/plain body is refused with 415 like any other type.
  app.removeContentTypeParser('text/plain');
  app.addHook('preHandler', async (req) => refuseNul(req));

  app.addHook('onResponse', async (req, reply) => {
    // Built web assets are one route each: count them as one, so the series do not grow with every build.
    const url = req.routeOptions.url ?? 'unmatched';
    const route = url.startsWith('/assets/') ? '/assets/*' : url;
    ctx.metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP },
    hsts: config.tls || config.trustProxy ? { maxAge: 31536000 } : false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(multipart, { limits: { fileSize: config.uploadLimitBytes, files: 1, fields: 10 }, throwFileSizeLimit: true });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'cunzhang 村章 API', version: '0.1.0', description: 'Village seal custody, approval, stamping and audit. Errors are {"error":{"code","message","field"}}.' },
      components: { securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'cz_session' }, csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token' } } },
      security: [{ session: [], csrf: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { docExpansion: 'list' } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  for (const plugin of [systemRoutes, authRoutes, userRoutes, orgRoutes, sealRoutes, auditRoutes, blobRoutes, applicationRoutes, liveRoutes, matterRoutes, ledgerRoutes, certificateRoutes, devicePhotoRoutes, deviceRoutes, virtualDeviceRoutes, registerAlarmRoutes, alarmPhotoRoutes]) {
    await app.register(plugin(ctx));
  }

  const web = ctx.webRoot && existsSync(path.join(ctx.webRoot, 'index.html')) ? ctx.webRoot : null;
  if (web) await app.register(fastifyStatic, { root: web, prefix: '/', wildcard: false, index: ['index.html'] });
  app.setNotFoundHandler((req, reply) => {
    // Client-side routes: any non-API GET that is not a file gets the app shell.
    if (web && req.method === 'GET' && !req.url.startsWith('/api/') && !path.extname(req.url.split('?')[0] ?? '')) {
      return reply.type('text/html').sendFile('index.html');
    }
    return reply.status(404).send(notFoundBody(req.method, req.url));
  });
  return app;
}
