import { getSeal, handOverSeal, issueSeal, listSealCandidates, updateSeal, type Actor, type Seal } from '@cunzhang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { AUTHORITY, people, sealSteps, snapshot, type People } from './seal-fixture.js';
import { expectAppError } from './support.js';

for (const dialect of TEST_DIALECTS) {
  describe(`seal access, candidates and concurrency [${dialect}]`, () => {
    let env: TestEnv;
    let p: People;
    const { person, step, activeSeal } = sealSteps(() => env, () => p);

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      p = await people(env.deps);
    });
    afterAll(async () => {
      await env?.close();
    });

    describe('history names the people who acted', () => {
      it('shows the officer\'s name on their step and none on the system\'s', async () => {
        const seal = await issueSeal(env.deps, { actor: p.officer, input: { typeCode: 'village_committee', orgCode: DEMO_VILLAGE, issuingAuthority: AUTHORITY, approverUserIds: [] } });
        const seeded = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], orgCode: DEMO_OTHER_VILLAGE, limit: 1 }))).items[0]!;
        expect((await getSeal(env.deps, { actor: p.officer, id: seal.id })).history.map((h) => [h.action, h.actorName])).toEqual([['SEAL_ISSUED', '孙经管']]);
        expect((await getSeal(env.deps, { actor: p.officer, id: seeded.id })).history.every((h) => h.actorId === 'system' && h.actorName === null)).toBe(true);
      });
    });

    describe('candidates for keeper and approver', () => {
      it('offers the village\'s keepers for a village seal and the station for a contract seal, never the other village', async () => {
        const names = async (typeCode: string, purpose: 'keeper' | 'approver', orgCode = DEMO_VILLAGE) =>
          (await listSealCandidates(env.deps, { actor: p.officer, query: { orgCode, typeCode, purpose } })).map((c) => c.id);
        const keepers = await names('village_committee', 'keeper');
        expect(keepers).toContain(p.keeper.userId);
        expect(keepers).not.toContain(p.otherKeeper.userId);
        expect(keepers).not.toContain(p.approver.userId);
        expect(await names('contract', 'keeper')).toEqual([p.officer.userId]);
        const approvers = await names('village_committee', 'approver');
        expect(approvers).toEqual(expect.arrayContaining([p.approver.userId, p.leader.userId]));
        expect(approvers).not.toContain(p.otherApprover.userId);
        const list = await listSealCandidates(env.deps, { actor: p.officer, query: { orgCode: DEMO_VILLAGE, typeCode: 'village_committee', purpose: 'keeper' } });
        expect(list.every((c) => /^1\d{2}\*{4}\d{4}$/.test(c.phoneMasked))).toBe(true);
      });

      it('is for seal managers only, and names a bad unit or type', async () => {
        await expectAppError(listSealCandidates(env.deps, { actor: p.keeper, query: { orgCode: DEMO_VILLAGE, typeCode: 'village_committee', purpose: 'keeper' } }), 'FORBIDDEN');
        await expectAppError(listSealCandidates(env.deps, { actor: p.officer, query: { orgCode: DEMO_VILLAGE, typeCode: 'nope', purpose: 'keeper' } }), 'VALIDATION', 'typeCode');
        await expectAppError(listSealCandidates(env.deps, { actor: p.officer, query: { orgCode: '370921113999', typeCode: 'contract', purpose: 'keeper' } }), 'VALIDATION', 'orgCode');
      });
    });

    describe('who sees and changes which seal', () => {
      let mine: Seal; // 前鹤山村's village committee seal (demo)
      let theirs: Seal; // 后鹤山村's
      let contract: Seal; // 前鹤山村's contract seal, kept at the town
      beforeAll(async () => {
        const all = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], limit: 200 }))).items;
        mine = all.find((s) => s.orgCode === DEMO_VILLAGE && s.typeCode === 'village_committee')!;
        theirs = all.find((s) => s.orgCode === DEMO_OTHER_VILLAGE && s.typeCode === 'village_committee')!;
        contract = all.find((s) => s.orgCode === DEMO_VILLAGE && s.typeCode === 'contract')!;
      });

      it("reports another village's seal as not found, for reading and for every change", async () => {
        for (const [actor, seal] of [[p.keeper, theirs], [p.approver, theirs], [p.otherKeeper, mine], [p.otherApprover, contract]] as const) {
          const before = await snapshot(env, seal.id);
          await expectAppError(getSeal(env.deps, { actor, id: seal.id }), 'NOT_FOUND', 'id');
          await expectAppError(step(seal.id, 'suspend', { reason: '越权停用' }, actor), 'NOT_FOUND');
          await expectAppError(updateSeal(env.deps, { actor, id: seal.id, input: { name: '越权改名' } }), 'NOT_FOUND');
          await expectAppError(handOverSeal(env.deps, { actor, id: seal.id, input: { receiverUserId: actor.userId, witnessName: '无', note: '' } }), 'NOT_FOUND');
          expect(await snapshot(env, seal.id)).toEqual(before);
        }
        const elsewhere: Actor = { userId: 'officer-elsewhere', ip: '10.0.0.9', grants: [{ id: 'g', role: 'station_officer', orgCode: '370921114' }] };
        await expectAppError(getSeal(env.deps, { actor: elsewhere, id: mine.id }), 'NOT_FOUND');
        await expectAppError(getSeal(env.deps, { actor: p.officer, id: 'no-such-seal' }), 'NOT_FOUND');
      });

      it("lets village people read their own village's seals, including the contract seal kept at the town", async () => {
        expect((await getSeal(env.deps, { actor: p.keeper, id: mine.id })).seal.id).toBe(mine.id);
        expect((await getSeal(env.deps, { actor: p.approver, id: contract.id })).seal.custodyOrgCode).toBe(DEMO_TOWN);
        await expectAppError(getSeal(env.deps, { actor: p.applicant, id: mine.id }), 'FORBIDDEN');
      });

      it('lets the town station officer and supervisor see both villages', async () => {
        for (const actor of [p.officer, p.supervisor, p.leader]) {
          expect((await getSeal(env.deps, { actor, id: mine.id })).orgName).toBe('前鹤山村委会');
          expect((await getSeal(env.deps, { actor, id: theirs.id })).orgName).toBe('后鹤山村委会');
        }
        const d = await getSeal(env.deps, { actor: p.officer, id: theirs.id });
        expect(d.actions).toEqual(['hand_over', 'suspend', 'declare_lost', 'retire']);
        expect(d.history.map((e) => e.action)).toEqual(['SEAL_ACTIVATED', 'SEAL_FILED', 'SEAL_ISSUED']);
        await expectAppError(step(theirs.id, 'suspend', { reason: '监督员无权停用' }, p.supervisor), 'FORBIDDEN');
      });
    });

    describe('optimistic concurrency', () => {
      it('refuses an update made on a stale version and keeps the newer one', async () => {
        const s = await activeSeal();
        const stale = s.version;
        await updateSeal(env.deps, { actor: p.officer, id: s.id, input: { name: '新名' } });
        const before = await snapshot(env, s.id);
        await expectAppError(env.deps.uow.write((tx) => tx.seals.update(s.id, stale, { name: '旧页面上的改动' })), 'CONFLICT');
        expect(await snapshot(env, s.id)).toEqual(before);
        expect(before.row).toMatchObject({ name: '新名', version: stale + 1 });
      });

      it('rolls back everything a failed step wrote, audit entry and handover slip included', async () => {
        const s = await activeSeal();
        const second = await person('并发保管', DEMO_VILLAGE, [['seal_keeper', DEMO_VILLAGE]]);
        const before = await snapshot(env, s.id);
        // Simulate a writer that lost the race after writing the slip and the audit entry.
        await expectAppError(env.deps.uow.write(async (tx) => {
          await tx.seals.insertHandover({ id: 'slip-x', sealId: s.id, giverUserId: p.keeper.userId, giverName: '王保管', receiverUserId: second.userId, receiverName: '并发保管', witnessName: '甲', handedAt: new Date().toISOString(), note: '', impressionBlob: null });
          await tx.audit.append({ actorId: 'x', ip: 'x', at: new Date().toISOString(), action: 'SEAL_HANDED_OVER', targetType: 'seal', targetId: s.id, orgCode: DEMO_VILLAGE, before: null, after: null });
          await tx.seals.update(s.id, s.version - 1, { status: 'handed_over' });
        }), 'CONFLICT');
        expect(await snapshot(env, s.id)).toEqual(before);
      });
    });
  });
}
