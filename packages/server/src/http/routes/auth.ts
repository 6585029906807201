import { AppError, beginTotpEnrolment, enableTotp, getUser, login, loginInput, logout, ROLE_PERMISSIONS, totpCodeInput, verifyTotp } from '@cunzhang/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { commonErrors, errorSchema, userViewSchema } from '../schemas.js';
import { clearSessionCookies, requireAuth, SESSION_COOKIE, setSessionCookies } from '../session.js';

const stageSchema = z.object({ stage: z.enum(['full', 'totp', 'enrol']) });

export const authRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const { deps, config } = ctx;
  // A session still owing its second factor lives five minutes; its cookie says so too.
  const cookieOpts = (token: string, csrf: string, stage: 'full' | 'totp' | 'enrol' = 'full') =>
    ({ token, csrf, secure: config.cookieSecure, maxAgeSeconds: stage === 'full' ? Math.round(config.sessionHours * 3600) : 300 });

  app.post('/api/auth/login', {
    schema: { tags: ['auth'], summary: 'Log in with phone number and password', body: loginInput, response: { 200: stageSchema, 401: errorSchema, 423: errorSchema, 429: errorSchema } },
    config: { rateLimit: { max: config.loginRatePerMinute, timeWindow: '1 minute' } },
  }, async (req, reply) => {
    try {
      const r = await login(deps, { input: req.body, ip: req.ip });
      ctx.metrics.logins.inc({ outcome: r.stage === 'full' ? 'success' : 'second_factor' });
      setSessionCookies(reply, cookieOpts(r.token, r.csrfToken, r.stage));
      return { stage: r.stage };
    } catch (e) {
      ctx.metrics.logins.inc({ outcome: e instanceof AppError ? e.code.toLowerCase() : 'error' });
      throw e;
    }
  });

  app.post('/api/auth/totp', {
    schema: { tags: ['auth'], summary: 'Finish login with the 6-digit TOTP code', body: totpCodeInput, response: { 200: stageSchema, ...commonErrors } },
    config: { rateLimit: { max: config.loginRatePerMinute, timeWindow: '1 minute' } },
  }, async (req, reply) => {
    // A full session is let through so the use-case can answer 409 "nothing pending".
    const auth = await requireAuth(deps, req, ['totp', 'full']);
    await verifyTotp(deps, { auth, code: req.body.code });
    setSessionCookies(reply, cookieOpts(req.cookies[SESSION_COOKIE]!, auth.session.csrfToken));
    return { stage: 'full' as const };
  });

  app.post('/api/auth/totp/setup', {
    schema: { tags: ['auth'], summary: 'Start TOTP enrolment: a new secret and its QR code', response: { 200: z.object({ secret: z.string(), uri: z.string(), qrSvg: z.string() }), ...commonErrors } },
  }, async (req) => {
    const auth = await requireAuth(deps, req, ['enrol', 'full']);
    const { secret, uri } = await beginTotpEnrolment(deps, { auth });
    return { secret, uri, qrSvg: await QRCode.toString(uri, { type: 'svg', margin: 1 }) };
  });

  app.post('/api/auth/totp/enable', {
    schema: { tags: ['auth'], summary: 'Confirm TOTP enrolment with a first code', body: totpCodeInput, response: { 200: stageSchema, ...commonErrors } },
    config: { rateLimit: { max: config.loginRatePerMinute, timeWindow: '1 minute' } },
  }, async (req, reply) => {
    const auth = await requireAuth(deps, req, ['enrol', 'full']);
    await enableTotp(deps, { auth, code: req.body.code });
    setSessionCookies(reply, cookieOpts(req.cookies[SESSION_COOKIE]!, auth.session.csrfToken));
    return { stage: 'full' as const };
  });

  app.post('/api/auth/logout', { schema: { tags: ['auth'], summary: 'Log out', response: { 204: z.null(), ...commonErrors } } }, async (req, reply) => {
    const auth = await requireAuth(deps, req, ['full', 'totp', 'enrol']);
    await logout(deps, { auth });
    clearSessionCookies(reply);
    return reply.status(204).send(null);
  });

  app.get('/api/me', {
    schema: {
      tags: ['auth'], summary: 'The logged-in person, their roles and permissions',
      response: { 200: z.object({ stage: z.enum(['full', 'totp', 'enrol']), user: userViewSchema, permissions: z.array(z.object({ orgCode: z.string(), permission: z.string() })), demo: z.boolean() }), ...commonErrors },
    },
  }, async (req) => {
    const auth = await requireAuth(deps, req, ['full', 'totp', 'enrol']);
    const user = await getUser(deps, { actor: auth.actor, id: auth.user.id });
    // A half-logged-in session learns only its own name and stage.
    if (auth.session.stage !== 'full') return { stage: auth.session.stage, user: { ...user, grants: [] }, permissions: [], demo: config.demo };
    const permissions = user.grants.flatMap((g) => ROLE_PERMISSIONS[g.role as keyof typeof ROLE_PERMISSIONS].map((permission) => ({ orgCode: g.orgCode, permission })));
    return { stage: 'full' as const, user, permissions, demo: config.demo };
  });
};
