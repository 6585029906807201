import {
  checkCertificate, decideApplication, DEFAULT_CERTIFICATE_TEMPLATES, draftCertificate, listCertificates, listCertificateTemplates,
  recordManualStamping, setCertificateTemplate, type Actor, type Deps, type Role, type Seal,
} from '@cunzhang/core';
import { rasterizePdfPage } from '@cunzhang/documents';
import { intakePhoto } from '@cunzhang/media';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { issueCertificateDocument } from '../http/routes/certificates.js';
import { openTestEnv, TEST_DIALECTS, testBlobs, type TestEnv } from '../testing.js';
import { actorByPhone, actorOf, auditCount, auditSince, demoLogin, expectAppError, lastSeq } from './support.js';

const run = promisify(execFile);
const BASE = 'https://cunzhang.example.gov.cn';

const withCheckDigit = (first17: string): string => {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return first17 + '10X98765432'[w.reduce((s, wi, i) => s + wi * Number(first17[i]), 0) % 11];
};
const ID = withCheckDigit('37092119850312002');
const ID2 = withCheckDigit('37092120150601004');
/** A man's number (odd 17th digit), for the certificates about men. */
const ID_M = withCheckDigit('37092119850312001');

/** Realistic values for every default template. */
const SAMPLES: Record<string, Record<string, string | number>> = {
  residence: { name: '张桂兰', gender: '女', idNumber: ID, since: '2008-03', address: '前鹤山村东街12号', purpose: '办理居住登记' },
  kinship: { name: '王建国', idNumber: ID, relativeName: '王小明', relativeIdNumber: ID2, relation: '父子' },
  marital: { name: '刘强', gender: '男', birthDate: '1985-03-12', idNumber: ID_M, maritalStatus: '未婚', purpose: '办理婚姻登记' },
  employment: { name: '赵红', gender: '女', idNumber: ID, since: '2019-06', employer: '本村蔬菜种植合作社', occupation: '蔬菜种植' },
  school: {
    childName: '孙小雨', childGender: '女', childBirthDate: '2015-06-01', childIdNumber: ID2, guardianName: '孙立军', guardianIdNumber: ID,
    relation: '女', address: '前鹤山村南街3号', school: '鹤山镇中心小学',
  },
  death: { name: '周德厚', gender: '男', idNumber: ID_M, address: '前鹤山村北街7号', deathDate: '2026-01-15', deathPlace: '家中', cause: '病' },
  income: { name: '李春生', gender: '男', idNumber: ID_M, householdSize: 4, source: '种植小麦玉米、外出务工', year: 2025, annualIncome: 36000 },
};

async function blobCount(env: TestEnv): Promise<number> {
  let n = 0;
  for await (const _k of testBlobs(env).keys()) n += 1;
  return n;
}

