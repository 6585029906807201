import { blobKeyOf, FsBlobStore } from '@cunzhang/store';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_VILLAGE } from '../demo/seed.js';
import { buildTestApp, freshTotpCode, openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';

/** Each app (one per dialect) has its own database, so its own record of used TOTP steps. */
const appIds = new WeakMap<FastifyInstance, number>();
const totpWho = (app: FastifyInstance, phone: string): string => {
  if (!appIds.has(app)) appIds.set(app, Math.random());
  return `${appIds.get(app)}:${phone}`;
};

interface Session { cookies: Record<string, string>; csrf: string }

async function login(app: FastifyInstance, phone: string, totp = false): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { phone, password: DEMO_PASSWORD } });
  expect(res.statusCode).toBe(200);
  const cookies = Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
  const s = { cookies, csrf: cookies.cz_csrf! };
  if (totp) {
    const r = await app.inject({ method: 'POST', url: '/api/auth/totp', cookies, headers: { 'x-csrf-token': s.csrf }, payload: { code: await freshTotpCode(DEMO_TOTP_SECRET, totpWho(app, phone)) } });
    expect(r.json()).toEqual({ stage: 'full' });
  }
  return s;
}

/** A request as a logged-in person, CSRF header included. */
const as = (s: Session, o: InjectOptions): InjectOptions => ({ ...o, cookies: s.cookies, headers: { 'x-csrf-token': s.csrf, ...o.headers } });

/** A clear 4xx: the documented error body, a message, no stack trace. */
function expectError(res: LightMyRequestResponse, status: number, code: string, field?: string): { code: string; message: string; field?: string } {
  expect(res.statusCode, res.body.slice(0, 500)).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json() as { error: { code: string; message: string; field?: string; details?: unknown } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).every((k) => ['code', 'message', 'field', 'details'].includes(k))).toBe(true);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(3);
  if (field !== undefined) expect(body.error.field).toBe(field);
  expect(res.body).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  return body.error;
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('IHDR a tiny test image')]);

