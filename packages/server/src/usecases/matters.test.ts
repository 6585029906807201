import { applyOptions, listMatters, setMatter, submitApplication, type Actor, type Seal } from '@cunzhang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { actorByPhone, auditSince, demoLogin, expectAppError, lastSeq } from './support.js';

const page = { blobKey: 'a'.repeat(64), thumbKey: 'b'.repeat(64), sm3: 'a'.repeat(64), phash: 'a'.repeat(16) };

for (const dialect of TEST_DIALECTS) {
  describe(`a town's matter catalogue [${dialect}]`, () => {
    let env: TestEnv;
    let officer: Actor;
    let applicant: Actor;
    let seal: Seal;
    const base = { matterCode: 'report', reason: '上报统计报表', documentTitle: '农村经济统计年报', copies: 1, impressions: 1, pages: [page] };

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      officer = await actorByPhone(env.deps, demoLogin('station_officer').phone);
      applicant = await actorByPhone(env.deps, demoLogin('applicant').phone);
      seal = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [DEMO_VILLAGE], typeCode: 'village_committee', limit: 5 }))).items[0]!;
    });
    afterAll(async () => {
      await env?.close();
    });

    it('starts from the defaults of the Heshan model', async () => {
      const matters = await listMatters(env.deps, { actor: applicant, query: { town: DEMO_TOWN } });
      expect(matters.find((m) => m.code === 'report')).toMatchObject({ route: 'approver', enabled: true, nameZh: '报表填报' });
      expect(matters.find((m) => m.code === 'loan')).toMatchObject({ route: 'resolution' });
      expect(matters.filter((m) => m.route === 'keeper').map((m) => m.code)).toContain('cert_residence');
    });

    it('lets the station change a route, add a matter and take one out of use; applications follow, and each change is audited', async () => {
      const seq = await lastSeq(env.database);
      await setMatter(env.deps, { actor: officer, input: { town: DEMO_TOWN, code: 'report', nameZh: '报表填报', nameEn: 'Statistical report', route: 'keeper', enabled: true, sortOrder: 5 } });
      await setMatter(env.deps, { actor: officer, input: { town: DEMO_TOWN, code: 'cert_low_income', nameZh: '低保证明', nameEn: 'Low-income certificate', route: 'leader', enabled: true, sortOrder: 300 } });
      await setMatter(env.deps, { actor: officer, input: { town: DEMO_TOWN, code: 'training_application', nameZh: '培训报名', nameEn: 'Training application', route: 'keeper', enabled: false, sortOrder: 100 } });
      expect((await auditSince(env.deps, seq)).map((e) => [e.action, e.targetId])).toEqual([
        ['MATTER_CHANGED', `${DEMO_TOWN}:report`], ['MATTER_CHANGED', `${DEMO_TOWN}:cert_low_income`], ['MATTER_CHANGED', `${DEMO_TOWN}:training_application`],
      ]);
      expect((await submitApplication(env.deps, { actor: applicant, input: { ...base, sealId: seal.id } })).route).toBe('keeper');
      expect((await submitApplication(env.deps, { actor: applicant, input: { ...base, sealId: seal.id, matterCode: 'cert_low_income' } })).route).toBe('leader');
      await expectAppError(submitApplication(env.deps, { actor: applicant, input: { ...base, sealId: seal.id, matterCode: 'training_application' } }), 'VALIDATION', 'matterCode');
      const offered = (await applyOptions(env.deps, { actor: applicant })).matters.map((m) => m.code);
      expect(offered).toContain('cert_low_income');
      expect(offered).not.toContain('training_application');
      expect(offered.indexOf('report')).toBeLessThan(offered.indexOf('cert_age'));
    });

    it('refuses changes from people without matter.manage, and bad entries, storing nothing', async () => {
      const seq = await lastSeq(env.database);
      const input = { town: DEMO_TOWN, code: 'report', nameZh: '报表', nameEn: 'Report', route: 'keeper' as const, enabled: true, sortOrder: 1 };
      await expectAppError(setMatter(env.deps, { actor: applicant, input }), 'FORBIDDEN');
      await expectAppError(setMatter(env.deps, { actor: officer, input: { ...input, code: 'Bad Code' } }), 'VALIDATION', 'code');
      await expectAppError(setMatter(env.deps, { actor: officer, input: { ...input, route: 'anyone' as never } }), 'VALIDATION', 'route');
      await expectAppError(setMatter(env.deps, { actor: officer, input: { ...input, town: DEMO_VILLAGE } }), 'VALIDATION', 'town');
      expect(await auditSince(env.deps, seq)).toEqual([]);
    });
  });
}
