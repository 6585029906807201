import type { Seal } from '@cunzhang/core';
import type { FastifyInstance } from 'fastify';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { buildTestApp, openTestEnv, TEST_DIALECTS, testBlobs, type TestEnv } from '../testing.js';
import { auditCount, demoLogin } from '../usecases/support.js';
import { as, expectError, login, multipart, pagePhoto, type FormPart, type Session } from './http-test-support.js';

/** A valid PNG header declaring width × height with a few bytes of pixel data: a decompression bomb. */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(1024))), chunk('IEND', Buffer.alloc(0))]);
}

const jpegPart = (bytes: Buffer, name = 'page', filename = 'page.jpg'): FormPart => ({ name, filename, contentType: 'image/jpeg', bytes });

for (const dialect of TEST_DIALECTS) {
  describe(`applications over HTTP [${dialect}]`, () => {
    let env: TestEnv;
    let app: FastifyInstance;
    let s: Record<'applicant' | 'clerk' | 'keeper' | 'approver' | 'otherApprover', Session>;
    let seal: Seal;
    let pages: Buffer[];

    const details = (over: Record<string, unknown> = {}) => ({
      sealId: seal.id, matterCode: 'cert_income', reason: '申请低保需要家庭收入证明', documentTitle: '家庭收入证明', copies: 1, impressions: 1, ...over,
    });
    const apply = (who: Session, data: unknown, files: FormPart[]) => {
      const body = multipart([{ name: 'data', value: JSON.stringify(data) }, ...files]);
      return app.inject(as(who, { method: 'POST', url: '/api/applications', payload: body.payload, headers: body.headers }));
    };
    const blobCount = async () => {
      let n = 0;
      for await (const _ of testBlobs(env).keys()) n++;
      return n;
    };
    const applicationCount = async () => Number((await env.database.db.selectFrom('applications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    /** Runs `fn` and expects it changed nothing stored: no application, no audit entry, no blob. */
    const nothingStored = async (fn: () => Promise<void>) => {
      const before = [await applicationCount(), await auditCount(env.database), await blobCount()];
      await fn();
      expect([await applicationCount(), await auditCount(env.database), await blobCount()]).toEqual(before);
    };

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true, env: { CUNZHANG_UPLOAD_LIMIT_MB: '0.2', CUNZHANG_UPLOAD_TOTAL_LIMIT_MB: '0.3', CUNZHANG_MAX_PAGES: '3', CUNZHANG_MAX_IMPRESSIONS: '5' } });
      app = await buildTestApp(env);
      const seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], typeCode: 'village_committee', limit: 200 }))).items;
      seal = seals.find((x) => x.orgCode === DEMO_VILLAGE)!;
      const other = seals.find((x) => x.orgCode === DEMO_OTHER_VILLAGE)!;
      const otherApprover = await env.deps.uow.read((tx) => tx.users.get(other.approverUserIds[0]!));
      s = {
        applicant: await login(app, demoLogin('applicant').phone), clerk: await login(app, demoLogin('service_clerk').phone),
        keeper: await login(app, demoLogin('seal_keeper').phone), approver: await login(app, demoLogin('village_approver').phone),
        otherApprover: await login(app, env.deps.cipher.decrypt(otherApprover!.phoneEnc)),
      };
      pages = [await pagePhoto(3), await pagePhoto(6)];
    });
    afterAll(async () => {
      await app?.close();
      await env?.close();
    });

    it('files an application with two photographed pages, each stored with a thumbnail and readable only by those concerned', async () => {
      const res = await apply(s.applicant, details(), pages.map((p, i) => jpegPart(p, 'page', `p${i + 1}.jpg`)));
      expect(res.statusCode, res.body).toBe(201);
      const view = res.json();
      expect(view).toMatchObject({ status: 'pending', route: 'approver', sealName: seal.name, matterName: '收入证明', applicantName: demoLogin('applicant').name, hasResolution: false });
      expect(view.pages).toHaveLength(2);
      expect(view.pages[0].thumbUrl).toBe(`/api/applications/${view.id}/pages/1?size=thumb`);
      const full = await app.inject(as(s.approver, { method: 'GET', url: view.pages[1].photoUrl }));
      expect(full.statusCode).toBe(200);
      expect(full.headers['content-type']).toBe('image/jpeg');
      const thumb = await app.inject(as(s.applicant, { method: 'GET', url: view.pages[0].thumbUrl }));
      expect(thumb.statusCode).toBe(200);
      expect(thumb.rawPayload.length).toBeLessThan(full.rawPayload.length * 2);
      // The photo's content key alone opens nothing: files are served through their records.
      expectError(await app.inject(as(s.approver, { method: 'GET', url: `/api/blobs/${view.pages[0].sm3}` })), 404, 'NOT_FOUND');
      // Another village's approver sees neither the application nor its pages.
      expectError(await app.inject(as(s.otherApprover, { method: 'GET', url: `/api/applications/${view.id}` })), 404, 'NOT_FOUND');
      expectError(await app.inject(as(s.otherApprover, { method: 'GET', url: view.pages[0].photoUrl })), 404, 'NOT_FOUND');
    });

    it('puts it in the approver\'s inbox, not the keeper\'s; the approver approves and the keeper finds it in the queue', async () => {
      const view = (await apply(s.applicant, details({ documentTitle: '收入证明（队列）' }), [jpegPart(pages[0]!)])).json();
      const inbox = (who: Session) => app.inject(as(who, { method: 'GET', url: '/api/applications?box=inbox' })).then((r) => r.json().items.map((i: { id: string }) => i.id));
      expect(await inbox(s.approver)).toContain(view.id);
      expect(await inbox(s.keeper)).not.toContain(view.id);
      const detail = (await app.inject(as(s.approver, { method: 'GET', url: `/api/applications/${view.id}` }))).json();
      expect(detail.actions).toEqual(['approve', 'reject']);
      const decided = await app.inject(as(s.approver, { method: 'POST', url: `/api/applications/${view.id}/decision`, payload: { decision: 'approve', opinion: '情况属实，同意' } }));
      expect(decided.statusCode, decided.body).toBe(200);
      expect(decided.json().authorization).toMatchObject({ impressionsAllowed: 1, impressionsUsed: 0, status: 'active' });
      expect(await inbox(s.approver)).not.toContain(view.id);
      const queue = (await app.inject(as(s.keeper, { method: 'GET', url: '/api/applications?box=queue' }))).json();
      expect(queue.items.map((i: { id: string }) => i.id)).toContain(view.id);
      const mine = (await app.inject(as(s.applicant, { method: 'GET', url: '/api/applications?box=mine' }))).json();
      expect(mine.items.find((i: { id: string }) => i.id === view.id)).toMatchObject({ status: 'approved', decidedByName: demoLogin('village_approver').name, opinion: '情况属实，同意' });
      // Approving twice is refused and changes nothing.
      await nothingStored(async () => {
        expectError(await app.inject(as(s.approver, { method: 'POST', url: `/api/applications/${view.id}/decision`, payload: { decision: 'approve', opinion: '同意' } })), 409, 'ILLEGAL_TRANSITION');
      });
    });

    it('records a rejection with its opinion, visible to the applicant', async () => {
      const view = (await apply(s.applicant, details({ documentTitle: '收入证明（驳回）' }), [jpegPart(pages[1]!)])).json();
      await nothingStored(async () => {
        expectError(await app.inject(as(s.approver, { method: 'POST', url: `/api/applications/${view.id}/decision`, payload: { decision: 'reject', opinion: '' } })), 400, 'VALIDATION');
      });
      const res = await app.inject(as(s.approver, { method: 'POST', url: `/api/applications/${view.id}/decision`, payload: { decision: 'reject', opinion: '收入情况需村民小组长签字确认' } }));
      expect(res.json().application).toMatchObject({ status: 'rejected', opinion: '收入情况需村民小组长签字确认' });
      expect(res.json().authorization).toBeNull();
      const detail = (await app.inject(as(s.applicant, { method: 'GET', url: `/api/applications/${view.id}` }))).json();
      expect(detail.actions).toEqual([]);
      expect(detail.history.map((h: { action: string }) => h.action)).toEqual(['APPLICATION_REJECTED', 'APPLICATION_SUBMITTED']);
      // The applicant reads what happened, not the officials' addresses or the chain's hashes.
      expect(Object.keys(detail.history[0]).sort()).toEqual(['action', 'actorName', 'after', 'at', 'seq']);
      expect(JSON.stringify(detail.history)).not.toMatch(/10\.0\.0|127\.0\.0\.1|"ip"/);
    });

    describe('bad input changes nothing stored', () => {
      const cases: [string, () => Promise<FormPart[]>, number, string, RegExp][] = [
        ['a text file instead of a photo', async () => [{ name: 'page', filename: 'notes.txt', contentType: 'text/plain', bytes: Buffer.from('这不是照片') }], 400, 'VALIDATION', /page 1/],
        ['a corrupt JPEG', async () => [jpegPart(pages[0]!.subarray(0, 600))], 400, 'VALIDATION', /page 1/],
        ['a 30,000 × 30,000 PNG (decompression bomb)', async () => [{ name: 'page', filename: 'bomb.png', contentType: 'image/png', bytes: pngBomb(30_000, 30_000) }], 413, 'TOO_LARGE', /900000000 pixels/],
        ['a photo over the byte limit', async () => [jpegPart(await pagePhoto(4, 'png', { width: 1200, height: 1600 }).then(async (b) => Buffer.concat([b, Buffer.alloc(250_000)])))], 413, 'TOO_LARGE', /limit/],
        ['a good first page and a broken second one', async () => [jpegPart(pages[0]!), jpegPart(Buffer.from('garbage'), 'page', 'p2.jpg')], 400, 'VALIDATION', /page 2/],
        ['no pages at all', async () => [], 400, 'VALIDATION', /at least one/],
        ['pages over the limit for the whole upload', async () => [0, 1, 2].map(() => jpegPart(Buffer.concat([pages[0]!, Buffer.alloc(120_000)]))), 413, 'TOO_LARGE', /in all \(file 3\)/],
        ['more pages than allowed', async () => [0, 1, 2, 3].map(() => jpegPart(pages[0]!)), 413, 'TOO_LARGE', /at most 3 per application, got 4/],
      ];
      for (const [what, files, status, code, message] of cases) {
        it(`refuses ${what}`, async () => {
          const parts = await files();
          await nothingStored(async () => {
            const err = expectError(await apply(s.applicant, details(), parts), status, code);
            expect(err.message).toMatch(message);
          });
        });
      }

      it('refuses impressions of 0 and above the limit, and a missing reason, naming the field', async () => {
        for (const [over, field] of [[{ impressions: 0 }, 'impressions'], [{ impressions: 6 }, 'impressions'], [{ reason: '' }, 'reason'], [{ copies: -1 }, 'copies']] as const) {
          await nothingStored(async () => {
            const err = expectError(await apply(s.applicant, details(over), [jpegPart(pages[0]!)]), 400, 'VALIDATION');
            expect(err.field).toBe(field);
          });
        }
      });

      it('refuses a seal of another village as if it did not exist, and the contract-only seal', async () => {
        const seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], limit: 500 }))).items;
        const otherSeal = seals.find((x) => x.orgCode === DEMO_OTHER_VILLAGE && x.typeCode === 'village_committee')!;
        const contract = seals.find((x) => x.orgCode === DEMO_VILLAGE && x.typeCode === 'contract')!;
        await nothingStored(async () => {
          expectError(await apply(s.applicant, details({ sealId: otherSeal.id }), [jpegPart(pages[0]!)]), 404, 'NOT_FOUND');
          expect(expectError(await apply(s.applicant, details({ sealId: contract.id }), [jpegPart(pages[0]!)]), 422, 'RULE_VIOLATION').message).toMatch(/合同程序表/);
        });
      });

      it('refuses a form without the JSON part, with bad JSON, or as plain JSON', async () => {
        await nothingStored(async () => {
          const noData = multipart([jpegPart(pages[0]!)]);
          expect(expectError(await app.inject(as(s.applicant, { method: 'POST', url: '/api/applications', payload: noData.payload, headers: noData.headers })), 400, 'VALIDATION').field).toBe('data');
          const badJson = multipart([{ name: 'data', value: '{not json' }, jpegPart(pages[0]!)]);
          expect(expectError(await app.inject(as(s.applicant, { method: 'POST', url: '/api/applications', payload: badJson.payload, headers: badJson.headers })), 400, 'VALIDATION').message).toMatch(/not valid JSON/);
          expectError(await app.inject(as(s.applicant, { method: 'POST', url: '/api/applications', payload: details() })), 400, 'VALIDATION');
        });
      });
    });

    it('refuses a resolution passed in another village, and accepts one of the same village', async () => {
      const loan = { matterCode: 'loan', reason: '村集体借款修路', documentTitle: '借款协议' };
      const withResolution = await apply(s.applicant, details(loan), [jpegPart(pages[0]!), jpegPart(await pagePhoto(9), 'resolution', 'resolution.jpg')]);
      expect(withResolution.statusCode, withResolution.body).toBe(201);
      expect(withResolution.json()).toMatchObject({ route: 'resolution', hasResolution: true });
      // A resolution is referred to again only once an approval accepted it.
      await nothingStored(async () => {
        const early = expectError(await apply(s.applicant, details({ ...loan, resolutionOf: withResolution.json().id }), [jpegPart(pages[1]!)]), 422, 'RULE_VIOLATION');
        expect(early.message).toMatch(/is pending/);
      });
      const ok = await app.inject(as(s.approver, { method: 'POST', url: `/api/applications/${withResolution.json().id}/decision`, payload: { decision: 'approve', opinion: '经村民代表会议决议，同意' } }));
      expect(ok.statusCode, ok.body).toBe(200);
      const again = await apply(s.applicant, details({ ...loan, documentTitle: '借款协议（副本）', resolutionOf: withResolution.json().id }), [jpegPart(pages[1]!)]);
      expect(again.statusCode, again.body).toBe(201);
      expect(again.json().hasResolution).toBe(true);
      // An approved application of another village, with a resolution, filed by somebody else.
      const clerkId = (await env.deps.uow.read((tx) => tx.users.byPhoneIndex(env.deps.cipher.index(demoLogin('service_clerk').phone))))!.id;
      const otherId = await env.deps.uow.write(async (tx) => {
        const mine = await tx.applications.get(withResolution.json().id);
        const copy = { ...mine!, id: env.deps.ids.next(), orgCode: DEMO_OTHER_VILLAGE, applicantUserId: clerkId, clerkUserId: null };
        await tx.applications.insert(copy);
        return copy.id;
      });
      // The applicant cannot see it at all.
      await nothingStored(async () => {
        expectError(await apply(s.applicant, details({ ...loan, resolutionOf: otherId }), [jpegPart(pages[1]!)]), 404, 'NOT_FOUND');
      });
      // Someone who may read and apply town-wide sees it, and is told a resolution counts only for its own village.
      const applicantId = (await env.deps.uow.read((tx) => tx.users.byPhoneIndex(env.deps.cipher.index(demoLogin('applicant').phone))))!.id;
      const grantId = env.deps.ids.next();
      await env.deps.uow.write((tx) => tx.grants.insert({ id: grantId, userId: applicantId, role: 'service_clerk', orgCode: DEMO_TOWN, createdAt: new Date().toISOString() }));
      try {
        await nothingStored(async () => {
          const err = expectError(await apply(s.applicant, details({ ...loan, resolutionOf: otherId }), [jpegPart(pages[1]!)]), 422, 'RULE_VIOLATION');
          expect(err.field).toBe('resolutionOf');
          expect(err.message).toMatch(new RegExp(`unit ${DEMO_OTHER_VILLAGE}.*own village \\(${DEMO_VILLAGE}\\)`));
        });
      } finally {
        await env.deps.uow.write((tx) => tx.grants.delete(grantId));
      }
    });
  });
}
