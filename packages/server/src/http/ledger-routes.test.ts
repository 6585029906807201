import { decideApplication, submitApplication, type Actor, type Seal } from '@cunzhang/core';
import { intakePhoto } from '@cunzhang/media';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VILLAGE } from '../demo/seed.js';
import { buildTestApp, openTestEnv, testBlobs, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { actorByPhone, auditCount, demoLogin } from '../usecases/support.js';
import { as, expectError, login, multipart, pagePhoto, type Session } from './http-test-support.js';
import { LiveHub, type LiveEvent } from './live.js';

const run = promisify(execFile);

/** Text of the PDF and how many pages pdftoppm renders from it. */
async function openPdf(pdf: Buffer): Promise<{ text: string; pngs: number }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cz-ledger-'));
  try {
    await writeFile(path.join(dir, 'in.pdf'), pdf);
    await run('pdftoppm', ['-png', '-r', '40', path.join(dir, 'in.pdf'), path.join(dir, 'page')]);
    const pngs = (await readdir(dir)).filter((f) => f.endsWith('.png')).length;
    return { text: (await run('pdftotext', ['-enc', 'UTF-8', '-layout', path.join(dir, 'in.pdf'), '-'])).stdout, pngs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function blobCount(env: TestEnv): Promise<number> {
  let n = 0;
  for await (const _k of testBlobs(env).keys()) n++;
  return n;
}

for (const dialect of TEST_DIALECTS) {
  describe(`ledger and stamping routes [${dialect}]`, () => {
    let env: TestEnv;
    let app: FastifyInstance;
    const live = new LiveHub();
    let keeper: Session;
    let approver: Session;
    let supervisor: Session;
    let applicant: Actor;
    let seal: Seal;
    let phash: string;

    const approved = async (impressions: number, reason = '办理低保，联系电话13812345678') => {
      const a = await submitApplication(env.deps, {
        actor: applicant, input: { sealId: seal.id, matterCode: 'cert_residence', reason, documentTitle: '居住证明', copies: 1, impressions, pages: [{ blobKey: 'a'.repeat(64), thumbKey: 'b'.repeat(64), sm3: 'a'.repeat(64), phash }] },
      });
      await decideApplication(env.deps, { actor: await actorByPhone(env.deps, demoLogin('seal_keeper').phone), id: a.id, input: { decision: 'approve', opinion: '同意' } });
      return a;
    };
    const stamp = async (s: Session, id: string, data: unknown, photo: Buffer | null) => app.inject(as(s, {
      method: 'POST', url: `/api/applications/${id}/stampings`,
      ...multipart([{ name: 'data', value: JSON.stringify(data) }, ...(photo ? [{ name: 'photo', filename: 'stamped.jpg', contentType: 'image/jpeg', bytes: photo }] : [])]),
    }));

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      app = await buildTestApp(env, { live });
      keeper = await login(app, demoLogin('seal_keeper').phone);
      approver = await login(app, demoLogin('village_approver').phone);
      supervisor = await login(app, demoLogin('supervisor').phone);
      applicant = await actorByPhone(env.deps, demoLogin('applicant').phone);
      const seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], typeCode: 'village_committee', limit: 200 }))).items;
      seal = seals.find((s) => s.orgCode === DEMO_VILLAGE)!;
      phash = (await intakePhoto(await pagePhoto(3), { maxBytes: 10_000_000, maxPixels: 10_000_000 })).phash;
    });
    afterAll(async () => {
      await app?.close();
      await env?.close();
    });

    it('lets the keeper record impressions with a photo of the stamped page, and tells the people concerned', async () => {
      const a = await approved(2);
      const heard: LiveEvent[] = [];
      const stop = live.subscribe(applicant.userId, (e) => heard.push(e));
      const res = await stamp(keeper, a.id, { impressions: 2, note: '盖于第一页' }, await pagePhoto(3));
      stop();
      expect(res.statusCode, res.body).toBe(201);
      const s = res.json();
      expect(s).toMatchObject({ applicationId: a.id, source: 'keeper', impressions: 2, matchedPageNo: 1, note: '盖于第一页' });
      expect(s.phashDistance).toBeLessThanOrEqual(4);
      expect(await testBlobs(env).has(s.photoKey)).toBe(true);
      expect(await testBlobs(env).has(s.thumbKey)).toBe(true);
      expect(heard).toMatchObject([{ type: 'stamped', applicationId: a.id, status: 'stamped' }]);

      const list = await app.inject(as(approver, { method: 'GET', url: `/api/ledger?q=${encodeURIComponent('低保')}&status=stamped` }));
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json().items).toMatchObject([{ id: a.id, impressionsMade: 2, keeperRecorded: true, authorizationStatus: 'used' }]);

      const detail = await app.inject(as(approver, { method: 'GET', url: `/api/ledger/${a.id}` }));
      expect(detail.statusCode, detail.body).toBe(200);
      expect(detail.json()).toMatchObject({
        entry: { id: a.id, status: 'stamped' },
        pages: [{ pageNo: 1, thumbUrl: `/api/applications/${a.id}/pages/1?size=thumb`, photoUrl: `/api/applications/${a.id}/pages/1?size=full` }],
        stampings: [{ id: s.id, operatorName: '王保管', thumbUrl: `/api/applications/${a.id}/stampings/${s.id}/photo?size=thumb`, photoUrl: `/api/applications/${a.id}/stampings/${s.id}/photo?size=full` }],
        authorization: { impressionsAllowed: 2, impressionsUsed: 2, status: 'used' },
      });
    });

    it('refuses a stamping that breaks a rule, leaving no row, no audit entry and no blob', async () => {
      const a = await approved(1);
      const pending = await submitApplication(env.deps, {
        actor: applicant, input: { sealId: seal.id, matterCode: 'cert_residence', reason: '再开一份证明', documentTitle: '居住证明', copies: 1, impressions: 1, pages: [{ blobKey: 'a'.repeat(64), thumbKey: 'b'.repeat(64), sm3: 'a'.repeat(64), phash }] },
      });
      const photo = await pagePhoto(5); // stored by nobody yet: a refused request must not leave it behind
      const audit = await auditCount(env.database);
      const blobs = await blobCount(env);
      const rows = async () => (await env.database.db.selectFrom('stampings').select('id').execute()).length;
      const stampings = await rows();

      expectError(await stamp(approver, a.id, { impressions: 1 }, photo), 403, 'FORBIDDEN');
      expect(expectError(await stamp(keeper, a.id, { impressions: 2 }, photo), 422, 'RULE_VIOLATION').message).toBe('2 impressions would exceed the 1 authorised (0 already made)');
      expectError(await stamp(keeper, pending.id, { impressions: 1 }, photo), 409, 'ILLEGAL_TRANSITION');
      expect(expectError(await stamp(keeper, a.id, { impressions: 1 }, null), 400, 'VALIDATION').field).toBe('photo');
      expectError(await stamp(keeper, a.id, { impressions: 1, extra: 1 }, photo), 400, 'VALIDATION');
      expect(expectError(await stamp(keeper, a.id, { impressions: 1 }, Buffer.from('not an image')), 400, 'VALIDATION').field).toBe('photo');
      const current = (await env.deps.uow.read((tx) => tx.seals.get(seal.id)))!;
      await env.deps.uow.write((tx) => tx.seals.update(seal.id, current.version, { deviceId: 'DEV-HTTP-1' }));
      expect(expectError(await stamp(keeper, a.id, { impressions: 1 }, photo), 422, 'RULE_VIOLATION').message).toMatch(/a device is bound/);
      const again = (await env.deps.uow.read((tx) => tx.seals.get(seal.id)))!;
      await env.deps.uow.write((tx) => tx.seals.update(seal.id, again.version, { deviceId: null }));

      expect(await auditCount(env.database)).toBe(audit);
      expect(await blobCount(env)).toBe(blobs);
      expect(await rows()).toBe(stampings);
      // And the same request by the keeper, within the rules, goes through.
      expect((await stamp(keeper, a.id, { impressions: 1 }, photo)).statusCode).toBe(201);
      expect(await blobCount(env)).toBe(blobs + 2);
    });

    it('exports the ledger as a real XLSX and PDF with Chinese headers, masked numbers, and an audit entry each', async () => {
      const audit = await auditCount(env.database);
      const xlsx = await app.inject(as(supervisor, { method: 'GET', url: `/api/ledger/export.xlsx?orgCode=${DEMO_VILLAGE}` }));
      expect(xlsx.statusCode, xlsx.body.slice(0, 300)).toBe(200);
      expect(xlsx.headers['content-type']).toMatch(/spreadsheetml/);
      expect(xlsx.headers['content-disposition']).toMatch(/^attachment; filename="ledger-\d{8}\.xlsx"; filename\*=UTF-8''%E7%94%A8%E5%8D%B0%E7%99%BB%E8%AE%B0%E7%B0%BF-\d{8}\.xlsx$/);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
      const sheet = book.worksheets[0]!;
      const header = (sheet.getRow(2).values as unknown[]).slice(1);
      expect(header).toEqual(['流水号', '日期时间', '印章', '村(居)', '事项', '事由', '文件名称', '份数/用印次数', '申请人/经办人', '审批人及意见', '实际用印', '记录方式', '监印人', '留存材料', '备注', '状态']);
      const cells: string[] = [];
      sheet.eachRow((row, i) => {
        if (i > 2) cells.push((row.values as unknown[]).map((v) => (v instanceof Date ? v.toISOString() : String(v ?? ''))).join('|'));
      });
      expect(cells.length).toBe(3);
      // The heading says what was asked for and by whom.
      expect(String(sheet.getRow(1).getCell(1).value)).toMatch(/^用印登记簿 .+ 共3条 {2}导出：\S+ \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
      expect(cells.join('\n')).toContain('138****5678');
      expect(cells.join('\n')).not.toContain('13812345678');
      expect(cells.join('\n')).toContain('保管人手工登记');
      expect(cells.join('\n')).toMatch(/\d+页文件照片、盖章后照片/);
      // 监印人 (who recorded the stamping) and 备注 (its note), beside each other in the row.
      expect(cells.join('\n')).toMatch(/王保管\|\d+页文件照片、盖章后照片\|盖于第一页/);
      expect(cells.join('\n')).toContain('居住证明');

      const pdf = await app.inject(as(supervisor, { method: 'GET', url: `/api/ledger/export.pdf?orgCode=${DEMO_VILLAGE}&status=stamped` }));
      expect(pdf.statusCode, pdf.body.slice(0, 300)).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      const { text, pngs } = await openPdf(pdf.rawPayload);
      expect(pngs).toBeGreaterThanOrEqual(1);
      expect(text).toContain('用印登记簿');
      // Cells wrap: the masked number may break across lines, the hidden digits never appear.
      expect(text).toContain('****5678');
      expect(text).not.toMatch(/1234/);
      expect(text).toContain('保管人手工');

      expect(await auditCount(env.database)).toBe(audit + 2);
      const trail = await env.deps.uow.read((tx) => tx.audit.list({ scopes: [''], targetType: 'ledger', limit: 10 }));
      expect(trail.map((e) => [e.action, (e.after as { format: string }).format, (e.after as { rows: number }).rows])).toEqual([['LEDGER_EXPORTED', 'pdf', 2], ['LEDGER_EXPORTED', 'xlsx', 3]]);
      expectError(await app.inject(as(keeper, { method: 'GET', url: '/api/ledger/export.xlsx' })), 403, 'FORBIDDEN');
    });

    it('refuses an export of more than 10,000 rows and asks to narrow the filter', async () => {
      const row = await env.database.db.selectFrom('applications').selectAll().limit(1).executeTakeFirstOrThrow();
      await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < 10001)
        insert into applications (id, seal_id, org_code, matter_code, route, reason, document_title, copies, impressions, applicant_user_id,
          contract_words, status, created_at, updated_at, version, serial_no, search_terms)
        select 'bulk' || i, ${row.seal_id}, ${row.org_code}, 'cert_residence', 'keeper', '批量', '居住证明', 1, 1, ${row.applicant_user_id},
          '[]', 'expired', ${row.created_at}, ${row.created_at}, 1, 1000000 + i, '' from n`.execute(env.database.db);
      const audit = await auditCount(env.database);
      const e = expectError(await app.inject(as(supervisor, { method: 'GET', url: '/api/ledger/export.xlsx' })), 400, 'VALIDATION');
      expect(e.message).toMatch(/more than 10000 rows: narrow the filter/);
      expect(await auditCount(env.database)).toBe(audit);
      const narrowed = await app.inject(as(supervisor, { method: 'GET', url: '/api/ledger/export.xlsx?status=stamped' }));
      expect(narrowed.statusCode).toBe(200);
    });
  });
}
