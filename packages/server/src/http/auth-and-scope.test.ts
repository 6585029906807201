import type { FastifyInstance } from 'fastify';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_VILLAGE } from '../demo/seed.js';
import { buildTestApp, freshTotpCode, openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { as, cookiesOf, expectError, login, totpWho, type Session } from './http-test-support.js';

/** A code the authenticator does not show now (nor one step either side). */
function wrongCode(): string {
  return String((Number(authenticator.generate(DEMO_TOTP_SECRET)) + 500_000) % 1_000_000).padStart(6, '0');
}

interface SealRow { id: string; orgCode: string; custodyOrgCode: string; typeCode: string; name: string; version: number }

for (const dialect of TEST_DIALECTS) {
  describe(`auth at the edge and scoping over HTTP (${dialect})`, () => {
    let env: TestEnv;
    let app: FastifyInstance;
    let officer: Session;

    const auditCount = async () => Number((await env.database.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const sealRow = (id: string) => env.database.db.selectFrom('seals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const seals = async (s: Session, query = 'limit=200'): Promise<SealRow[]> => {
      const res = await app.inject(as(s, { method: 'GET', url: `/api/seals?${query}` }));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().next).toBeNull();
      return res.json().items as SealRow[];
    };

    beforeAll(async () => {
      // Many people log in here within a minute; the limit itself is tested on its own below.
      env = await openTestEnv(dialect, { demo: true, env: { CUNZHANG_LOGIN_RATE_PER_MINUTE: '1000' } });
      app = await buildTestApp(env);
      officer = await login(app, '13800000005');
    });
    afterAll(async () => {
      await app?.close();
      await env?.close();
    });

    describe('login', () => {
      it('sets an httpOnly SameSite=Strict cz_session and a readable cz_csrf', async () => {
        const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800000003', password: DEMO_PASSWORD } });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ stage: 'full' });
        const session = res.cookies.find((c) => c.name === 'cz_session')!;
        const csrf = res.cookies.find((c) => c.name === 'cz_csrf')!;
        expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 12 * 3600 });
        expect(csrf.httpOnly).toBeFalsy();
        expect(csrf).toMatchObject({ sameSite: 'Strict', path: '/' });
        expect(session.value.length).toBeGreaterThanOrEqual(40);
        expect(csrf.value.length).toBeGreaterThanOrEqual(40);
        expect(csrf.value).not.toBe(session.value);
        // Without TLS or a proxy the cookies are not marked Secure (a plain-HTTP office install still works).
        expect(session.secure).toBeFalsy();
        // The session works.
        const me = await app.inject({ method: 'GET', url: '/api/me', cookies: { cz_session: session.value } });
        expect(me.json()).toMatchObject({ stage: 'full', user: { name: '王保管', phoneMasked: '138****0003' } });
      });

      it('accepts the phone number with spaces or +86 as people type it', async () => {
        const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '+86 138 0000 0004', password: DEMO_PASSWORD } });
        expect(res.statusCode, res.body).toBe(200);
      });

      it('a wrong password or an unknown phone is 401 UNAUTHENTICATED with the same message, and sets no cookie', async () => {
        const wrong = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800000006', password: 'Heshan@2025' } });
        const unknown = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13899999999', password: DEMO_PASSWORD } });
        expect(expectError(wrong, 401, 'UNAUTHENTICATED').message).toBe('wrong phone number or password');
        expect(expectError(unknown, 401, 'UNAUTHENTICATED').message).toBe('wrong phone number or password');
        expect(wrong.cookies).toEqual([]);
        expect(unknown.cookies).toEqual([]);
      });

      it('locks the account with 423 ACCOUNT_LOCKED after 5 failures, even for the right password, until the lockout ends', async () => {
        const phone = '13800000002';
        for (let i = 1; i <= 5; i++) {
          expectError(await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone, password: `wrong-${i}` } }), 401, 'UNAUTHENTICATED');
        }
        const locked = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone, password: DEMO_PASSWORD } });
        const e = expectError(locked, 423, 'ACCOUNT_LOCKED');
        expect(e.message).toMatch(/locked until \d{4}-\d\d-\d\dT/);
        expect(locked.cookies).toEqual([]);
        env.tick(16 * 60_000);
        expect((await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone, password: DEMO_PASSWORD } })).statusCode).toBe(200);
      });
    });

    describe('CSRF double submit', () => {
      let seal: SealRow;
      beforeAll(async () => {
        seal = (await seals(officer, `orgCode=${DEMO_VILLAGE}`))[0]!;
      });

      for (const [what, headers] of [['without', {}], ['with a wrong', { 'x-csrf-token': 'forged-token' }], ['with an empty', { 'x-csrf-token': '' }]] as const) {
        it(`a change ${what} x-csrf-token header is 403 naming the header, and nothing changes`, async () => {
          const before = { row: await sealRow(seal.id), audit: await auditCount() };
          const res = await app.inject({ method: 'PATCH', url: `/api/seals/${seal.id}`, cookies: officer.cookies, headers, payload: { name: '被篡改的名称' } });
          const e = expectError(res, 403, 'FORBIDDEN');
          expect(e.message).toContain('x-csrf-token');
          expect(e.field).toBe('x-csrf-token');
          expect({ row: await sealRow(seal.id), audit: await auditCount() }).toEqual(before);
        });
      }

      it('another session\'s token does not pass either', async () => {
        const other = await login(app, '13800000006');
        const before = await auditCount();
        const res = await app.inject({ method: 'POST', url: `/api/seals/${seal.id}/suspend`, cookies: officer.cookies, headers: { 'x-csrf-token': other.csrf }, payload: { reason: '检查' } });
        expectError(res, 403, 'FORBIDDEN');
        expect(await auditCount()).toBe(before);
        expect((await sealRow(seal.id)).status).toBe('active');
      });

      it('logout without the header is refused and the session lives on', async () => {
        expectError(await app.inject({ method: 'POST', url: '/api/auth/logout', cookies: officer.cookies }), 403, 'FORBIDDEN');
        expect((await app.inject({ method: 'GET', url: '/api/me', cookies: officer.cookies })).statusCode).toBe(200);
      });

      it('reads need no header, and the right header lets the change through (the control case)', async () => {
        expect((await app.inject({ method: 'GET', url: `/api/seals/${seal.id}`, cookies: officer.cookies })).statusCode).toBe(200);
        const res = await app.inject(as(officer, { method: 'PATCH', url: `/api/seals/${seal.id}`, payload: { issuingAuthority: '宁阳县鹤山镇人民政府' } }));
        expect(res.statusCode, res.body).toBe(200);
      });
    });

    describe('administrators\' second factor', () => {
      it('login gives stage totp; the half session gets 401 TOTP_REQUIRED until the code is given', async () => {
        const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800000009', password: DEMO_PASSWORD } });
        expect(res.json()).toEqual({ stage: 'totp' });
        const half: Session = { cookies: cookiesOf(res), csrf: cookiesOf(res).cz_csrf! };
        expect(res.cookies.find((c) => c.name === 'cz_session')!.httpOnly).toBe(true);

        expect(expectError(await app.inject(as(half, { method: 'GET', url: '/api/seals' })), 401, 'TOTP_REQUIRED').message).toContain('6-digit code');
        expectError(await app.inject(as(half, { method: 'GET', url: '/api/users' })), 401, 'TOTP_REQUIRED');
        expectError(await app.inject(as(half, { method: 'POST', url: '/api/users', payload: { name: '某人', phone: '13911112222', password: 'Passw0rd!x', orgCode: DEMO_VILLAGE } })), 401, 'TOTP_REQUIRED');
        const me = await app.inject(as(half, { method: 'GET', url: '/api/me' }));
        expect(me.json()).toMatchObject({ stage: 'totp', permissions: [], user: { grants: [] } });

        // A wrong code is refused and does not finish the login.
        const bad = await app.inject(as(half, { method: 'POST', url: '/api/auth/totp', payload: { code: wrongCode() } }));
        expect(expectError(bad, 400, 'VALIDATION').field).toBe('code');
        expectError(await app.inject(as(half, { method: 'GET', url: '/api/seals' })), 401, 'TOTP_REQUIRED');
        expectError(await app.inject(as(half, { method: 'POST', url: '/api/auth/totp', payload: { code: '12345' } })), 400, 'VALIDATION');

        const code = await freshTotpCode(DEMO_TOTP_SECRET, totpWho(app, '13800000009'));
        const ok = await app.inject(as(half, { method: 'POST', url: '/api/auth/totp', payload: { code } }));
        expect(ok.statusCode, ok.body).toBe(200);
        // The same code cannot be replayed for a second login, even within its 30 seconds.
        const again = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800000009', password: DEMO_PASSWORD } });
        const replay = await app.inject({ method: 'POST', url: '/api/auth/totp', cookies: cookiesOf(again), headers: { 'x-csrf-token': cookiesOf(again).cz_csrf! }, payload: { code } });
        expect(expectError(replay, 400, 'VALIDATION').message).toContain('used already');
        expect(ok.json()).toEqual({ stage: 'full' });
        const users = await app.inject(as(half, { method: 'GET', url: '/api/users' }));
        expect(users.statusCode).toBe(200);
        expect((await app.inject(as(half, { method: 'GET', url: '/api/me' }))).json().stage).toBe('full');
      });

      it('the half session lives five minutes, not a working day', async () => {
        const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800000011', password: DEMO_PASSWORD } });
        const half: Session = { cookies: cookiesOf(res), csrf: cookiesOf(res).cz_csrf! };
        env.tick(6 * 60_000);
        const late = await app.inject(as(half, { method: 'POST', url: '/api/auth/totp', payload: { code: authenticator.generate(DEMO_TOTP_SECRET) } }));
        expect(expectError(late, 401, 'UNAUTHENTICATED').message).toContain('expired');
      });

      it('the TOTP step without the CSRF header is refused', async () => {
        const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800000010', password: DEMO_PASSWORD } });
        const r = await app.inject({ method: 'POST', url: '/api/auth/totp', cookies: cookiesOf(res), payload: { code: authenticator.generate(DEMO_TOTP_SECRET) } });
        expectError(r, 403, 'FORBIDDEN');
      });
    });

    describe('logout', () => {
      it('ends the session: the old cookie is refused afterwards', async () => {
        const s = await login(app, '13800000008');
        const before = await auditCount();
        const res = await app.inject(as(s, { method: 'POST', url: '/api/auth/logout' }));
        expect(res.statusCode).toBe(204);
        const cleared = res.cookies.find((c) => c.name === 'cz_session')!;
        expect(cleared.value).toBe('');
        expect(await auditCount()).toBe(before + 1);
        expectError(await app.inject(as(s, { method: 'GET', url: '/api/me' })), 401, 'UNAUTHENTICATED');
        expectError(await app.inject(as(s, { method: 'GET', url: '/api/seals' })), 401, 'UNAUTHENTICATED');
        expectError(await app.inject(as(s, { method: 'POST', url: '/api/auth/logout' })), 401, 'UNAUTHENTICATED');
      });
    });

    describe('scoping', () => {
      it('a village keeper lists only their own village\'s seals', async () => {
        const keeper = await login(app, '13800000003');
        const mine = await seals(keeper);
        expect(mine.length).toBe(2);
        expect(mine.every((s) => s.orgCode === DEMO_VILLAGE)).toBe(true);
        expect(mine.map((s) => s.typeCode).sort()).toEqual(['contract', 'village_committee']);
        expect(await seals(keeper, `orgCode=${DEMO_VILLAGE}`)).toHaveLength(2);
        expect(await seals(keeper, 'q=后鹤山')).toEqual([]);
      });

      it('so does the village approver', async () => {
        const approver = await login(app, '13800000004');
        const theirs = await seals(approver);
        expect(theirs.map((s) => s.orgCode)).toEqual([DEMO_VILLAGE, DEMO_VILLAGE]);
        expectError(await app.inject(as(approver, { method: 'GET', url: `/api/seals?orgCode=${DEMO_OTHER_VILLAGE}` })), 403, 'FORBIDDEN');
      });

      it('the station officer sees all 92 seals of the town, page by page', async () => {
        const all = await seals(officer);
        expect(all).toHaveLength(92);
        expect(new Set(all.map((s) => s.orgCode)).size).toBe(46);
        const first = await app.inject(as(officer, { method: 'GET', url: '/api/seals?limit=50' }));
        expect(first.json().items).toHaveLength(50);
        expect(first.json().next).toEqual(expect.any(String));
        const second = await app.inject(as(officer, { method: 'GET', url: `/api/seals?limit=50&cursor=${first.json().next}` }));
        expect(second.json().items).toHaveLength(42);
        expect(second.json().next).toBeNull();
        const ids = [...first.json().items, ...second.json().items].map((s: SealRow) => s.id);
        expect(new Set(ids)).toEqual(new Set(all.map((s) => s.id)));
      });

      it('an applicant has no seal.read: 403 FORBIDDEN on the registry and on a seal', async () => {
        const applicant = await login(app, '13800000001');
        expect(expectError(await app.inject(as(applicant, { method: 'GET', url: '/api/seals' })), 403, 'FORBIDDEN').message).toContain('seal.read');
        const id = (await seals(officer, `orgCode=${DEMO_VILLAGE}`))[0]!.id;
        expectError(await app.inject(as(applicant, { method: 'GET', url: `/api/seals/${id}` })), 403, 'FORBIDDEN');
      });

      it('the system administrator cannot read the audit trail; the audit administrator can, and can verify it', async () => {
        const sys = await login(app, '13800000009', { totp: true });
        const auditAdmin = await login(app, '13800000011', { totp: true });
        expect(expectError(await app.inject(as(sys, { method: 'GET', url: '/api/audit' })), 403, 'FORBIDDEN').message).toContain('audit.read');
        expectError(await app.inject(as(sys, { method: 'GET', url: '/api/audit/verify' })), 403, 'FORBIDDEN');
        const trail = await app.inject(as(auditAdmin, { method: 'GET', url: '/api/audit?limit=5' }));
        expect(trail.statusCode).toBe(200);
        expect(trail.json()).toHaveLength(5);
        const verify = await app.inject(as(auditAdmin, { method: 'GET', url: '/api/audit/verify' }));
        expect(verify.json()).toMatchObject({ ok: true, firstBad: null });
        expect(verify.json().checked).toBe(await auditCount());
      });

      it('the audit administrator changes nothing: no accounts, no grants', async () => {
        const auditAdmin = await login(app, '13800000011', { totp: true });
        const applicantId = await idOf(auditAdmin, '张村民');
        const before = await auditCount();
        expectError(await app.inject(as(auditAdmin, { method: 'POST', url: '/api/users', payload: { name: '新会计', phone: '13911110001', password: 'Passw0rd!x', orgCode: DEMO_VILLAGE } })), 403, 'FORBIDDEN');
        expectError(await app.inject(as(auditAdmin, { method: 'POST', url: `/api/users/${applicantId}/grants`, payload: { role: 'service_clerk', orgCode: DEMO_VILLAGE } })), 403, 'FORBIDDEN');
        expectError(await app.inject(as(auditAdmin, { method: 'POST', url: `/api/users/${applicantId}/disable` })), 403, 'FORBIDDEN');
        expect(await auditCount()).toBe(before);
      });

      it('the security administrator grants roles but cannot create accounts', async () => {
        const sec = await login(app, '13800000010', { totp: true });
        const applicantId = await idOf(sec, '张村民');
        const before = await auditCount();
        expectError(await app.inject(as(sec, { method: 'POST', url: '/api/users', payload: { name: '新会计', phone: '13911110002', password: 'Passw0rd!x', orgCode: DEMO_VILLAGE } })), 403, 'FORBIDDEN');
        expect(await auditCount()).toBe(before);
        const granted = await app.inject(as(sec, { method: 'POST', url: `/api/users/${applicantId}/grants`, payload: { role: 'service_clerk', orgCode: DEMO_VILLAGE } }));
        expect(granted.statusCode, granted.body).toBe(201);
        expect(await auditCount()).toBe(before + 1);
      });

      it('the system administrator creates accounts but cannot grant roles', async () => {
        const sys = await login(app, '13800000009', { totp: true });
        const created = await app.inject(as(sys, { method: 'POST', url: '/api/users', payload: { name: '新会计', phone: '13911110003', password: 'Passw0rd!x', orgCode: DEMO_VILLAGE } }));
        expect(created.statusCode, created.body).toBe(201);
        expect(created.json().phoneMasked).toBe('139****0003');
        const before = await auditCount();
        expectError(await app.inject(as(sys, { method: 'POST', url: `/api/users/${created.json().id}/grants`, payload: { role: 'applicant', orgCode: DEMO_VILLAGE } })), 403, 'FORBIDDEN');
        expect(await auditCount()).toBe(before);
      });

      it('a keeper cannot list people', async () => {
        const keeper = await login(app, '13800000003');
        expectError(await app.inject(as(keeper, { method: 'GET', url: '/api/users' })), 403, 'FORBIDDEN');
      });

      async function idOf(s: Session, name: string): Promise<string> {
        const res = await app.inject(as(s, { method: 'GET', url: '/api/users?limit=200' }));
        expect(res.statusCode, res.body).toBe(200);
        return (res.json().items as { id: string; name: string }[]).find((u) => u.name === name)!.id;
      }
    });

    describe('session lifetime', () => {
      it('a session ends after CUNZHANG_SESSION_HOURS (12 h)', async () => {
        const s = await login(app, '13800000006');
        env.tick(11 * 3_600_000);
        expect((await app.inject(as(s, { method: 'GET', url: '/api/me' }))).statusCode).toBe(200);
        env.tick(1.1 * 3_600_000);
        expect(expectError(await app.inject(as(s, { method: 'GET', url: '/api/me' })), 401, 'UNAUTHENTICATED').message).toContain('expired');
      });
    });
  });

  describe(`login rate limit (${dialect})`, () => {
    let env: TestEnv;
    let app: FastifyInstance;
    beforeAll(async () => {
      env = await openTestEnv(dialect, { env: { CUNZHANG_LOGIN_RATE_PER_MINUTE: '3' } });
      app = await buildTestApp(env);
    });
    afterAll(async () => {
      await app?.close();
      await env?.close();
    });

    it('answers 429 RATE_LIMITED past CUNZHANG_LOGIN_RATE_PER_MINUTE attempts, with Retry-After', async () => {
      for (let i = 0; i < 3; i++) {
        expectError(await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800000003', password: 'guess' } }), 401, 'UNAUTHENTICATED');
      }
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800000003', password: 'guess' } });
      const e = expectError(res, 429, 'RATE_LIMITED');
      expect(e.message.length).toBeGreaterThan(5);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      // A forged X-Forwarded-For does not buy new attempts (no proxy is trusted by default).
      const spoofed = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-forwarded-for': '10.9.8.7' }, payload: { phone: '13800000003', password: 'guess' } });
      expectError(spoofed, 429, 'RATE_LIMITED');
      // The limit is on logins: other routes still answer.
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });
  });
}