const count = async (env: TestEnv, table: 'certificates' | 'applications'): Promise<number> =>
  Number((await env.database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

/** Dark pixels of a page that poppler renders with no system fonts at all (the PDF must carry its own). */
async function popplerInk(pdf: Uint8Array): Promise<{ dark: number; text: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cz-cert-'));
  try {
    await writeFile(path.join(dir, 'fonts.conf'), '<?xml version="1.0"?>\n<fontconfig></fontconfig>\n');
    await writeFile(path.join(dir, 'in.pdf'), pdf);
    const env = { ...process.env, FONTCONFIG_FILE: path.join(dir, 'fonts.conf'), FONTCONFIG_PATH: dir };
    await run('pdftoppm', ['-r', '50', '-png', '-singlefile', path.join(dir, 'in.pdf'), path.join(dir, 'out')], { env });
    const { data, info } = await sharp(await readFile(path.join(dir, 'out.png'))).greyscale().raw().toBuffer({ resolveWithObject: true });
    let dark = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i]! < 128) dark += 1;
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'in.pdf'), '-']);
    return { dark, text: stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const dialect of TEST_DIALECTS) {
  describe(`certificates at the service point [${dialect}]`, () => {
    let env: TestEnv;
    let who: Record<'clerk' | 'keeper' | 'approver' | 'applicant' | 'officer' | 'otherApprover', Actor>;
    let seal: Seal;
    let contractSeal: Seal;
    let otherSeal: Seal;
    const edge = () => ({ deps: env.deps, blobs: testBlobs(env), config: env.config });
    const issue = (input: Parameters<typeof issueCertificateDocument>[1]['input'], actor = who.clerk, deps: Deps = env.deps) =>
      issueCertificateDocument({ ...edge(), deps }, { actor, input, verifyBase: BASE });

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      const by = (r: Role) => actorByPhone(env.deps, demoLogin(r).phone);
      const seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], limit: 500 }))).items;
      seal = seals.find((s) => s.orgCode === DEMO_VILLAGE && s.typeCode === 'village_committee')!;
      contractSeal = seals.find((s) => s.orgCode === DEMO_VILLAGE && s.typeCode === 'contract')!;
      otherSeal = seals.find((s) => s.orgCode === DEMO_OTHER_VILLAGE && s.typeCode === 'village_committee')!;
      who = {
        clerk: await by('service_clerk'), keeper: await by('seal_keeper'), approver: await by('village_approver'), applicant: await by('applicant'),
        officer: await by('station_officer'), otherApprover: await actorOf(env.deps, otherSeal.approverUserIds[0]!),
      };
    });
    afterAll(async () => {
      await env?.close();
    });

    it('fills every default template into a one-page A4 PDF that prints with its own font and carries the verification code', async () => {
      for (const tpl of DEFAULT_CERTIFICATE_TEMPLATES) {
        const villager = String(SAMPLES[tpl.code]!.name ?? SAMPLES[tpl.code]!.guardianName);
        const { certificate, pdf } = await issue({ templateCode: tpl.code, sealId: seal.id, onBehalfOfName: villager, fields: SAMPLES[tpl.code]! });
        const { dark, text } = await popplerInk(pdf);
        expect(dark, tpl.code).toBeGreaterThan(3000);
        const flat = text.replace(/\s+/g, '');
        expect(flat, tpl.code).toContain(`验证码：${certificate.verifyCode}`);
        expect(flat).toContain(`${BASE}/v/${certificate.verifyCode}`);
        expect(flat).toContain('宁阳县鹤山镇前鹤山村民委员会');
        expect(flat).toContain(villager);
        expect(flat).toContain('特此证明。');
        expect(flat).not.toMatch(/\{\{|\}\}/);
      }
    });

    it('issues one certificate with one application on the catalogue\'s route, audited, with the PDF, page image and thumbnail stored', async () => {
      const seq = await lastSeq(env.database);
      const [apps, certs, blobs] = [await count(env, 'applications'), await count(env, 'certificates'), await blobCount(env)];
      const { certificate, application, pdf } = await issue({ templateCode: 'residence', sealId: seal.id, onBehalfOfName: '张桂兰', fields: SAMPLES.residence!, copies: 2 });
      expect(await count(env, 'applications')).toBe(apps + 1);
      expect(await count(env, 'certificates')).toBe(certs + 1);
      expect(await blobCount(env)).toBe(blobs + 3);
      expect(application).toMatchObject({
        status: 'pending', route: 'keeper', matterCode: 'cert_residence', documentTitle: '居住证明', copies: 2, impressions: 2,
        onBehalfOfName: '张桂兰', clerkUserId: who.clerk.userId, orgCode: DEMO_VILLAGE, sealId: seal.id, pages: [{ pageNo: 1 }],
      });
      expect(certificate).toMatchObject({ title: '居住证明', templateCode: 'residence', applicationId: application.id, orgCode: DEMO_VILLAGE, clerkUserId: who.clerk.userId });
      expect(certificate.verifyCode).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
      // The fields are stored encrypted, and decrypt to what was printed.
      const row = await env.database.db.selectFrom('certificates').selectAll().where('id', '=', certificate.id).executeTakeFirstOrThrow();
      expect(row.fields_enc).not.toContain('张桂兰');
      expect(JSON.parse(env.deps.cipher.decrypt(row.fields_enc))).toMatchObject({ name: '张桂兰', idNumber: ID, since: '2008年3月' });
      // Stored blobs: the PDF as rendered, the page the approver sees, its thumbnail.
      const blobStore = testBlobs(env);
      expect(Buffer.compare((await blobStore.get(certificate.pdfKey))!, Buffer.from(pdf))).toBe(0);
      expect(await blobStore.contentType(certificate.pdfKey)).toBe('application/pdf');
      const page = application.pages[0]!;
      expect(await blobStore.contentType(page.blobKey)).toBe('image/png');
      expect(await blobStore.has(page.thumbKey)).toBe(true);
      // The rasteriser is stable: the stored PDF gives the page's fingerprints again.
      const again = await intakePhoto(await rasterizePdfPage((await blobStore.get(certificate.pdfKey))!), { maxBytes: env.config.uploadLimitBytes, maxPixels: env.config.maxPhotoPixels });
      expect(again.phash).toBe(page.phash);
      expect(again.sm3).toBe(page.sm3);
      const entries = await auditSince(env.deps, seq);
      expect(entries.map((e) => [e.action, e.targetType])).toEqual([['APPLICATION_SUBMITTED', 'application'], ['CERTIFICATE_ISSUED', 'certificate']]);
      expect(entries[1]).toMatchObject({ targetId: certificate.id, orgCode: DEMO_VILLAGE, actorId: who.clerk.userId });
      expect(JSON.stringify(entries[1]!.after)).not.toContain('张桂兰');
      expect(JSON.stringify(entries[1]!.after)).not.toContain(ID);

      const income = await issue({ templateCode: 'income', sealId: seal.id, onBehalfOfName: '李春生', fields: SAMPLES.income! });
      expect(income.application).toMatchObject({ route: 'approver', matterCode: 'cert_income', impressions: 1, copies: 1 });
      const mine = await listCertificates(env.deps, { actor: who.clerk, query: { limit: 100 } });
      expect(mine.items.map((c) => c.id)).toEqual(expect.arrayContaining([certificate.id, income.certificate.id]));
      expect(mine.items.find((c) => c.id === certificate.id)).toMatchObject({ status: 'pending', onBehalfOfName: '张桂兰' });
      expect((await listCertificates(env.deps, { actor: who.keeper, query: {} })).items).toEqual([]);
    });

    it('refuses wrong seals, bad fields, a disabled template and people without the right, storing nothing', async () => {
      const before = { apps: await count(env, 'applications'), certs: await count(env, 'certificates'), audit: await auditCount(env.database), blobs: await blobCount(env) };
      const ok = { templateCode: 'residence', sealId: seal.id, onBehalfOfName: '张桂兰', fields: SAMPLES.residence! };
      await expectAppError(issue({ ...ok, sealId: otherSeal.id }), 'NOT_FOUND');
      await expectAppError(issue({ ...ok, sealId: contractSeal.id }), 'RULE_VIOLATION', 'sealId');
      await expectAppError(issue({ ...ok, fields: { ...SAMPLES.residence!, name: '' } }), 'VALIDATION', 'fields.name');
      await expectAppError(issue({ ...ok, fields: { ...SAMPLES.residence!, idNumber: '370921198503120021' } }), 'VALIDATION', 'fields.idNumber');
      await expectAppError(issue({ ...ok, fields: { ...SAMPLES.residence!, hobby: '下棋' } }), 'VALIDATION', 'fields.hobby');
      await expectAppError(issue({ ...ok, templateCode: 'nope' }), 'VALIDATION', 'templateCode');
      await expectAppError(issue(ok, who.keeper), 'FORBIDDEN');
      await expectAppError(issue(ok, who.applicant), 'FORBIDDEN');
      await expectAppError(issue(ok, who.otherApprover), 'NOT_FOUND');
      // A character the certificate font lacks is named with its field.
      const e = await expectAppError(issue({ ...ok, fields: { ...SAMPLES.residence!, address: '前鹤山村东街12号\u{2A6D6}' } }), 'VALIDATION', 'fields.address');
      expect(e.message).toMatch(/cannot be printed/);
      // A failure inside the issuing transaction rolls the application back and removes the stored files.
      const failing: Deps = { ...env.deps, cipher: { ...env.deps.cipher, encrypt: () => { throw new Error('key store unavailable'); } } };
      await expect(issue(ok, who.clerk, failing)).rejects.toThrow('key store unavailable');
      expect({ apps: await count(env, 'applications'), certs: await count(env, 'certificates'), audit: await auditCount(env.database), blobs: await blobCount(env) }).toEqual(before);

      // Disabled by the town: refused; enabled again: issued.
      const tpl = DEFAULT_CERTIFICATE_TEMPLATES.find((x) => x.code === 'residence')!;
      const input = { town: DEMO_TOWN, code: tpl.code, nameZh: tpl.nameZh, nameEn: tpl.nameEn, matterCode: tpl.matterCode, fields: tpl.fields, body: tpl.body };
      await setCertificateTemplate(env.deps, { actor: who.officer, input: { ...input, enabled: false } });
      const afterChange = { apps: await count(env, 'applications'), certs: await count(env, 'certificates'), audit: await auditCount(env.database), blobs: await blobCount(env) };
      await expectAppError(issue(ok), 'VALIDATION', 'templateCode');
      expect({ apps: await count(env, 'applications'), certs: await count(env, 'certificates'), audit: await auditCount(env.database), blobs: await blobCount(env) }).toEqual(afterChange);
      await setCertificateTemplate(env.deps, { actor: who.officer, input: { ...input, enabled: true } });
      expect((await issue(ok)).certificate.title).toBe('居住证明');
    });

    it('lets the town change and add templates, checking body, fields and matter, and audits each change', async () => {
      const list = await listCertificateTemplates(env.deps, { actor: who.clerk, query: { town: DEMO_TOWN } });
      expect(list.map((x) => x.code)).toEqual(expect.arrayContaining(['residence', 'kinship', 'marital', 'employment', 'school', 'death', 'income']));
      const tpl = DEFAULT_CERTIFICATE_TEMPLATES.find((x) => x.code === 'employment')!;
      const input = { town: DEMO_TOWN, code: 'farming', nameZh: '务农证明', nameEn: 'Farming certificate', matterCode: 'cert_occupation', fields: tpl.fields.filter((f) => ['name', 'gender', 'idNumber'].includes(f.key)), enabled: true,
        body: '兹证明我村村民{{name}}，性别{{gender}}，公民身份号码{{idNumber}}，长期在本村从事农业生产。\n特此证明。' };
      const audit = await auditCount(env.database);
      await expectAppError(setCertificateTemplate(env.deps, { actor: who.clerk, input }), 'FORBIDDEN');
      await expectAppError(setCertificateTemplate(env.deps, { actor: who.officer, input: { ...input, body: `${input.body}{{age}}` } }), 'VALIDATION', 'body');
      await expectAppError(setCertificateTemplate(env.deps, { actor: who.officer, input: { ...input, matterCode: 'no_such_matter' } }), 'VALIDATION', 'matterCode');
      expect(await auditCount(env.database)).toBe(audit);
      const seq = await lastSeq(env.database);
      const saved = await setCertificateTemplate(env.deps, { actor: who.officer, input });
      expect(saved).toMatchObject({ townCode: DEMO_TOWN, code: 'farming', enabled: true });
      const [entry] = await auditSince(env.deps, seq);
      expect(entry).toMatchObject({ action: 'CERTIFICATE_TEMPLATE_CHANGED', targetType: 'certificate_template', targetId: `${DEMO_TOWN}:farming`, before: null });
      const listed = await listCertificateTemplates(env.deps, { actor: who.clerk, query: { town: DEMO_TOWN } });
      expect(listed.find((x) => x.code === 'farming')).toMatchObject({ nameZh: '务农证明', fields: input.fields });
      const { certificate, application } = await issue({ templateCode: 'farming', sealId: seal.id, onBehalfOfName: '王大山', fields: { name: '王大山', gender: '男', idNumber: ID_M } });
      expect(certificate.title).toBe('务农证明');
      expect(application.matterCode).toBe('cert_occupation');
    });

    it('shows the public record by code without personal data, following the application from pending to stamped', async () => {
      const { certificate, application, pdf } = await issue({ templateCode: 'marital', sealId: seal.id, onBehalfOfName: '刘强', fields: SAMPLES.marital! });
      const code = certificate.verifyCode;
      const r = await checkCertificate(env.deps, { code: code.toLowerCase().replace(/-/g, '') });
      expect(r).toMatchObject({
        verifyCode: code, title: '婚姻状况证明', issuer: '宁阳县鹤山镇前鹤山村民委员会', villageName: '鹤山镇前鹤山村', sealName: seal.name,
        status: 'pending', statusZh: '待审批', genuine: false,
      });
      expect(JSON.stringify(r)).not.toMatch(/刘强|3709211985/);
      await decideApplication(env.deps, { actor: who.keeper, id: application.id, input: { decision: 'approve', opinion: '同意' } });
      expect(await checkCertificate(env.deps, { code })).toMatchObject({ status: 'approved', statusZh: '已批准待盖章', genuine: false });
      const photo = await intakePhoto(await rasterizePdfPage(pdf), { maxBytes: env.config.uploadLimitBytes, maxPixels: env.config.maxPhotoPixels });
      const blobs = testBlobs(env);
      const [photoKey, thumbKey] = [(await blobs.put(photo.stored)).key, (await blobs.put(photo.thumbnail)).key];
      await recordManualStamping(env.deps, { actor: who.keeper, applicationId: application.id, input: { impressions: 1 }, photo: { photoKey, thumbKey, sm3: photo.sm3, phash: photo.phash } });
      expect(await checkCertificate(env.deps, { code: ` ${code} ` })).toMatchObject({ status: 'stamped', statusZh: '已盖章', genuine: true });
      expect(await checkCertificate(env.deps, { code: 'ZZZZ-ZZZZ-ZZZZ' })).toBeNull();
      expect(await checkCertificate(env.deps, { code: 'not a code' })).toBeNull();
    });

    it('draws the verification code again when the one drawn is taken', async () => {
      const { certificate } = await issue({ templateCode: 'residence', sealId: seal.id, onBehalfOfName: '张桂兰', fields: SAMPLES.residence! });
      // A token whose characters map one to one onto the taken code's symbols.
      const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
      const taken = [...certificate.verifyCode.replace(/-/g, '')].map((c) => b64[alphabet.indexOf(c)]).join('');
      let calls = 0;
      const deps: Deps = { ...env.deps, ids: { next: env.deps.ids.next, token: () => (calls += 1) === 1 ? taken : env.deps.ids.token() } };
      const draft = await draftCertificate(deps, { actor: who.clerk, input: { templateCode: 'residence', sealId: seal.id, onBehalfOfName: '张桂兰', fields: SAMPLES.residence! } });
      expect(calls).toBe(2);
      expect(draft.verifyCode).not.toBe(certificate.verifyCode);
    });
  });
}
