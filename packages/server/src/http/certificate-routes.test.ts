import { decideApplication, type Seal } from '@cunzhang/core';
import type { FastifyInstance } from 'fastify';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { buildTestApp, openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { LiveHub, type LiveEvent } from './live.js';
import { actorByPhone, demoLogin } from '../usecases/support.js';
import { as, expectError, login, type Session } from './http-test-support.js';
import { PUBLIC_CHECK_RATE_PER_MINUTE } from './routes/certificates.js';

const run = promisify(execFile);

async function pdfText(pdf: Buffer): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cz-cert-'));
  try {
    await writeFile(path.join(dir, 'in.pdf'), pdf);
    return (await run('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'in.pdf'), '-'])).stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const withCheckDigit = (first17: string): string => {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return first17 + '10X98765432'[w.reduce((s, wi, i) => s + wi * Number(first17[i]), 0) % 11];
};
const ID = withCheckDigit('37092119850312002');
const fields = { name: '张桂兰', gender: '女', idNumber: ID, since: '2008-03', address: '前鹤山村东街12号' };

for (const dialect of TEST_DIALECTS) {
  describe(`certificate routes and the public check page (${dialect})`, () => {
    let env: TestEnv;
    let app: FastifyInstance;
    let clerk: Session;
    let seal: Seal;
    let otherSeal: Seal;
    const live = new LiveHub();

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true, env: { CUNZHANG_PUBLIC_URL: 'https://cunzhang.example.gov.cn/' } });
      app = await buildTestApp(env, { live });
      clerk = await login(app, demoLogin('service_clerk').phone);
      const seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], typeCode: 'village_committee', limit: 500 }))).items;
      seal = seals.find((s) => s.orgCode === DEMO_VILLAGE)!;
      otherSeal = seals.find((s) => s.orgCode === DEMO_OTHER_VILLAGE)!;
    });
    afterAll(async () => {
      await app?.close();
      await env?.close();
    });

    const issue = async (s: Session = clerk) => app.inject(as(s, {
      method: 'POST', url: '/api/certificates', payload: { templateCode: 'residence', sealId: seal.id, onBehalfOfName: '张桂兰', fields },
    }));

    it('lists the town\'s templates and lets the station change one, not the clerk', async () => {
      const res = await app.inject(as(clerk, { method: 'GET', url: `/api/certificate-templates?town=${DEMO_TOWN}` }));
      expect(res.statusCode, res.body).toBe(200);
      const residence = (res.json() as { code: string; body: string; fields: unknown[] }[]).find((t) => t.code === 'residence')!;
      expect(residence.body).toContain('{{name}}');
      const put = { town: DEMO_TOWN, code: 'residence', nameZh: '居住证明', nameEn: 'Residence certificate', matterCode: 'cert_residence', fields: residence.fields, body: residence.body, enabled: true };
      expectError(await app.inject(as(clerk, { method: 'PUT', url: '/api/certificate-templates', payload: put })), 403, 'FORBIDDEN');
      const officer = await login(app, demoLogin('station_officer').phone);
      expectError(await app.inject(as(officer, { method: 'PUT', url: '/api/certificate-templates', payload: { ...put, body: `${put.body}{{x}}` } })), 400, 'VALIDATION');
      const ok = await app.inject(as(officer, { method: 'PUT', url: '/api/certificate-templates', payload: put }));
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toMatchObject({ townCode: DEMO_TOWN, code: 'residence' });
    });

    it('issues a certificate (201) whose PDF the clerk and the village\'s readers open inline, and nobody else', async () => {
      const keeperId = (await env.deps.uow.read((tx) => tx.users.byPhoneIndex(env.deps.cipher.index(demoLogin('seal_keeper').phone))))!.id;
      const heard: LiveEvent[] = [];
      const stop = live.subscribe(keeperId, (e) => heard.push(e));
      const started = performance.now();
      const res = await issue();
      stop();
      const ms = performance.now() - started;
      expect(res.statusCode, res.body).toBe(201);
      const { certificate, pdfUrl } = res.json() as { certificate: { id: string; verifyCode: string; title: string; orgCode: string; applicationId: string }; pdfUrl: string };
      expect(certificate).toMatchObject({ title: '居住证明', orgCode: DEMO_VILLAGE });
      // The keeper hears of the certificate's stamping application at once.
      expect(heard).toEqual([expect.objectContaining({ type: 'submitted', applicationId: certificate.applicationId, documentTitle: '居住证明' })]);
      expect(pdfUrl).toBe(`/api/certificates/${certificate.id}/pdf`);
      const pdf = await app.inject(as(clerk, { method: 'GET', url: pdfUrl }));
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.headers['content-disposition']).toBe(
        `inline; filename="certificate-${certificate.id}.pdf"; filename*=UTF-8''${encodeURIComponent(`居住证明-${certificate.verifyCode}.pdf`)}`,
      );
      expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      // The QR code and the printed address use the configured public address.
      const text = await pdfText(pdf.rawPayload);
      expect(text.replace(/\s+/g, '')).toContain(`扫码或访问https://cunzhang.example.gov.cn/v/${certificate.verifyCode}核验真伪`);
      const keeper = await login(app, demoLogin('seal_keeper').phone);
      expect((await app.inject(as(keeper, { method: 'GET', url: pdfUrl }))).statusCode).toBe(200);
      const applicant = await login(app, demoLogin('applicant').phone);
      expectError(await app.inject(as(applicant, { method: 'GET', url: pdfUrl })), 404, 'NOT_FOUND');
      expectError(await app.inject({ method: 'GET', url: pdfUrl }), 401, 'UNAUTHENTICATED');
      const list = await app.inject(as(clerk, { method: 'GET', url: '/api/certificates?limit=10' }));
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json().items[0]).toMatchObject({ id: certificate.id, status: 'pending', onBehalfOfName: '张桂兰' });
      console.info(`issue a certificate over HTTP (render, rasterise, intake, store, file): ${ms.toFixed(0)} ms`);
    });

    it('refuses another village\'s seal, a bad ID number and a missing CSRF header', async () => {
      expectError(await app.inject(as(clerk, { method: 'POST', url: '/api/certificates', payload: { templateCode: 'residence', sealId: otherSeal.id, onBehalfOfName: '张桂兰', fields } })), 404, 'NOT_FOUND');
      const bad = expectError(await app.inject(as(clerk, {
        method: 'POST', url: '/api/certificates', payload: { templateCode: 'residence', sealId: seal.id, onBehalfOfName: '张桂兰', fields: { ...fields, idNumber: '370921198503120021' } },
      })), 400, 'VALIDATION');
      expect(bad.field).toBe('fields.idNumber');
      expectError(await app.inject({ method: 'POST', url: '/api/certificates', cookies: clerk.cookies, payload: { templateCode: 'residence', sealId: seal.id, onBehalfOfName: '张桂兰', fields } }), 403, 'FORBIDDEN');
    });

    it('shows the public page for a real code (no name, no ID number) and its change after approval', async () => {
      const { certificate } = (await issue()).json() as { certificate: { verifyCode: string; applicationId: string } };
      const code = certificate.verifyCode;
      const page = await app.inject({ method: 'GET', url: `/v/${code}` });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-store');
      // The page needs nothing the CSP forbids: no script, no external resource, no inline style attribute.
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.body).not.toMatch(/<script|style="|https?:\/\//);
      for (const shown of ['居住证明', '宁阳县鹤山镇前鹤山村民委员会', '鹤山镇前鹤山村', seal.name, '待审批', code]) expect(page.body).toContain(shown);
      expect(page.body).not.toContain('张桂兰');
      expect(page.body).not.toContain(ID.slice(0, 10));
      const keeper = await actorByPhone(env.deps, demoLogin('seal_keeper').phone);
      await decideApplication(env.deps, { actor: keeper, id: certificate.applicationId, input: { decision: 'approve', opinion: '同意' } });
      const after = await app.inject({ method: 'GET', url: `/v/${code.toLowerCase().replace(/-/g, '')}` });
      expect(after.statusCode).toBe(200);
      expect(after.body).toContain('已批准待盖章');
      const json = await app.inject({ method: 'GET', url: `/api/public/certificates/${code.toLowerCase()}` });
      expect(json.statusCode).toBe(200);
      expect(json.json()).toMatchObject({ verifyCode: code, title: '居住证明', status: 'approved', statusZh: '已批准待盖章' });
      expect(json.body).not.toContain('张桂兰');
      // The look-up form sends a typed code to its page.
      const typed = await app.inject({ method: 'GET', url: `/v?code=${encodeURIComponent(` ${code.toLowerCase()} `)}` });
      expect(typed.statusCode).toBe(303);
      expect(typed.headers.location).toBe(`/v/${code}`);
    });

    it('answers an unknown or malformed code with a 404 page that says it cannot be confirmed', async () => {
      for (const code of ['ZZZZ-ZZZZ-ZZZZ', 'not-a-code', '%3Cb%3Ex%3C%2Fb%3E']) {
        const res = await app.inject({ method: 'GET', url: `/v/${code}` });
        expect(res.statusCode).toBe(404);
        expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(res.body).toContain('未找到该证明：请核对验证码');
        expect(res.body).toContain('无法确认该证明的真实性');
        expect(res.body).not.toContain('<b>x</b>');
      }
      expect((await app.inject({ method: 'GET', url: '/v/%3Cb%3Ex%3C%2Fb%3E' })).body).toContain('&lt;b&gt;x&lt;/b&gt;');
      expectError(await app.inject({ method: 'GET', url: '/api/public/certificates/ZZZZZZZZZZZZ' }), 404, 'NOT_FOUND');
      const empty = await app.inject({ method: 'GET', url: '/v/%20' });
      expect(empty.body).toContain('没有输入验证码');
      const lookup = await app.inject({ method: 'GET', url: '/v' });
      expect(lookup.statusCode).toBe(200);
      expect(lookup.body).toContain('<form method="get" action="/v">');
    });

    it('rate-limits the public check per address', async () => {
      const from = { remoteAddress: '198.51.100.23' };
      for (const url of ['/v/ZZZZ-ZZZZ-ZZZ2', '/api/public/certificates/ZZZZ-ZZZZ-ZZZ2']) {
        for (let i = 0; i < PUBLIC_CHECK_RATE_PER_MINUTE; i += 1) expect((await app.inject({ method: 'GET', url, ...from })).statusCode).toBe(404);
        expectError(await app.inject({ method: 'GET', url, ...from }), 429, 'RATE_LIMITED');
        expect((await app.inject({ method: 'GET', url, remoteAddress: '198.51.100.24' })).statusCode).toBe(404);
      }
    });
  });
}
