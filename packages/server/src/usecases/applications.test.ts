import { createDelegation, decideApplication, revokeAuthorization, submitApplication, withdrawApplication, type Actor, type Role, type Seal } from '@cunzhang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { actorByPhone, actorOf, auditCount, demoLogin, expectAppError } from './support.js';

const hex = (c: string, n: number): string => c.repeat(n);
const page = (c: string) => ({ blobKey: hex(c, 64), thumbKey: hex('f', 64), sm3: hex(c, 64), phash: hex(c, 16) });
const base = { matterCode: 'cert_residence', reason: '子女入学需要居住证明', documentTitle: '居住证明', copies: 1, impressions: 1, pages: [page('a')] };

for (const dialect of TEST_DIALECTS) {
  describe(`seal-use applications [${dialect}]`, () => {
    let env: TestEnv;
    let who: Record<'applicant' | 'clerk' | 'keeper' | 'approver' | 'leader' | 'otherApprover', Actor>;
    let seal: Seal;
    let otherSeal: Seal;

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      const by = (r: Role) => actorByPhone(env.deps, demoLogin(r).phone);
      const seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], typeCode: 'village_committee', limit: 200 }))).items;
      seal = seals.find((s) => s.orgCode === DEMO_VILLAGE)!;
      otherSeal = seals.find((s) => s.orgCode === DEMO_OTHER_VILLAGE)!;
      who = {
        applicant: await by('applicant'), clerk: await by('service_clerk'), keeper: await by('seal_keeper'), approver: await by('village_approver'),
        leader: await by('town_leader'), otherApprover: await actorOf(env.deps, otherSeal.approverUserIds[0]!),
      };
    });
    afterAll(async () => {
      await env?.close();
    });

    it('files a direct-list certificate that the keeper approves, creating an authorization to the end of the local day', async () => {
      const app = await submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id } });
      expect(app).toMatchObject({ status: 'pending', route: 'keeper', orgCode: DEMO_VILLAGE, contractWords: [], pages: [{ pageNo: 1 }] });
      const { application, authorization } = await decideApplication(env.deps, { actor: who.keeper, id: app.id, input: { decision: 'approve', opinion: '同意' } });
      expect(application).toMatchObject({ status: 'approved', decidedBy: who.keeper.userId, opinion: '同意' });
      expect(authorization).toMatchObject({ sealId: seal.id, impressionsAllowed: 1, impressionsUsed: 0, status: 'active', pages: [{ pageNo: 1, sm3: hex('a', 64), phash: hex('a', 16) }] });
      // Asia/Shanghai: the window closes at 16:00 UTC of the local day.
      expect(authorization!.validUntil).toMatch(/T16:00:00\.000Z$/);
      expect(new Date(authorization!.validUntil).getTime()).toBeGreaterThan(Date.now());
    });

    it('raises contract words on the village seal to a meeting resolution, asked for at once', async () => {
      const before = await auditCount(env.database);
      const missing = await expectAppError(submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id, reason: '为贷款提供担保' } }), 'VALIDATION', 'resolution');
      expect(missing.message).toMatch(/contract words \(担保、贷款\).*meeting resolution/);
      expect(await auditCount(env.database)).toBe(before);
      // With the resolution attached it is filed; the approver still looks at it before approving.
      const app = await submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id, reason: '为贷款提供担保', resolutionBlob: hex('9', 64) } });
      expect(app.route).toBe('resolution');
      expect(app.contractWords).toEqual(['担保', '贷款']);
      // Rejecting it is always possible.
      const r = await decideApplication(env.deps, { actor: who.approver, id: app.id, input: { decision: 'reject', opinion: '须经村民代表会议决议' } });
      expect(r.application.status).toBe('rejected');
      expect(r.authorization).toBeNull();
    });

    it('refuses deciding twice, one\'s own application, and another village\'s, changing nothing', async () => {
      const app = await submitApplication(env.deps, { actor: who.clerk, input: { ...base, sealId: seal.id, matterCode: 'request', onBehalfOfName: '张三' } });
      expect(app).toMatchObject({ clerkUserId: who.clerk.userId, onBehalfOfName: '张三', route: 'approver' });
      const before = await auditCount(env.database);
      await expectAppError(decideApplication(env.deps, { actor: who.keeper, id: app.id, input: { decision: 'approve', opinion: '同意' } }), 'FORBIDDEN');
      await expectAppError(decideApplication(env.deps, { actor: who.otherApprover, id: app.id, input: { decision: 'approve', opinion: '同意' } }), 'NOT_FOUND');
      expect(await auditCount(env.database)).toBe(before);
      await decideApplication(env.deps, { actor: who.approver, id: app.id, input: { decision: 'approve', opinion: '同意' } });
      await expectAppError(decideApplication(env.deps, { actor: who.approver, id: app.id, input: { decision: 'approve', opinion: '再次同意' } }), 'ILLEGAL_TRANSITION');
      expect(await auditCount(env.database)).toBe(before + 1);
    });

    it('lets the applicant withdraw a pending application, and nobody else', async () => {
      const app = await submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id } });
      await expectAppError(withdrawApplication(env.deps, { actor: who.keeper, id: app.id }), 'FORBIDDEN');
      expect((await withdrawApplication(env.deps, { actor: who.applicant, id: app.id })).status).toBe('withdrawn');
      await expectAppError(withdrawApplication(env.deps, { actor: who.applicant, id: app.id }), 'ILLEGAL_TRANSITION');
      await expectAppError(decideApplication(env.deps, { actor: who.keeper, id: app.id, input: { decision: 'approve', opinion: '同意' } }), 'ILLEGAL_TRANSITION');
    });

    it('revokes an unused authorization once; a revoked one cannot be revoked again', async () => {
      const app = await submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id } });
      await expectAppError(revokeAuthorization(env.deps, { actor: who.keeper, id: app.id, input: { reason: '尚未审批' } }), 'ILLEGAL_TRANSITION');
      await decideApplication(env.deps, { actor: who.keeper, id: app.id, input: { decision: 'approve', opinion: '同意' } });
      await expectAppError(revokeAuthorization(env.deps, { actor: who.applicant, id: app.id, input: { reason: '不要了' } }), 'FORBIDDEN');
      const revoked = await revokeAuthorization(env.deps, { actor: who.approver, id: app.id, input: { reason: '材料有误，重新申请' } });
      expect(revoked).toMatchObject({ status: 'revoked' });
      expect(revoked.revokedAt).not.toBeNull();
      await expectAppError(revokeAuthorization(env.deps, { actor: who.approver, id: app.id, input: { reason: '再次撤销' } }), 'ILLEGAL_TRANSITION');
    });

    it('lets a named deputy decide for an away approver during the period, and records for whom', async () => {
      const now = Date.now();
      const period = { orgCode: DEMO_VILLAGE, validFrom: new Date(now - 60_000).toISOString(), validUntil: new Date(now + 86_400_000).toISOString() };
      await expectAppError(createDelegation(env.deps, { actor: who.applicant, input: { ...period, deputyUserId: who.leader.userId } }), 'FORBIDDEN');
      await expectAppError(createDelegation(env.deps, { actor: who.approver, input: { ...period, deputyUserId: who.applicant.userId } }), 'VALIDATION', 'deputyUserId');
      await expectAppError(createDelegation(env.deps, { actor: who.approver, input: { ...period, deputyUserId: who.leader.userId, validUntil: new Date(now + 100 * 86_400_000).toISOString() } }), 'VALIDATION', 'validUntil');
      const app = await submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id, matterCode: 'request' } });
      await expectAppError(decideApplication(env.deps, { actor: who.leader, id: app.id, input: { decision: 'approve', opinion: '同意' } }), 'FORBIDDEN');
      await createDelegation(env.deps, { actor: who.approver, input: { ...period, deputyUserId: who.leader.userId } });
      const { application } = await decideApplication(env.deps, { actor: who.leader, id: app.id, input: { decision: 'approve', opinion: '代为审批，同意' } });
      expect(application).toMatchObject({ status: 'approved', decidedBy: who.leader.userId, decidedForUserId: who.approver.userId });
    });

    it('refuses bad input before anything is stored', async () => {
      const before = await auditCount(env.database);
      await expectAppError(submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id, pages: [] } }), 'VALIDATION', 'pages');
      await expectAppError(submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id, impressions: 0 } }), 'VALIDATION', 'impressions');
      await expectAppError(submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id, impressions: 51 } }), 'VALIDATION', 'impressions');
      await expectAppError(submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id, matterCode: 'nope' } }), 'VALIDATION', 'matterCode');
      await expectAppError(submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: otherSeal.id } }), 'NOT_FOUND');
      await expectAppError(submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id, onBehalfOfName: '李四' } }), 'FORBIDDEN');
      expect(await auditCount(env.database)).toBe(before);
    });
  });
}
