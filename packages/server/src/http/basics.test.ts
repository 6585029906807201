import { FsBlobStore } from '@cunzhang/store';
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { buildApp } from './app.js';
import { LiveHub } from './live.js';
import { createMetrics } from './metrics.js';

/** Every route of the app as "METHOD /path", read from Fastify's own route tree (HEAD left out). */
function routesOf(app: FastifyInstance): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) out.push(`${method} ${stack.join('')}`);
  }
  return out;
}

for (const dialect of TEST_DIALECTS) {
  describe(`HTTP basics (${dialect})`, () => {
    let env: TestEnv;
    let app: FastifyInstance;

    beforeAll(async () => {
      env = await openTestEnv(dialect);
      app = await buildTestApp(env);
    });
    afterAll(async () => {
      await app?.close();
      await env?.close();
    });

    it('/openapi.json is OpenAPI 3.1 and lists every /api route with its method', async () => {
      const res = await app.inject({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json() as { openapi: string; info: { title: string }; paths: Record<string, Record<string, unknown>> };
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info.title).toContain('cunzhang');
      const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
      const api = routesOf(app).filter((r) => r.split(' ')[1]!.startsWith('/api/')).map((r) => r.replace(/:(\w+)/g, '{$1}'));
      expect(api.length).toBeGreaterThanOrEqual(28);
      expect(api).toContain('POST /api/auth/login');
      expect(api).toContain('PUT /api/seals/{id}/impression');
      for (const r of api) expect(documented, `${r} is missing from /openapi.json`).toContain(r);
      // Every mutating route declares the CSRF header scheme (globally) and an error body.
      expect(JSON.stringify(res.json().components.securitySchemes)).toContain('x-csrf-token');
    });

    it('/docs answers with the API explorer', async () => {
      const res = await app.inject({ method: 'GET', url: '/docs' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.body).toContain('swagger');
    });

    it('/metrics is Prometheus text with request durations and the database gauge', async () => {
      await app.inject({ method: 'GET', url: '/healthz' });
      await app.inject({ method: 'GET', url: '/api/seals' });
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.body).toContain('# TYPE cunzhang_http_request_duration_seconds histogram');
      expect(res.body).toMatch(/^cunzhang_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} [1-9]/m);
      expect(res.body).toMatch(/^cunzhang_http_request_duration_seconds_count\{method="GET",route="\/api\/seals",status="401"\} 1$/m);
      expect(res.body).toMatch(/^cunzhang_database_up 1$/m);
      expect(res.body).toContain('# TYPE cunzhang_logins_total counter');
    });

    it('/healthz reports the database', async () => {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'ok', database: { dialect, ok: true } });
    });

    it('/healthz answers 503 "degraded" when the database does not answer, and /metrics says so', async () => {
      const down = { ...env.database, ping: async () => false };
      const metrics = createMetrics({ dbUp: () => down.ping(), brokerUp: () => true });
      const sick = await buildApp({ config: env.config, deps: env.deps, blobs: new FsBlobStore(path.join(env.dataDir, 'blobs')), database: down, broker: null, metrics, live: new LiveHub(), webRoot: null });
      try {
        const res = await sick.inject({ method: 'GET', url: '/healthz' });
        expect(res.statusCode).toBe(503);
        expect(res.json()).toMatchObject({ status: 'degraded', database: { ok: false } });
        expect((await sick.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^cunzhang_database_up 0$/m);
      } finally {
        await sick.close();
      }
    });

    for (const [what, url] of [['a health check', '/healthz'], ['an API error', '/api/seals'], ['an unknown route', '/nowhere'], ['the API explorer', '/docs']] as const) {
      it(`sends the security headers on ${what}`, async () => {
        const res = await app.inject({ method: 'GET', url });
        const csp = String(res.headers['content-security-policy']);
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
        const framing = csp.includes("frame-ancestors 'none'") || res.headers['x-frame-options'] !== undefined;
        expect(framing).toBe(true);
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['referrer-policy']).toBeDefined();
      });
    }

    it('the app itself forbids framing entirely', async () => {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBeDefined();
      // No HSTS without TLS or a proxy: it would pin a plain-HTTP village office install.
      expect(res.headers['strict-transport-security']).toBeUndefined();
    });

    it('an unknown route is a 404 JSON error naming it', async () => {
      for (const [method, url] of [['GET', '/api/nothing'], ['POST', '/api/seals/x/y/z'], ['DELETE', '/api/seals'], ['GET', '/nowhere?x=1']] as const) {
        const res = await app.inject({ method, url });
        expect(res.statusCode).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: `no route ${method} ${url.split('?')[0]}` } });
      }
    });

    it('an API route without a session is a 401 JSON error', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/seals' });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'not logged in' } });
      const bogus = await app.inject({ method: 'GET', url: '/api/me', cookies: { cz_session: 'forged' } });
      expect(bogus.statusCode).toBe(401);
      expect(bogus.json().error.code).toBe('UNAUTHENTICATED');
    });
  });
}
