/**
 * Helpers for HTTP tests (not a test file itself): log a demo person in, send requests with
 * their session and CSRF header, build multipart uploads, check error bodies.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../demo/seed.js';
import { freshTotpCode } from '../testing.js';

export interface Session { cookies: Record<string, string>; csrf: string }

const appIds = new WeakMap<FastifyInstance, number>();
/** Each app has its own database, so its own record of used TOTP steps. */
export const totpWho = (app: FastifyInstance, phone: string): string => {
  if (!appIds.has(app)) appIds.set(app, Math.random());
  return `${appIds.get(app)}:${phone}`;
};

export const cookiesOf = (res: LightMyRequestResponse): Record<string, string> => Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));

/** Logs a demo person in (password Heshan@2026); `totp` for the admins who need the second factor. */
export async function login(app: FastifyInstance, phone: string, opts: { totp?: boolean } = {}): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone, password: DEMO_PASSWORD } });
  expect(res.statusCode, res.body).toBe(200);
  const cookies = cookiesOf(res);
  const s = { cookies, csrf: cookies.cz_csrf! };
  if (opts.totp) {
    const r = await app.inject({ method: 'POST', url: '/api/auth/totp', cookies, headers: { 'x-csrf-token': s.csrf }, payload: { code: await freshTotpCode(DEMO_TOTP_SECRET, totpWho(app, phone)) } });
    expect(r.json()).toEqual({ stage: 'full' });
  }
  return s;
}

/** The request with the session's cookies and CSRF header. */
export const as = (s: Session, o: InjectOptions): InjectOptions => ({ ...o, cookies: s.cookies, headers: { 'x-csrf-token': s.csrf, ...o.headers } });

export type FormPart = { name: string; value: string } | { name: string; filename: string; contentType: string; bytes: Uint8Array };

/** A multipart/form-data body and its content-type header, for app.inject. */
export function multipart(parts: FormPart[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----cz${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if ('bytes' in p) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.contentType}\r\n\r\n`));
      chunks.push(Buffer.from(p.bytes), Buffer.from('\r\n'));
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Expects an error response of `status` and `code`; returns its error body. */
export function expectError(res: LightMyRequestResponse, status: number, code: string): { message: string; field?: string; details?: Record<string, unknown> } {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
  const body = res.json() as { error: { code: string; message: string; field?: string; details?: Record<string, unknown> } };
  expect(body.error.code).toBe(code);
  return body.error;
}

/**
 * A photographed page for tests: a white sheet with `n` dark bars (different n, different
 * perceptual hash), as JPEG or PNG.
 */
export async function pagePhoto(n: number, format: 'jpeg' | 'png' = 'jpeg', size: { width: number; height: number } = { width: 600, height: 800 }): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const bars = Array.from({ length: n }, (_, i) => `<rect x="60" y="${80 + i * 60}" width="${200 + ((i * 97) % 300)}" height="24" fill="#222"/>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}"><rect width="100%" height="100%" fill="#fff"/>${bars}</svg>`;
  const img = sharp(Buffer.from(svg));
  return format === 'jpeg' ? img.jpeg({ quality: 85 }).toBuffer() : img.png().toBuffer();
}