function multipart(parts: { name: string; filename?: string; type?: string; data: Buffer | string }[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----cunzhang-test-boundary';
  const chunks = parts.flatMap((p) => [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`),
    Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data),
    Buffer.from('\r\n'),
  ]);
  return { payload: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Everything a refused request must leave as it was. */
async function snapshot(env: TestEnv): Promise<unknown> {
  const db = env.database.db;
  const count = async (t: 'audit_log' | 'seal_handovers' | 'users' | 'role_grants' | 'seal_types' | 'org_units') =>
    Number((await db.selectFrom(t).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const blobs: string[] = [];
  for await (const k of new FsBlobStore(path.join(env.dataDir, 'blobs')).keys()) blobs.push(k);
  return {
    seals: await db.selectFrom('seals').selectAll().orderBy('id').execute(),
    users: await db.selectFrom('users').select(['id', 'failed_logins', 'locked_until', 'disabled', 'totp_enabled']).orderBy('id').execute(),
    audit: await count('audit_log'),
    head: await db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow(),
    handovers: await count('seal_handovers'),
    grants: await count('role_grants'),
    types: await count('seal_types'),
    orgs: await count('org_units'),
    blobs: blobs.sort(),
  };
}

for (const dialect of TEST_DIALECTS) {
  describe(`bad input over HTTP is refused with a clear 4xx and changes nothing (${dialect})`, () => {
    let env: TestEnv;
    let app: FastifyInstance;
    let officer: Session;
    let keeper: Session;
    let supervisor: Session;
    let own: { id: string };
    let other: { id: string };

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true, env: { CUNZHANG_UPLOAD_LIMIT_MB: '0.1', CUNZHANG_LOGIN_RATE_PER_MINUTE: '10000' } });
      app = await buildTestApp(env);
      officer = await login(app, '13800000005');
      keeper = await login(app, '13800000003');
      supervisor = await login(app, '13800000007');
      const seals = (await app.inject(as(officer, { method: 'GET', url: '/api/seals?limit=200' }))).json().items as { id: string; orgCode: string; typeCode: string }[];
      own = seals.find((s) => s.orgCode === DEMO_VILLAGE && s.typeCode === 'village_committee')!;
      other = seals.find((s) => s.orgCode === DEMO_OTHER_VILLAGE && s.typeCode === 'village_committee')!;
    });
    afterAll(async () => {
      await app?.close();
      await env?.close();
    });

    /** Sends `o`, checks the error, and checks that the database, the trail and the files did not move. */
    async function refusedWithoutChange(o: InjectOptions, status: number, code: string, field?: string) {
      const before = await snapshot(env);
      const err = expectError(await app.inject(o), status, code, field);
      expect(await snapshot(env)).toEqual(before);
      return err;
    }

    describe('wrong types', () => {
      it('filingNumber: 123 → 400 naming filingNumber', async () => {
        const e = await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${own.id}/file`, payload: { filingNumber: 123 } }), 400, 'VALIDATION', 'filingNumber');
        expect(e.message).toMatch(/^filingNumber: .*string/);
      });
      it('limit=abc → 400 naming limit', async () => {
        await refusedWithoutChange(as(officer, { method: 'GET', url: '/api/seals?limit=abc' }), 400, 'VALIDATION', 'limit');
      });
      it('limit out of range and a repeated limit → 400', async () => {
        await refusedWithoutChange(as(officer, { method: 'GET', url: '/api/seals?limit=0' }), 400, 'VALIDATION', 'limit');
        await refusedWithoutChange(as(officer, { method: 'GET', url: '/api/seals?limit=1&limit=2' }), 400, 'VALIDATION', 'limit');
      });
      it('approverUserIds as a string, witnesses as a number → 400 naming the field', async () => {
        await refusedWithoutChange(as(officer, { method: 'PATCH', url: `/api/seals/${own.id}`, payload: { approverUserIds: 'abc' } }), 400, 'VALIDATION', 'approverUserIds');
        await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${own.id}/retire`, payload: { method: 'sealed', witnesses: 2, reason: '损坏' } }), 400, 'VALIDATION', 'witnesses');
      });
      it('a body that is JSON but not an object → 400', async () => {
        await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${own.id}/suspend`, headers: { 'content-type': 'application/json' }, payload: '[1,2]' }), 400, 'VALIDATION');
        await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${own.id}/suspend`, headers: { 'content-type': 'application/json' }, payload: '"reason"' }), 400, 'VALIDATION');
        await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${own.id}/activate`, headers: { 'content-type': 'application/json' }, payload: 'null' }), 400, 'VALIDATION');
      });
      it('a rule of the body schema (one witness to retire) → 400 naming the field', async () => {
        const e = await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${own.id}/retire`, payload: { method: 'sealed', witnesses: ['王五'], reason: '换新章' } }), 400, 'VALIDATION', 'witnesses');
        expect(e.message).toContain('at least two people');
      });
      it('an audit query beyond the trail\'s numbering → never a database error', async () => {
        await refusedWithoutChange(as(supervisor, { method: 'GET', url: '/api/audit?before=1e400' }), 400, 'VALIDATION', 'before');
        // Past the trail's integer numbering the schema refuses the value on either dialect.
        expect(expectError(await app.inject(as(supervisor, { method: 'GET', url: '/api/audit?before=3000000000&limit=1' })), 400, 'VALIDATION').field).toBe('before');
      });
    });

    describe('unknown fields', () => {
      it('in the body → 400 naming the field', async () => {
        const e = await refusedWithoutChange(as(officer, { method: 'PATCH', url: `/api/seals/${own.id}`, payload: { name: '新名称', bogus: 1 } }), 400, 'VALIDATION', 'bogus');
        expect(e.message).toBe('unknown field bogus in body');
      });
      it('in the query → 400 naming the field', async () => {
        const e = await refusedWithoutChange(as(officer, { method: 'GET', url: '/api/seals?status=active&sort=name' }), 400, 'VALIDATION', 'sort');
        expect(e.message).toBe('unknown field sort in query');
      });
      it('on a lifecycle step that takes no fields → 400', async () => {
        await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${own.id}/activate`, payload: { force: true } }), 400, 'VALIDATION', 'force');
      });
      it('a prototype-polluting key → 400', async () => {
        await refusedWithoutChange(as(officer, { method: 'PATCH', url: `/api/seals/${own.id}`, headers: { 'content-type': 'application/json' }, payload: '{"__proto__":{"name":"x"}}' }), 400, 'VALIDATION');
      });
    });

    describe('bodies the parser refuses', () => {
      it('larger than CUNZHANG_BODY_LIMIT_KB (256 KB) → 413 PAYLOAD_TOO_LARGE', async () => {
        await refusedWithoutChange(as(officer, { method: 'PATCH', url: `/api/seals/${own.id}`, payload: { name: '章'.repeat(100 * 1024) } }), 413, 'PAYLOAD_TOO_LARGE');
      });
      it('just under the limit but invalid → 400, not 413', async () => {
        await refusedWithoutChange(as(officer, { method: 'PATCH', url: `/api/seals/${own.id}`, payload: { name: 'x'.repeat(200 * 1024) } }), 400, 'VALIDATION', 'name');
      });
      it('malformed JSON → 400', async () => {
        const e = await refusedWithoutChange(as(officer, { method: 'PATCH', url: `/api/seals/${own.id}`, headers: { 'content-type': 'application/json' }, payload: '{"name": "x",' }), 400, 'VALIDATION');
        expect(e.message).toContain('not valid JSON');
      });
      it('an empty JSON body → 400', async () => {
        await refusedWithoutChange(as(officer, { method: 'PATCH', url: `/api/seals/${own.id}`, headers: { 'content-type': 'application/json' }, payload: '' }), 400, 'VALIDATION');
      });
      it('wrong content-type → 415', async () => {
        for (const type of ['application/xml', 'text/plain', 'application/x-www-form-urlencoded']) {
          const e = await refusedWithoutChange(as(officer, { method: 'PATCH', url: `/api/seals/${own.id}`, headers: { 'content-type': type }, payload: 'name=x' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
          expect(e.message).toContain('application/json');
        }
      });
      it('the NUL character, in the body, the path or the query → 400 on every database', async () => {
        await refusedWithoutChange(as(officer, { method: 'PATCH', url: `/api/seals/${own.id}`, payload: { name: '前鹤山\u0000村' } }), 400, 'VALIDATION', 'name');
        await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${own.id}/hand-over`, payload: { receiverUserId: 'x\u0000', witnessName: '刘监交' } }), 400, 'VALIDATION', 'receiverUserId');
        await refusedWithoutChange(as(officer, { method: 'GET', url: '/api/seals/01AB%00CD' }), 400, 'VALIDATION', 'id');
        await refusedWithoutChange(as(officer, { method: 'GET', url: '/api/seals?q=%E9%B9%A4%00' }), 400, 'VALIDATION', 'q');
        await refusedWithoutChange(as(supervisor, { method: 'GET', url: '/api/audit?targetId=a%00' }), 400, 'VALIDATION', 'targetId');
        await refusedWithoutChange({ method: 'POST', url: '/api/auth/login', payload: { phone: '13800000003', password: `${DEMO_PASSWORD}\u0000` } }, 400, 'VALIDATION', 'password');
      });
      it('a cursor that is not one this server wrote → never a 5xx', async () => {
        for (const parts of [['\u0000', 'x'], ['a'], 'junk']) {
          const cursor = Buffer.from(JSON.stringify(parts)).toString('base64url');
          const res = await app.inject(as(officer, { method: 'GET', url: `/api/seals?cursor=${cursor}` }));
          if (res.statusCode === 200) expect(Array.isArray(res.json().items)).toBe(true);
          else expectError(res, 400, 'VALIDATION');
        }
      });
    });

    describe('unknown ids', () => {
      it('a seal → 404 NOT_FOUND naming the id, for reads and for every change', async () => {
        const e = await refusedWithoutChange(as(officer, { method: 'GET', url: '/api/seals/01NOSUCHSEAL' }), 404, 'NOT_FOUND', 'id');
        expect(e.message).toContain('01NOSUCHSEAL');
        expect((await refusedWithoutChange(as(officer, { method: 'PATCH', url: '/api/seals/01NOSUCHSEAL', payload: { name: 'x' } }), 404, 'NOT_FOUND', 'id')).message).toContain('01NOSUCHSEAL');
        await refusedWithoutChange(as(officer, { method: 'POST', url: '/api/seals/01NOSUCHSEAL/suspend', payload: { reason: '检查' } }), 404, 'NOT_FOUND', 'id');
        await refusedWithoutChange(as(officer, { method: 'POST', url: '/api/seals/01NOSUCHSEAL/hand-over', payload: { receiverUserId: 'x', witnessName: '刘监交' } }), 404, 'NOT_FOUND', 'id');
        await refusedWithoutChange(as(officer, { method: 'PUT', url: '/api/seals/01NOSUCHSEAL/impression', ...multipart([{ name: 'file', filename: 'a.png', type: 'image/png', data: PNG }]) }), 404, 'NOT_FOUND', 'id');
      });
      it('a person, a grant, a unit and a file → 404 naming the id', async () => {
        expect((await refusedWithoutChange(as(supervisor, { method: 'GET', url: '/api/users/01NOSUCHUSER' }), 404, 'NOT_FOUND')).message).toContain('01NOSUCHUSER');
        expect((await refusedWithoutChange(as(officer, { method: 'GET', url: '/api/orgs/370921113999' }), 404, 'NOT_FOUND')).message).toContain('370921113999');
        const key = 'ab'.repeat(32);
        expect((await refusedWithoutChange(as(officer, { method: 'GET', url: `/api/blobs/${key}` }), 404, 'NOT_FOUND', 'key')).message).toContain(key);
      });
      it('an id too long or a malformed file key → 400', async () => {
        await refusedWithoutChange(as(officer, { method: 'GET', url: `/api/seals/${'A'.repeat(41)}` }), 400, 'VALIDATION', 'id');
        await refusedWithoutChange(as(officer, { method: 'GET', url: '/api/blobs/not-a-key' }), 400, 'VALIDATION', 'key');
      });
    });

    describe('another village\'s ids', () => {
      it('the keeper of village 201 cannot read a seal of village 202: 404, as if it did not exist', async () => {
        const e = await refusedWithoutChange(as(keeper, { method: 'GET', url: `/api/seals/${other.id}` }), 404, 'NOT_FOUND', 'id');
        expect(e.message).toBe(`seal ${other.id} not found`);
      });
      it('nor change it: 404 for every step', async () => {
        await refusedWithoutChange(as(keeper, { method: 'PATCH', url: `/api/seals/${other.id}`, payload: { name: '改名' } }), 404, 'NOT_FOUND');
        await refusedWithoutChange(as(keeper, { method: 'POST', url: `/api/seals/${other.id}/suspend`, payload: { reason: '检查' } }), 404, 'NOT_FOUND');
        await refusedWithoutChange(as(keeper, { method: 'POST', url: `/api/seals/${other.id}/declare-lost`, payload: { reason: '遗失' } }), 404, 'NOT_FOUND');
        await refusedWithoutChange(as(keeper, { method: 'POST', url: `/api/seals/${other.id}/hand-over`, payload: { receiverUserId: 'x', witnessName: '刘监交' } }), 404, 'NOT_FOUND');
        await refusedWithoutChange(as(keeper, { method: 'PUT', url: `/api/seals/${other.id}/impression`, ...multipart([{ name: 'file', filename: 'a.png', type: 'image/png', data: PNG }]) }), 404, 'NOT_FOUND');
      });
      it('a keeper, who reads but does not manage seals, cannot change one of their own village: 403', async () => {
        await refusedWithoutChange(as(keeper, { method: 'PATCH', url: `/api/seals/${own.id}`, payload: { name: '改名' } }), 403, 'FORBIDDEN');
        await refusedWithoutChange(as(keeper, { method: 'POST', url: `/api/seals/${own.id}/suspend`, payload: { reason: '检查' } }), 403, 'FORBIDDEN');
      });
      it('nor upload its impression, and the refused image is not kept', async () => {
        const png = Buffer.concat([PNG, Buffer.from('keeper upload')]);
        await refusedWithoutChange(as(keeper, { method: 'PUT', url: `/api/seals/${own.id}/impression`, ...multipart([{ name: 'file', filename: 'a.png', type: 'image/png', data: png }]) }), 403, 'FORBIDDEN');
        expect(await new FsBlobStore(path.join(env.dataDir, 'blobs')).has(blobKeyOf(png))).toBe(false);
      });
      it('listing another village\'s seals by orgCode → 403', async () => {
        await refusedWithoutChange(as(keeper, { method: 'GET', url: `/api/seals?orgCode=${DEMO_OTHER_VILLAGE}` }), 403, 'FORBIDDEN');
      });
    });

    describe('illegal lifecycle steps', () => {
      it('filing an active seal → 409 ILLEGAL_TRANSITION with the reason', async () => {
        const e = await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${own.id}/file`, payload: { filingNumber: '鹤公备999' } }), 409, 'ILLEGAL_TRANSITION', 'status');
        expect(e.message).toBe('cannot file a seal that is active: only a newly issued seal can be filed');
      });
      it('activating an active seal → 409 with the reason', async () => {
        const e = await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${own.id}/activate`, payload: {} }), 409, 'ILLEGAL_TRANSITION');
        expect(e.message).toContain('only a filed or suspended seal can be put into use');
      });
      it('steps on a retired seal → 409, and its record is closed', async () => {
        // Set up: retire a seal of a third village through the API.
        const seals = (await app.inject(as(officer, { method: 'GET', url: '/api/seals?orgCode=370921113203' }))).json().items as { id: string }[];
        const id = seals[0]!.id;
        const r = await app.inject(as(officer, { method: 'POST', url: `/api/seals/${id}/retire`, payload: { method: 'destroyed', witnesses: ['王五', '赵六'], reason: '村委会撤并' } }));
        expect(r.statusCode, r.body).toBe(200);
        expect((await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${id}/retire`, payload: { method: 'sealed', witnesses: ['王五', '赵六'], reason: '再次' } }), 409, 'ILLEGAL_TRANSITION')).message)
          .toContain('cannot be retired twice');
        await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${id}/activate`, payload: {} }), 409, 'ILLEGAL_TRANSITION');
        await refusedWithoutChange(as(officer, { method: 'POST', url: `/api/seals/${id}/hand-over`, payload: { receiverUserId: 'x', witnessName: '刘监交' } }), 409, 'ILLEGAL_TRANSITION');
        expect((await refusedWithoutChange(as(officer, { method: 'PATCH', url: `/api/seals/${id}`, payload: { name: '改名' } }), 409, 'ILLEGAL_TRANSITION')).message).toContain('closed');
      });
    });

    describe('impression uploads', () => {
      it('a file that is not PNG, JPEG or WebP → 400 naming file, nothing stored', async () => {
        const e = await refusedWithoutChange(as(officer, { method: 'PUT', url: `/api/seals/${own.id}/impression`, ...multipart([{ name: 'file', filename: 'scan.png', type: 'image/png', data: '%PDF-1.7 not an image' }]) }), 400, 'VALIDATION', 'file');
        expect(e.message).toContain('PNG, JPEG or WebP');
      });
      it('larger than CUNZHANG_UPLOAD_LIMIT_MB → 413, nothing stored', async () => {
        const big = Buffer.concat([PNG, Buffer.alloc(200 * 1024, 7)]);
        await refusedWithoutChange(as(officer, { method: 'PUT', url: `/api/seals/${own.id}/impression`, ...multipart([{ name: 'file', filename: 'big.png', type: 'image/png', data: big }]) }), 413, 'PAYLOAD_TOO_LARGE');
      });
      it('no file part → 400 naming file; JSON instead of multipart → 415', async () => {
        await refusedWithoutChange(as(officer, { method: 'PUT', url: `/api/seals/${own.id}/impression`, ...multipart([{ name: 'note', data: 'no file here' }]) }), 400, 'VALIDATION', 'file');
        await refusedWithoutChange(as(officer, { method: 'PUT', url: `/api/seals/${own.id}/impression`, payload: { file: PNG.toString('base64') } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      });
      it('without the CSRF header → 403, nothing stored', async () => {
        const png = Buffer.concat([PNG, Buffer.from('no csrf')]);
        const upload = multipart([{ name: 'file', filename: 'a.png', type: 'image/png', data: png }]);
        await refusedWithoutChange({ method: 'PUT', url: `/api/seals/${own.id}/impression`, cookies: officer.cookies, ...upload }, 403, 'FORBIDDEN', 'x-csrf-token');
        expect(await new FsBlobStore(path.join(env.dataDir, 'blobs')).has(blobKeyOf(png))).toBe(false);
      });
      it('a good image from the officer is stored and recorded (the control case)', async () => {
        const before = await snapshot(env) as { audit: number };
        const res = await app.inject(as(officer, { method: 'PUT', url: `/api/seals/${own.id}/impression`, ...multipart([{ name: 'file', filename: 'seal.png', type: 'image/png', data: PNG }]) }));
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().impressionBlob).toBe(blobKeyOf(PNG));
        const after = await snapshot(env) as { audit: number; blobs: string[] };
        expect(after.audit).toBe(before.audit + 1);
        expect(after.blobs).toContain(blobKeyOf(PNG));
        const got = await app.inject(as(keeper, { method: 'GET', url: `/api/blobs/${blobKeyOf(PNG)}` }));
        expect(got.statusCode).toBe(200);
        expect(got.headers['content-type']).toBe('image/png');
        expect(got.rawPayload.equals(PNG)).toBe(true);
      });
    });

    describe('fuzzing the POST routes with random JSON (last: it changes data)', () => {
      const who: Record<'officer' | 'sysAdmin' | 'secAdmin' | 'auditAdmin', Session> = {} as never;
      let seals: string[];
      let people: Record<string, string>;

      beforeAll(async () => {
        who.officer = officer;
        who.sysAdmin = await login(app, '13800000009', true);
        who.secAdmin = await login(app, '13800000010', true);
        who.auditAdmin = await login(app, '13800000011', true);
        seals = ((await app.inject(as(who.officer, { method: 'GET', url: `/api/seals?orgCode=${DEMO_VILLAGE}` }))).json().items as { id: string }[]).map((s) => s.id);
        const users = (await app.inject(as(who.secAdmin, { method: 'GET', url: '/api/users?limit=200' }))).json().items as { id: string; name: string }[];
        people = Object.fromEntries(users.map((u) => [u.name, u.id]));
      });

      // Strings with the characters that break things: NUL, lone surrogates, SQL and LIKE specials, bidi marks.
      const text = fc.array(fc.oneof(
        { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
        { weight: 1, arbitrary: fc.constant('\u0000') },
        { weight: 2, arbitrary: fc.constantFrom('\ud800', '%', '_', '\\', "'", '"', ';--', '😀', '\u202e', '鹤山', ' ', '\n') },
      ), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
      const known = fc.constantFrom('', ' ', '370921113201', '370921113202', '370921113', '370921', '999999999999', 'village_committee', 'contract',
        'sealed', 'destroyed', 'station', '13800000001', '13900000001', DEMO_PASSWORD, '2026-01-01T00:00:00Z', '2999-01-01T00:00:00+08:00', '123456',
        'applicant', 'sys_admin', 'seal_keeper', 'ab'.repeat(32), '11010519491231002X');
      const value: fc.Arbitrary<unknown> = fc.oneof(
        known, text, text,
        fc.array(fc.oneof(known, text), { maxLength: 4 }),
        fc.jsonValue({ maxDepth: 2, stringUnit: 'binary' }),
        fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
      );
      /** A valid body with each field kept, replaced by a random value, or left out; sometimes an extra field. */
      const mutate = (valid: Record<string, unknown>): fc.Arbitrary<string> => fc.record(
        Object.fromEntries(Object.entries(valid).map(([k, v]) => [k, fc.oneof(
          { weight: 5, arbitrary: fc.constant(v) }, { weight: 2, arbitrary: value }, { weight: 1, arbitrary: fc.constant(undefined) },
        )])),
      ).chain((b) => fc.oneof(
        { weight: 9, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom('extra', '__proto__', 'constructor', 'id', 'status'), value) },
      ).map((x) => JSON.stringify(x ? { ...b, [x[0]]: x[1] } : b)));
      const body = (valid: Record<string, unknown>): fc.Arbitrary<string> => fc.oneof(
        { weight: 8, arbitrary: mutate(valid) },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
      );

      it('every answer is below 500 and errors have the documented shape', async () => {
        const keeper = people['王保管']!;
        const approver = people['赵书记']!;
        const seal = (i: number) => `/api/seals/${seals[i % seals.length]}`;
        const routes: [method: 'POST' | 'PATCH', url: string, as: Session | null, valid: Record<string, unknown>][] = [
          ['POST', '/api/seals', who.officer, { typeCode: 'party_branch', orgCode: DEMO_VILLAGE, name: '前鹤山村党支部', issuingAuthority: '宁阳县鹤山镇人民政府', keeperUserId: keeper, approverUserIds: [approver] }],
          ['PATCH', seal(0), who.officer, { name: '前鹤山村委会印章', issuingAuthority: '宁阳县鹤山镇人民政府', keeperUserId: keeper, approverUserIds: [approver], impressionBlob: 'ab'.repeat(32) }],
          ['POST', `${seal(0)}/file`, who.officer, { filingNumber: '鹤公备001' }],
          ['POST', `${seal(0)}/activate`, who.officer, {}],
          ['POST', `${seal(0)}/suspend`, who.officer, { reason: '设备检修' }],
          ['POST', `${seal(1)}/declare-lost`, who.officer, { reason: '保管人报失', noticeRef: '宁阳日报 2026-03-01' }],
          ['POST', `${seal(1)}/retire`, who.officer, { method: 'sealed', witnesses: ['王五', '赵六'], reason: '换发新章' }],
          ['POST', `${seal(0)}/hand-over`, who.officer, { receiverUserId: keeper, witnessName: '刘监交', handedAt: '2026-01-01T08:00:00+08:00', note: '换届移交' }],
          ['POST', '/api/seal-types', who.sysAdmin, { code: 'fuzz_type', nameZh: '测试章', nameEn: 'Test seal', custody: 'village' }],
          ['POST', '/api/users', who.sysAdmin, { name: '新用户', phone: '13912345678', idNumber: '11010519491231002X', password: 'Passw0rd!x', orgCode: DEMO_VILLAGE }],
          ['POST', `/api/users/${keeper}/grants`, who.secAdmin, { role: 'service_clerk', orgCode: DEMO_VILLAGE }],
          ['POST', '/api/auth/login', null, { phone: '13800000001', password: 'not the password' }],
          ['POST', '/api/auth/totp', who.sysAdmin, { code: '123456' }],
        ];
        const request = fc.constantFrom(...routes).chain((r) => body(r[3]).map((payload) => [r, payload] as const));
        await fc.assert(fc.asyncProperty(request, async ([[method, url, person], payload]) => {
          const o: InjectOptions = { method, url, headers: { 'content-type': 'application/json' }, payload };
          const res = await app.inject(person ? as(person, o) : o);
          expect(res.statusCode, `${method} ${url} ${payload} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const e = res.json() as { error: { code: string; message: string } };
            expect(typeof e.error.code).toBe('string');
            expect(typeof e.error.message).toBe('string');
            expect(res.body).not.toMatch(/\n\s+at |node_modules/);
          }
        }), { numRuns: 600 });
        // The trail the fuzzing wrote is still one intact chain.
        const verified = await app.inject(as(who.auditAdmin, { method: 'GET', url: '/api/audit/verify' }));
        expect(verified.json()).toMatchObject({ ok: true, firstBad: null });
      }, 120_000);
    });
  });
}
