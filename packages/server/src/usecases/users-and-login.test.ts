import {
  authenticate, beginTotpEnrolment, createUser, disableUser, enableTotp, getUser, grantRole, listUsers, login, logout, revokeRole,
  systemActor, unlockUser, verifyTotp, type Actor, type Authenticated, type CreateUserInput, type Deps, type Role,
} from '@cunzhang/core';
import { authenticator } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { actorByPhone, actorOf, auditSince, demoLogin, expectAppError, lastSeq } from './support.js';

const PASSWORD = 'Heshan@2026';
const ID_NUMBER = '370921198503121236';

/** A phone number no demo account uses, unique per call. */
let serial = 0;
const freshPhone = (): string => `1571234${String(++serial).padStart(4, '0')}`;

/** A code the authenticator would not accept right now. */
function wrongCode(secret: string): string {
  const right = authenticator.generate(secret);
  for (let i = 1; ; i++) {
    const c = String((Number(right) + i * 7919) % 1_000_000).padStart(6, '0');
    if (!authenticator.check(c, secret)) return c;
  }
}

for (const dialect of TEST_DIALECTS) {
  describe(`people and login [${dialect}]`, () => {
    let env: TestEnv;
    let sysAdmin: Actor; // 钱系统: creates accounts
    let secAdmin: Actor; // 冯安全: grants roles
    const system = systemActor('cli');
    /** The real deps, but accounts made by newUser() share one argon2 hash of PASSWORD (logins still verify it for real). */
    let quick: Deps;

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      const hash = await env.deps.hasher.hash(PASSWORD);
      quick = { ...env.deps, hasher: { hash: async () => hash, verify: env.deps.hasher.verify } };
      sysAdmin = await actorByPhone(env.deps, demoLogin('sys_admin').phone);
      secAdmin = await actorByPhone(env.deps, demoLogin('sec_admin').phone);
    });
    afterAll(async () => {
      await env?.close();
    });

    const newUser = async (patch: Partial<CreateUserInput> = {}, roles: [Role, string][] = []): Promise<{ id: string; phone: string }> => {
      const phone = patch.phone ?? freshPhone();
      const u = await createUser(patch.password ? env.deps : quick, { actor: sysAdmin, input: { name: '测试人', password: PASSWORD, orgCode: DEMO_VILLAGE, ...patch, phone } });
      for (const [role, orgCode] of roles) await grantRole(env.deps, { actor: secAdmin, userId: u.id, input: { role, orgCode } });
      return { id: u.id, phone };
    };
    const loginAs = (phone: string, password = PASSWORD) => login(env.deps, { input: { phone, password }, ip: '10.1.2.3' });
    const userRow = (id: string) => env.database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const auth = (token: string, allowStages?: Authenticated['session']['stage'][]) =>
      authenticate(env.deps, { token, ip: '10.1.2.3', ...(allowStages ? { allowStages } : {}) });

    describe('accounts', () => {
      it('stores phone and ID number encrypted and shows them masked', async () => {
        const seq = await lastSeq(env.database);
        const view = await createUser(env.deps, {
          actor: sysAdmin, input: { name: '刘会计', phone: '13812340005', idNumber: ID_NUMBER, password: PASSWORD, orgCode: DEMO_VILLAGE },
        });
        expect(view).toMatchObject({ name: '刘会计', phoneMasked: '138****0005', idNumberMasked: '3709**********1236', homeOrgCode: DEMO_VILLAGE, grants: [], totpEnabled: false, disabled: false, locked: false });

        const row = await userRow(view.id);
        const cells = Object.values(row).map((v) => String(v));
        for (const secret of ['13812340005', '1234000', ID_NUMBER, '198503121236']) {
          expect(cells.some((c) => c.includes(secret)), `${secret} in clear in the users row`).toBe(false);
        }
        expect(env.deps.cipher.decrypt(row.phone_enc)).toBe('13812340005');
        expect(env.deps.cipher.decrypt(row.id_number_enc!)).toBe(ID_NUMBER);
        expect(row.password_hash).toMatch(/^\$argon2id\$/);
        expect(row.phone_index).toBe(env.deps.cipher.index('13812340005'));

        // The trail records the account masked, never the numbers themselves.
        const entries = await auditSince(env.deps, seq);
        expect(entries.map((e) => e.action)).toEqual(['USER_CREATED']);
        expect(entries[0]).toMatchObject({ actorId: sysAdmin.userId, targetId: view.id, orgCode: DEMO_VILLAGE, before: null, after: { phoneMasked: '138****0005' } });
        const trail = await env.database.db.selectFrom('audit_log').select(['before_json', 'after_json']).execute();
        expect(trail.some((r) => `${r.before_json}${r.after_json}`.includes('13812340005') || `${r.before_json}${r.after_json}`.includes(ID_NUMBER))).toBe(false);
        expect(await getUser(env.deps, { actor: sysAdmin, id: view.id })).toEqual(view);
      });

      it.each([
        ['phone', { phone: '12345' }],
        ['phone', { phone: '23812340006' }],
        ['idNumber', { idNumber: '370921198503121237' }],
        ['idNumber', { idNumber: '37092119850312123' }],
        ['password', { password: 'short1' }],
        ['password', { password: 'onlylowercaseletters' }],
        ['orgCode', { orgCode: '370921113299' }],
      ])('refuses a bad %s with VALIDATION naming the field, writing nothing', async (field, patch) => {
        const seq = await lastSeq(env.database);
        const input = { name: '错', phone: freshPhone(), password: PASSWORD, orgCode: DEMO_VILLAGE, ...patch };
        await expectAppError(createUser(env.deps, { actor: sysAdmin, input }), 'VALIDATION', field);
        expect(await lastSeq(env.database)).toBe(seq);
        expect(await env.deps.uow.read((tx) => tx.users.byPhoneIndex(env.deps.cipher.index(input.phone)))).toBeNull();
      });

      it('refuses a second account for the same phone, however it is typed', async () => {
        const { phone } = await newUser();
        await expectAppError(newUser({ phone }), 'CONFLICT', 'phone');
        const spaced = `+86 ${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`;
        await expectAppError(newUser({ phone: spaced }), 'CONFLICT', 'phone');
      });

      it('normalises a phone typed with spaces so the person can log in with the plain number', async () => {
        const phone = freshPhone();
        const view = await createUser(env.deps, { actor: system, input: { name: '空格', phone: `${phone.slice(0, 3)} ${phone.slice(3)}`, password: PASSWORD, orgCode: DEMO_VILLAGE } });
        expect(view.phoneMasked).toBe(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
        expect((await loginAs(phone)).userId).toBe(view.id);
      });

      it('lets only a system administrator create accounts, within their scope', async () => {
        const keeper = await actorByPhone(env.deps, demoLogin('seal_keeper').phone);
        for (const actor of [keeper, secAdmin]) {
          await expectAppError(createUser(env.deps, { actor, input: { name: '越权', phone: freshPhone(), password: PASSWORD, orgCode: DEMO_VILLAGE } }), 'FORBIDDEN');
        }
        await expectAppError(createUser(env.deps, { actor: sysAdmin, input: { name: '越权', phone: freshPhone(), password: PASSWORD, orgCode: '370921' } }), 'FORBIDDEN');
      });

      it('lists people only to those who may read them, masked', async () => {
        const keeper = await actorByPhone(env.deps, demoLogin('seal_keeper').phone);
        await expectAppError(listUsers(env.deps, { actor: keeper, query: { limit: 10 } }), 'FORBIDDEN');
        const page = await listUsers(env.deps, { actor: secAdmin, query: { limit: 5, q: '王保管' } });
        expect(page.items).toHaveLength(1);
        expect(page.items[0]).toMatchObject({ name: '王保管', phoneMasked: '138****0003', grants: [{ role: 'seal_keeper', orgCode: DEMO_VILLAGE }] });
        // A village supervisor reads the people of the village, not the town staff.
        const { id } = await newUser({}, [['supervisor', DEMO_OTHER_VILLAGE]]);
        const villageSupervisor = await actorOf(env.deps, id);
        await expectAppError(getUser(env.deps, { actor: villageSupervisor, id: keeper.userId }), 'NOT_FOUND');
        const all = await listUsers(env.deps, { actor: villageSupervisor, query: { limit: 200 } });
        expect(all.items.every((u) => u.homeOrgCode === DEMO_OTHER_VILLAGE || u.homeOrgCode === DEMO_VILLAGE)).toBe(true);
      });
    });

    describe('login', () => {
      it('opens a full session for a person with the right password, and audits it', async () => {
        const { id, phone } = await newUser({}, [['service_clerk', DEMO_VILLAGE]]);
        const seq = await lastSeq(env.database);
        const r = await loginAs(phone);
        expect(r).toMatchObject({ stage: 'full', userId: id });
        expect(r.token).not.toBe(r.csrfToken);
        const a = await auth(r.token);
        expect(a.actor).toMatchObject({ userId: id, ip: '10.1.2.3', grants: [{ role: 'service_clerk', orgCode: DEMO_VILLAGE }] });
        // Only the digest of the token is stored.
        const sessions = await env.database.db.selectFrom('sessions').selectAll().where('user_id', '=', id).execute();
        expect(sessions).toHaveLength(1);
        expect(sessions[0]!.id_hash).not.toContain(r.token);
        expect((await auditSince(env.deps, seq)).map((e) => [e.action, e.actorId])).toEqual([['LOGIN_SUCCEEDED', id]]);
        await logout(env.deps, { auth: a });
        await expectAppError(auth(r.token), 'UNAUTHENTICATED');
      });

      it('answers an unknown phone like a wrong password', async () => {
        const e = await expectAppError(loginAs('15999999999'), 'UNAUTHENTICATED');
        const { phone } = await newUser();
        const e2 = await expectAppError(loginAs(phone, 'Wrong@2026'), 'UNAUTHENTICATED');
        expect(e.message).toBe(e2.message);
      });

      it('counts wrong passwords, locks after the limit even for the right password, and opens again after the lockout', async () => {
        const { id, phone } = await newUser();
        const max = env.deps.policy.maxFailedLogins;
        expect(max).toBe(5);
        const seq = await lastSeq(env.database);
        for (let i = 1; i < max; i++) {
          await expectAppError(loginAs(phone, 'Wrong@2026'), 'UNAUTHENTICATED');
          expect((await userRow(id)).failed_logins).toBe(i);
        }
        await expectAppError(loginAs(phone, 'Wrong@2026'), 'UNAUTHENTICATED');
        const locked = await expectAppError(loginAs(phone), 'ACCOUNT_LOCKED');
        expect(locked.details?.lockedUntil).toBeTypeOf('string');
        await expectAppError(loginAs(phone, 'Wrong@2026'), 'ACCOUNT_LOCKED');

        const entries = await auditSince(env.deps, seq);
        expect(entries.map((e) => e.action)).toEqual([...Array<string>(max).fill('LOGIN_FAILED'), 'ACCOUNT_LOCKED']);
        expect(entries.map((e) => (e.after as { failed?: number }).failed).slice(0, max)).toEqual([1, 2, 3, 4, 5]);
        expect(entries.every((e) => e.targetId === id && e.ip === '10.1.2.3')).toBe(true);
        expect((await getUser(env.deps, { actor: sysAdmin, id })).locked).toBe(true);

        env.tick((env.deps.policy.lockoutMinutes - 1) * 60_000);
        await expectAppError(loginAs(phone), 'ACCOUNT_LOCKED');
        env.tick(60_000 + 1000);
        expect((await loginAs(phone)).stage).toBe('full');
        const row = await userRow(id);
        expect(row.failed_logins).toBe(0);
        expect(row.locked_until).toBeNull();
      });

      it('lets the security administrator lift a lockout, audited', async () => {
        const { id, phone } = await newUser();
        for (let i = 0; i < env.deps.policy.maxFailedLogins; i++) await expectAppError(loginAs(phone, 'Wrong@2026'), 'UNAUTHENTICATED');
        await expectAppError(loginAs(phone), 'ACCOUNT_LOCKED');
        const seq = await lastSeq(env.database);
        await expectAppError(unlockUser(env.deps, { actor: sysAdmin, id }), 'FORBIDDEN');
        await unlockUser(env.deps, { actor: secAdmin, id });
        expect((await auditSince(env.deps, seq)).map((e) => [e.action, e.actorId])).toEqual([['USER_UNLOCKED', secAdmin.userId]]);
        expect((await loginAs(phone)).stage).toBe('full');
      });

      it('refuses a disabled account at login and in its open sessions', async () => {
        const { id, phone } = await newUser();
        const r = await loginAs(phone);
        // Disabled behind the session's back: the session itself must be refused.
        await env.deps.uow.write((tx) => tx.users.update(id, { disabled: true }));
        await expectAppError(auth(r.token), 'UNAUTHENTICATED');
        await expectAppError(loginAs(phone), 'UNAUTHENTICATED');
        await env.deps.uow.write((tx) => tx.users.update(id, { disabled: false }));
        const r2 = await loginAs(phone);
        await disableUser(env.deps, { actor: sysAdmin, id });
        expect(await env.database.db.selectFrom('sessions').selectAll().where('user_id', '=', id).execute()).toEqual([]);
        await expectAppError(auth(r2.token), 'UNAUTHENTICATED');
        await expectAppError(disableUser(env.deps, { actor: sysAdmin, id }), 'CONFLICT');
        await expectAppError(disableUser(env.deps, { actor: sysAdmin, id: sysAdmin.userId }), 'RULE_VIOLATION');
      });

      it('ends a session when it expires', async () => {
        const { phone } = await newUser();
        const r = await loginAs(phone);
        await auth(r.token);
        env.tick(env.deps.policy.sessionHours * 3_600_000 + 1000);
        await expectAppError(auth(r.token), 'UNAUTHENTICATED');
        await expectAppError(authenticate(env.deps, { token: undefined, ip: 'x' }), 'UNAUTHENTICATED');
        await expectAppError(auth('not-a-session'), 'UNAUTHENTICATED');
      });
    });

    describe('second factor for administrators', () => {
      it('sends an administrator without TOTP to enrolment, and a code makes the session full', async () => {
        const { id, phone } = await newUser({ orgCode: DEMO_TOWN }, [['audit_admin', DEMO_TOWN]]);
        const r = await loginAs(phone);
        expect(r.stage).toBe('enrol');
        await expectAppError(auth(r.token), 'TOTP_REQUIRED');
        const half = await auth(r.token, ['enrol']);
        expect(half.actor.grants).toEqual([]); // no powers before the second factor
        const { secret, uri } = await beginTotpEnrolment(env.deps, { auth: half });
        expect(uri).toContain('otpauth://totp/');
        expect((await userRow(id)).totp_secret_enc).not.toContain(secret);
        await expectAppError(enableTotp(env.deps, { auth: await auth(r.token, ['enrol']), code: wrongCode(secret) }), 'VALIDATION', 'code');
        expect((await userRow(id)).failed_logins).toBe(1);
        const seq = await lastSeq(env.database);
        await enableTotp(env.deps, { auth: await auth(r.token, ['enrol']), code: authenticator.generate(secret) });
        expect((await auditSince(env.deps, seq)).map((e) => e.action)).toEqual(['TOTP_ENABLED', 'LOGIN_SUCCEEDED']);
        const full = await auth(r.token);
        expect(full.session.stage).toBe('full');
        expect(full.actor.grants.map((g) => g.role)).toEqual(['audit_admin']);
        expect((await userRow(id)).failed_logins).toBe(0);
        // From now on the second factor is asked at every login.
        expect((await loginAs(phone)).stage).toBe('totp');
      });

      it('asks an administrator with TOTP for the code; a wrong code counts as a failure, the right one promotes the session', async () => {
        const admin = demoLogin('sys_admin');
        const id = sysAdmin.userId;
        const r = await loginAs(admin.phone, DEMO_PASSWORD);
        expect(r.stage).toBe('totp');
        const e = await expectAppError(auth(r.token), 'TOTP_REQUIRED');
        expect(e.message).toMatch(/code/);
        const seq = await lastSeq(env.database);
        await expectAppError(verifyTotp(env.deps, { auth: await auth(r.token, ['totp']), code: wrongCode(DEMO_TOTP_SECRET) }), 'VALIDATION', 'code');
        expect((await userRow(id)).failed_logins).toBe(1);
        const failed = await auditSince(env.deps, seq);
        expect(failed.map((x) => [x.action, (x.after as { reason: string }).reason])).toEqual([['LOGIN_FAILED', 'totp']]);
        await expectAppError(auth(r.token), 'TOTP_REQUIRED');

        await verifyTotp(env.deps, { auth: await auth(r.token, ['totp']), code: authenticator.generate(DEMO_TOTP_SECRET) });
        const full = await auth(r.token);
        expect(full.session.stage).toBe('full');
        expect(full.actor.grants.map((g) => g.role)).toEqual(['sys_admin']);
        expect((await userRow(id)).failed_logins).toBe(0);
        expect((await auditSince(env.deps, seq)).map((x) => x.action)).toEqual(['LOGIN_FAILED', 'LOGIN_SUCCEEDED']);
        await expectAppError(verifyTotp(env.deps, { auth: full, code: authenticator.generate(DEMO_TOTP_SECRET) }), 'CONFLICT');
      });

      it('gives a half-finished login five minutes', async () => {
        const r = await loginAs(demoLogin('audit_admin').phone, DEMO_PASSWORD);
        expect(r.stage).toBe('totp');
        env.tick(4 * 60_000);
        await auth(r.token, ['totp']);
        env.tick(60_000 + 1000);
        await expectAppError(auth(r.token, ['totp']), 'UNAUTHENTICATED');
      });

      it('counts every one of several simultaneous wrong passwords', async () => {
        const { id, phone } = await newUser();
        const results = await Promise.allSettled([1, 2, 3].map(() => loginAs(phone, 'Wrong-pass-1')));
        expect(results.every((r) => r.status === 'rejected')).toBe(true);
        expect((await userRow(id)).failed_logins).toBe(3);
      });

      it('locks an account after too many wrong codes', async () => {
        const { id, phone } = await newUser({ orgCode: DEMO_TOWN }, [['sec_admin', DEMO_TOWN]]);
        const r = await loginAs(phone);
        const { secret } = await beginTotpEnrolment(env.deps, { auth: await auth(r.token, ['enrol']) });
        await enableTotp(env.deps, { auth: await auth(r.token, ['enrol']), code: authenticator.generate(secret) });
        const r2 = await loginAs(phone);
        for (let i = 0; i < env.deps.policy.maxFailedLogins; i++) {
          await expectAppError(verifyTotp(env.deps, { auth: await auth(r2.token, ['totp']), code: wrongCode(secret) }), 'VALIDATION', 'code');
        }
        expect((await userRow(id)).locked_until).not.toBeNull();
        await expectAppError(verifyTotp(env.deps, { auth: await auth(r2.token, ['totp']), code: authenticator.generate(secret) }), 'ACCOUNT_LOCKED');
        await expectAppError(auth(r2.token), 'TOTP_REQUIRED');
      });
    });

    describe('roles', () => {
      it('grants a role on a unit of the right level, audited', async () => {
        const { id } = await newUser();
        const seq = await lastSeq(env.database);
        const g = await grantRole(env.deps, { actor: secAdmin, userId: id, input: { role: 'applicant', orgCode: DEMO_VILLAGE } });
        const entries = await auditSince(env.deps, seq);
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({ action: 'ROLE_GRANTED', actorId: secAdmin.userId, targetId: id, orgCode: DEMO_VILLAGE, before: null, after: { grantId: g.id, role: 'applicant', orgCode: DEMO_VILLAGE } });
        expect((await actorOf(env.deps, id)).grants).toEqual([{ id: g.id, role: 'applicant', orgCode: DEMO_VILLAGE }]);
        await expectAppError(grantRole(env.deps, { actor: secAdmin, userId: id, input: { role: 'applicant', orgCode: DEMO_VILLAGE } }), 'CONFLICT', 'role');
      });

      it.each([
        ['applicant', DEMO_TOWN],
        ['village_approver', DEMO_TOWN],
        ['station_officer', DEMO_VILLAGE],
        ['town_leader', DEMO_VILLAGE],
        ['sys_admin', DEMO_VILLAGE],
        ['auditor', DEMO_VILLAGE],
      ] as [Role, string][])('refuses %s on %s: the wrong level of unit', async (role, orgCode) => {
        const { id } = await newUser();
        const e = await expectAppError(grantRole(env.deps, { actor: secAdmin, userId: id, input: { role, orgCode } }), 'VALIDATION', 'orgCode');
        expect(e.message).toContain(role);
        expect((await actorOf(env.deps, id)).grants).toEqual([]);
      });

      it('keeps the three administrators apart (三员分立)', async () => {
        const { id } = await newUser({ orgCode: DEMO_TOWN }, [['sys_admin', DEMO_TOWN]]);
        for (const role of ['sec_admin', 'audit_admin'] as const) {
          const e = await expectAppError(grantRole(env.deps, { actor: secAdmin, userId: id, input: { role, orgCode: DEMO_TOWN } }), 'RULE_VIOLATION', 'role');
          expect(e.message).toContain('sys_admin');
        }
        // Not even on another unit, nor through the system actor.
        await expectAppError(grantRole(env.deps, { actor: system, userId: id, input: { role: 'audit_admin', orgCode: '370921' } }), 'RULE_VIOLATION');
        // The same administrator role on a wider unit is not a second role.
        await grantRole(env.deps, { actor: system, userId: id, input: { role: 'sys_admin', orgCode: '370921' } });
        expect((await actorOf(env.deps, id)).grants.map((g) => g.role)).toEqual(['sys_admin', 'sys_admin']);
      });

      it('lets nobody grant themselves a role', async () => {
        const before = (await actorOf(env.deps, secAdmin.userId)).grants;
        await expectAppError(grantRole(env.deps, { actor: secAdmin, userId: secAdmin.userId, input: { role: 'station_officer', orgCode: DEMO_TOWN } }), 'RULE_VIOLATION');
        expect((await actorOf(env.deps, secAdmin.userId)).grants).toEqual(before);
      });

      it("stays within the granting actor's scope", async () => {
        const { id } = await newUser();
        // The system administrator manages accounts but grants no roles.
        await expectAppError(grantRole(env.deps, { actor: sysAdmin, userId: id, input: { role: 'applicant', orgCode: DEMO_VILLAGE } }), 'FORBIDDEN');
        // A town's security administrator grants nothing on the county.
        await expectAppError(grantRole(env.deps, { actor: secAdmin, userId: id, input: { role: 'auditor', orgCode: '370921' } }), 'FORBIDDEN');
        // … and cannot reach a person homed outside the town.
        const outsider = await createUser(env.deps, { actor: system, input: { name: '县里人', phone: freshPhone(), password: PASSWORD, orgCode: '370921' } });
        await expectAppError(grantRole(env.deps, { actor: secAdmin, userId: outsider.id, input: { role: 'applicant', orgCode: DEMO_VILLAGE } }), 'NOT_FOUND');
        await expectAppError(grantRole(env.deps, { actor: secAdmin, userId: 'no-such-user', input: { role: 'applicant', orgCode: DEMO_VILLAGE } }), 'NOT_FOUND');
        await expectAppError(grantRole(env.deps, { actor: secAdmin, userId: id, input: { role: 'applicant', orgCode: '370921113299' } }), 'VALIDATION', 'orgCode');
      });

      it('revoking a role ends the sessions of its holder, audited', async () => {
        const { id, phone } = await newUser({}, [['service_clerk', DEMO_VILLAGE], ['applicant', DEMO_VILLAGE]]);
        const r = await loginAs(phone);
        const clerk = (await auth(r.token)).actor.grants.find((g) => g.role === 'service_clerk');
        const other = await newUser();
        await expectAppError(revokeRole(env.deps, { actor: secAdmin, userId: other.id, grantId: clerk!.id }), 'NOT_FOUND');
        await expectAppError(revokeRole(env.deps, { actor: sysAdmin, userId: id, grantId: clerk!.id }), 'FORBIDDEN');
        await auth(r.token);
        const seq = await lastSeq(env.database);
        await revokeRole(env.deps, { actor: secAdmin, userId: id, grantId: clerk!.id });
        await expectAppError(auth(r.token), 'UNAUTHENTICATED');
        const entries = await auditSince(env.deps, seq);
        expect(entries).toHaveLength(1);
        expect(entries[0]).toMatchObject({ action: 'ROLE_REVOKED', targetId: id, before: { grantId: clerk!.id, role: 'service_clerk' }, after: null });
        const r2 = await loginAs(phone);
        expect((await auth(r2.token)).actor.grants.map((g) => g.role)).toEqual(['applicant']);
      });
    });
  });
}
