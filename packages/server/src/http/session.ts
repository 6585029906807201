import { AppError, authenticate, type Authenticated, type Deps, type Session } from '@cunzhang/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'cz_session';
export const CSRF_COOKIE = 'cz_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Resolves the session cookie and, for state-changing methods, checks the CSRF token the
 * page sends back in a header (double submit: the cookie alone is not enough).
 */
export async function requireAuth(deps: Deps, req: FastifyRequest, allowStages?: Session['stage'][]): Promise<Authenticated> {
  const auth = await authenticate(deps, { token: req.cookies[SESSION_COOKIE], ip: req.ip, ...(allowStages ? { allowStages } : {}) });
  if (UNSAFE.has(req.method) && req.headers[CSRF_HEADER] !== auth.session.csrfToken) {
    throw new AppError('FORBIDDEN', `missing or wrong ${CSRF_HEADER} header (CSRF protection)`, { field: CSRF_HEADER });
  }
  return auth;
}

export function setSessionCookies(reply: FastifyReply, opts: { token: string; csrf: string; secure: boolean; maxAgeSeconds: number }): void {
  const base = { path: '/', sameSite: 'strict' as const, secure: opts.secure, maxAge: opts.maxAgeSeconds };
  reply.setCookie(SESSION_COOKIE, opts.token, { ...base, httpOnly: true });
  // Readable by the page so it can echo the token in the CSRF header.
  reply.setCookie(CSRF_COOKIE, opts.csrf, { ...base, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
  reply.clearCookie(CSRF_COOKIE, { path: '/' });
}
