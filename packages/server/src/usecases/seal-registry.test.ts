import {
  createSealType, getSeal, handOverSeal, issueSeal, listSeals, listSealTypes, systemActor, updateSeal, type Actor, type Deps, type Seal,
} from '@cunzhang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { AUTHORITY, people, sealSteps, snapshot, type People } from './seal-fixture.js';
import { auditCount, auditSince, expectAppError, lastSeq } from './support.js';



for (const dialect of TEST_DIALECTS) {
  describe(`seal registry [${dialect}]`, () => {
    let env: TestEnv;
    let p: People;
    const system = systemActor('cli');

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      p = await people(env.deps);
    });
    afterAll(async () => {
      await env?.close();
    });

    const { person, issueVillageSeal, step, activeSeal } = sealSteps(() => env, () => p);

    // First, while the 92 demo seals are all there is: the later tests issue more.
    describe('listing', () => {
      let all: Seal[];
      beforeAll(async () => {
        const rows = await env.database.db.selectFrom('seals').select('id').execute();
        all = await Promise.all(rows.map(async (r) => (await env.deps.uow.read((tx) => tx.seals.get(r.id)))!));
      });

      async function walk(actor: Actor, query: Omit<Parameters<typeof listSeals>[1]['query'], 'limit' | 'cursor'>, limit: number): Promise<{ ids: string[]; pages: number }> {
        const ids: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        for (;;) {
          const page = await listSeals(env.deps, { actor, query: { ...query, limit, ...(cursor ? { cursor } : {}) } });
          pages++;
          expect(page.items.length).toBeLessThanOrEqual(limit);
          ids.push(...page.items.map((s) => s.id));
          if (!page.next) return { ids, pages };
          expect(page.items).toHaveLength(limit);
          cursor = page.next;
          expect(pages).toBeLessThan(100);
        }
      }
      const sorted = (xs: Seal[]): string[] => [...xs].sort((a, b) => (a.orgCode < b.orgCode ? -1 : a.orgCode > b.orgCode ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((s) => s.id);

      it('holds the 92 active demo seals: two for each of the 46 villages', () => {
        expect(all).toHaveLength(92);
        expect(all.every((s) => s.status === 'active' && s.version === 3 && s.filingNumber !== null)).toBe(true);
        expect(new Set(all.map((s) => s.orgCode)).size).toBe(46);
      });

      it('walks all 92 seals exactly once, ten at a time, in unit order', async () => {
        const { ids, pages } = await walk(p.officer, {}, 10);
        expect(pages).toBe(10);
        expect(ids).toHaveLength(92);
        expect(new Set(ids).size).toBe(92);
        expect(ids).toEqual(sorted(all));
      });

      it.each([1, 7, 46, 92, 200])('gives the same walk with pages of %i', async (limit) => {
        expect((await walk(p.officer, {}, limit)).ids).toEqual(sorted(all));
      });

      it('filters by status, type, unit and text, and pages through filtered results', async () => {
        expect((await walk(p.officer, { status: 'active' }, 10)).ids).toHaveLength(92);
        expect((await walk(p.officer, { status: 'suspended' }, 10)).ids).toEqual([]);
        const contracts = await walk(p.officer, { typeCode: 'contract' }, 7);
        expect(contracts.ids).toEqual(sorted(all.filter((s) => s.typeCode === 'contract')));
        expect(contracts.ids).toHaveLength(46);
        expect((await walk(p.officer, { orgCode: DEMO_VILLAGE }, 10)).ids).toEqual(sorted(all.filter((s) => s.orgCode === DEMO_VILLAGE)));
        expect((await walk(p.officer, { orgCode: DEMO_VILLAGE, typeCode: 'contract' }, 10)).ids).toHaveLength(1);
        const byName = await walk(p.officer, { q: '后鹤山' }, 10);
        expect(byName.ids).toEqual(sorted(all.filter((s) => s.name.includes('后鹤山'))));
        expect(byName.ids).toHaveLength(2);
        const byFiling = await walk(p.officer, { q: '鹤公备202H' }, 10);
        expect(byFiling.ids).toEqual(all.filter((s) => s.orgCode === DEMO_OTHER_VILLAGE && s.typeCode === 'contract').map((s) => s.id));
        expect((await walk(p.officer, { q: '合同专用章', orgCode: DEMO_TOWN }, 5)).ids).toHaveLength(46);
      });

      it('takes the text filter literally: % and _ match only themselves', async () => {
        for (const q of ['%', '_', '\\', '前%山']) expect((await walk(p.officer, { q }, 10)).ids, q).toEqual([]);
      });

      it('limits each reader to the seals of their units', async () => {
        const own = await walk(p.keeper, {}, 1);
        expect(own.ids).toEqual(sorted(all.filter((s) => s.orgCode === DEMO_VILLAGE)));
        expect((await walk(p.otherApprover, {}, 10)).ids).toEqual(sorted(all.filter((s) => s.orgCode === DEMO_OTHER_VILLAGE)));
        await expectAppError(listSeals(env.deps, { actor: p.keeper, query: { orgCode: DEMO_OTHER_VILLAGE, limit: 10 } }), 'FORBIDDEN');
        await expectAppError(listSeals(env.deps, { actor: p.keeper, query: { orgCode: DEMO_TOWN, limit: 10 } }), 'FORBIDDEN');
        await expectAppError(listSeals(env.deps, { actor: p.applicant, query: { limit: 10 } }), 'FORBIDDEN');
        expect((await walk(p.supervisor, {}, 50)).ids).toHaveLength(92);
      });

      it('starts over on a cursor it cannot read', async () => {
        const first = await listSeals(env.deps, { actor: p.officer, query: { limit: 3 } });
        const bogus = await listSeals(env.deps, { actor: p.officer, query: { limit: 3, cursor: 'not-a-cursor' } });
        expect(bogus.items.map((s) => s.id)).toEqual(first.items.map((s) => s.id));
      });
    });

    describe('issuing (制发)', () => {
      it('keeps a village committee seal in the village and a contract seal at the town (二章分立)', async () => {
        const seq = await lastSeq(env.database);
        const village = await issueVillageSeal();
        expect(village).toMatchObject({
          typeCode: 'village_committee', orgCode: DEMO_VILLAGE, custodyOrgCode: DEMO_VILLAGE, status: 'issued', version: 1,
          issuingAuthority: AUTHORITY, filingNumber: null, activatedAt: null,
          keeperUserId: p.keeper.userId, approverUserIds: [p.approver.userId],
        });
        const contract = await issueSeal(env.deps, {
          actor: p.officer, input: { typeCode: 'contract', orgCode: DEMO_VILLAGE, issuingAuthority: AUTHORITY, keeperUserId: p.officer.userId, approverUserIds: [p.leader.userId] },
        });
        expect(contract).toMatchObject({ orgCode: DEMO_VILLAGE, custodyOrgCode: DEMO_TOWN });
        // Named by default after the village and the type (the exact wording is the naming rule's business).
        expect(village.name).toMatch(/^前鹤山.*印章$/);
        expect(contract.name).toMatch(/^前鹤山.*合同专用章$/);
        const entries = await auditSince(env.deps, seq);
        expect(entries.map((e) => [e.action, e.targetId, e.orgCode])).toEqual([['SEAL_ISSUED', village.id, DEMO_VILLAGE], ['SEAL_ISSUED', contract.id, DEMO_VILLAGE]]);
        expect(entries[0]!.before).toBeNull();
        expect(entries[0]!.after).toEqual(JSON.parse(JSON.stringify(village)));
        expect(await env.deps.uow.read((tx) => tx.seals.get(village.id))).toEqual(village);
      });

      it('issues a seal of a configured type with its custody', async () => {
        await expectAppError(createSealType(env.deps, { actor: p.officer, input: { code: 'militia', nameZh: '民兵连印章', nameEn: 'Militia seal', custody: 'station' } }), 'FORBIDDEN');
        await createSealType(env.deps, { actor: system, input: { code: 'militia', nameZh: '民兵连印章', nameEn: 'Militia seal', custody: 'station' } });
        await expectAppError(createSealType(env.deps, { actor: system, input: { code: 'militia', nameZh: '重复', nameEn: 'Again', custody: 'village' } }), 'CONFLICT', 'code');
        expect((await listSealTypes(env.deps)).map((t) => t.code)).toContain('militia');
        const s = await issueSeal(env.deps, { actor: p.officer, input: { typeCode: 'militia', orgCode: DEMO_OTHER_VILLAGE, issuingAuthority: AUTHORITY, approverUserIds: [] } });
        expect(s).toMatchObject({ custodyOrgCode: DEMO_TOWN, keeperUserId: null });
        expect(s.name).toMatch(/^后鹤山.*民兵连印章$/);
        expect((await issueSeal(env.deps, { actor: p.officer, input: { typeCode: 'militia', orgCode: DEMO_OTHER_VILLAGE, name: '后鹤山村民兵连章', issuingAuthority: AUTHORITY, approverUserIds: [] } })).name).toBe('后鹤山村民兵连章');
      });

      it('wants a keeper of the custody unit: a village keeper for a village seal, the station for a contract seal', async () => {
        // A village keeper cannot keep a contract seal: it stays at the town.
        await expectAppError(issueSeal(env.deps, { actor: p.officer, input: { typeCode: 'contract', orgCode: DEMO_VILLAGE, issuingAuthority: AUTHORITY, keeperUserId: p.keeper.userId, approverUserIds: [] } }), 'VALIDATION', 'keeperUserId');
        await expectAppError(issueVillageSeal({ keeperUserId: p.approver.userId, approverUserIds: [] }), 'VALIDATION', 'keeperUserId');
        await expectAppError(issueVillageSeal({ keeperUserId: p.otherKeeper.userId }), 'VALIDATION', 'keeperUserId');
        await expectAppError(issueVillageSeal({ keeperUserId: 'no-such-person' }), 'VALIDATION', 'keeperUserId');
        // 一章还村: a seal kept in the village is never kept by a town officer, though their grant covers it.
        await expectAppError(issueVillageSeal({ keeperUserId: p.officer.userId }), 'VALIDATION', 'keeperUserId');
        expect((await issueSeal(env.deps, { actor: p.officer, input: { typeCode: 'contract', orgCode: DEMO_VILLAGE, issuingAuthority: AUTHORITY, keeperUserId: p.officer.userId, approverUserIds: [] } })).keeperUserId).toBe(p.officer.userId);
      });

      it('wants approvers who hold village_approver or town_leader on the village, each once', async () => {
        await expectAppError(issueVillageSeal({ approverUserIds: [p.otherApprover.userId] }), 'VALIDATION', 'approverUserIds');
        await expectAppError(issueVillageSeal({ approverUserIds: [p.supervisor.userId] }), 'VALIDATION', 'approverUserIds');
        await expectAppError(issueVillageSeal({ approverUserIds: [p.approver.userId, p.approver.userId] }), 'VALIDATION', 'approverUserIds');
        expect((await issueVillageSeal({ approverUserIds: [p.approver.userId, p.leader.userId] })).approverUserIds).toEqual([p.approver.userId, p.leader.userId]);
      });

      it('refuses an unknown type or a unit that is not an existing village, and a disabled keeper', async () => {
        await expectAppError(issueVillageSeal({ typeCode: 'no_such_type' }), 'VALIDATION', 'typeCode');
        await expectAppError(issueVillageSeal({ orgCode: '370921113299' }), 'VALIDATION', 'orgCode');
        await expectAppError(issueVillageSeal({ orgCode: DEMO_TOWN }), 'VALIDATION', 'orgCode');
        const gone = await person('离任保管', DEMO_VILLAGE, [['seal_keeper', DEMO_VILLAGE]]);
        await env.deps.uow.write((tx) => tx.users.update(gone.userId, { disabled: true }));
        await expectAppError(issueVillageSeal({ keeperUserId: gone.userId }), 'VALIDATION', 'keeperUserId');
      });

      it('is for the town: village people cannot issue seals', async () => {
        const before = await auditCount(env.database);
        for (const actor of [p.keeper, p.approver, p.applicant, p.supervisor]) await expectAppError(issueSeal(env.deps, { actor, input: { typeCode: 'village_committee', orgCode: DEMO_VILLAGE, issuingAuthority: AUTHORITY, approverUserIds: [] } }), 'FORBIDDEN');
        expect(await auditCount(env.database)).toBe(before);
      });
    });

    describe('审批与保管分开: approval and custody are held by different people', () => {
      let both: Actor;
      beforeAll(async () => {
        both = await person('兼职干部', DEMO_VILLAGE, [['seal_keeper', DEMO_VILLAGE], ['village_approver', DEMO_VILLAGE]]);
      });

      it('refuses the keeper as an approver when issuing, updating or handing over', async () => {
        const e = await expectAppError(issueVillageSeal({ keeperUserId: both.userId, approverUserIds: [both.userId] }), 'RULE_VIOLATION', 'approverUserIds');
        expect(e.message).toContain('审批与保管分开');
        const s = await issueVillageSeal({ keeperUserId: both.userId });
        await expectAppError(updateSeal(env.deps, { actor: p.officer, id: s.id, input: { approverUserIds: [both.userId] } }), 'RULE_VIOLATION', 'approverUserIds');
        const active = await issueVillageSeal({ approverUserIds: [both.userId] });
        await step(active.id, 'file', { filingNumber: 'SEP-1' });
        await step(active.id, 'activate', {});
        const before = await snapshot(env, active.id);
        await expectAppError(handOverSeal(env.deps, { actor: p.officer, id: active.id, input: { receiverUserId: both.userId, witnessName: '监交人', note: '' } }), 'RULE_VIOLATION');
        expect(await snapshot(env, active.id)).toEqual(before);
      });

      it('allows it when the town turns the separation off', async () => {
        const lenient: Deps = { ...env.deps, policy: { ...env.deps.policy, separateApprovalAndCustody: false } };
        const s = await issueSeal(lenient, { actor: p.officer, input: { typeCode: 'village_committee', orgCode: DEMO_VILLAGE, issuingAuthority: AUTHORITY, keeperUserId: both.userId, approverUserIds: [both.userId] } });
        expect(s.keeperUserId).toBe(both.userId);
        expect(s.approverUserIds).toEqual([both.userId]);
      });
    });

    describe('lifecycle', () => {
      it('walks issued → filed → active → handed_over → suspended → active → void → retired, auditing each step', async () => {
        const newKeeper = await person('新保管', DEMO_VILLAGE, [['seal_keeper', DEMO_VILLAGE]]);
        const s = await issueVillageSeal();
        const seq = await lastSeq(env.database);

        const filed = await step(s.id, 'file', { filingNumber: '鹤公备201C2027' });
        expect(filed).toMatchObject({ status: 'filed', filingNumber: '鹤公备201C2027', version: 2, activatedAt: null });
        env.tick(1000);
        const active = await step(s.id, 'activate', {});
        expect(active).toMatchObject({ status: 'active', version: 3 });
        expect(active.activatedAt).toBe(active.updatedAt);

        env.tick(1000);
        const handedAt = new Date(env.deps.clock.now().getTime() - 3_600_000).toISOString();
        const { seal: handed, slip } = await handOverSeal(env.deps, { actor: p.officer, id: s.id, input: { receiverUserId: newKeeper.userId, witnessName: '吴纪委', handedAt, note: '换届后移交' } });
        expect(handed).toMatchObject({ status: 'handed_over', keeperUserId: newKeeper.userId, version: 4 });
        expect(slip).toMatchObject({ sealId: s.id, giverUserId: p.keeper.userId, giverName: '王保管', receiverUserId: newKeeper.userId, receiverName: '新保管', witnessName: '吴纪委', handedAt, note: '换届后移交' });

        const suspended = await step(s.id, 'suspend', { reason: '设备检修' });
        expect(suspended).toMatchObject({ status: 'suspended', version: 5 });
        env.tick(1000);
        const again = await step(s.id, 'activate', {});
        expect(again).toMatchObject({ status: 'active', version: 6, activatedAt: active.activatedAt });
        const lost = await step(s.id, 'declare_lost', { reason: '保管柜被撬', noticeRef: '宁阳日报 2026-03-01' });
        expect(lost).toMatchObject({ status: 'void', version: 7 });
        const retired = await step(s.id, 'retire', { method: 'destroyed', witnesses: ['吴纪委', '郑审计'], reason: '遗失作废后销毁' });
        expect(retired).toMatchObject({ status: 'retired', version: 8, keeperUserId: newKeeper.userId, filingNumber: '鹤公备201C2027' });

        const entries = await auditSince(env.deps, seq);
        expect(entries.every((e) => e.targetType === 'seal' && e.targetId === s.id && e.orgCode === DEMO_VILLAGE && e.actorId === p.officer.userId)).toBe(true);
        expect(entries.map((e) => [e.action, e.before, e.after])).toEqual([
          ['SEAL_FILED', { status: 'issued' }, { status: 'filed', filingNumber: '鹤公备201C2027' }],
          ['SEAL_ACTIVATED', { status: 'filed' }, { status: 'active' }],
          ['SEAL_HANDED_OVER', { status: 'active', keeperUserId: p.keeper.userId }, { status: 'handed_over', keeperUserId: newKeeper.userId, slip }],
          ['SEAL_SUSPENDED', { status: 'handed_over' }, { status: 'suspended', reason: '设备检修' }],
          ['SEAL_ACTIVATED', { status: 'suspended' }, { status: 'active' }],
          ['SEAL_DECLARED_LOST', { status: 'active' }, { status: 'void', reason: '保管柜被撬', noticeRef: '宁阳日报 2026-03-01' }],
          ['SEAL_RETIRED', { status: 'void' }, { status: 'retired', method: 'destroyed', witnesses: ['吴纪委', '郑审计'], reason: '遗失作废后销毁' }],
        ]);

        const detail = await getSeal(env.deps, { actor: p.supervisor, id: s.id });
        expect(detail.handovers).toEqual([slip]);
        expect(detail.history.map((e) => e.action)).toEqual(['SEAL_RETIRED', 'SEAL_DECLARED_LOST', 'SEAL_ACTIVATED', 'SEAL_SUSPENDED', 'SEAL_HANDED_OVER', 'SEAL_ACTIVATED', 'SEAL_FILED', 'SEAL_ISSUED']);
        expect(detail).toMatchObject({ orgName: '前鹤山村委会', keeperName: '新保管', approverNames: ['赵书记'], actions: [] });
        expect(detail.type?.code).toBe('village_committee');
      });

      it('records each handover slip in order, giver to receiver', async () => {
        const second = await person('二任保管', DEMO_VILLAGE, [['seal_keeper', DEMO_VILLAGE]]);
        const third = await person('三任保管', DEMO_VILLAGE, [['seal_keeper', DEMO_VILLAGE]]);
        const s = await activeSeal();
        env.tick(1000);
        await handOverSeal(env.deps, { actor: p.officer, id: s.id, input: { receiverUserId: second.userId, witnessName: '监交甲', note: '' } });
        env.tick(1000);
        const { seal } = await handOverSeal(env.deps, { actor: p.officer, id: s.id, input: { receiverUserId: third.userId, witnessName: '监交乙', note: '' } });
        expect(seal).toMatchObject({ status: 'handed_over', keeperUserId: third.userId });
        const slips = (await getSeal(env.deps, { actor: p.officer, id: s.id })).handovers;
        expect(slips.map((x) => [x.giverName, x.receiverName, x.witnessName])).toEqual([['王保管', '二任保管', '监交甲'], ['二任保管', '三任保管', '监交乙']]);
        expect(new Date(slips[0]!.handedAt) < new Date(slips[1]!.handedAt)).toBe(true);
      });

      const refusals: [string, (s: Seal) => Promise<unknown>, 'issued' | 'filed' | 'active' | 'retired', string, string?][] = [
        ['activate a retired seal', (s) => step(s.id, 'activate', {}), 'retired', 'ILLEGAL_TRANSITION', 'status'],
        ['retire a retired seal', (s) => step(s.id, 'retire', { method: 'sealed', witnesses: ['甲', '乙'], reason: '再次封存' }), 'retired', 'ILLEGAL_TRANSITION'],
        ['change the record of a retired seal', (s) => updateSeal(env.deps, { actor: p.officer, id: s.id, input: { name: '改名' } }), 'retired', 'ILLEGAL_TRANSITION'],
        ['hand over a filed seal', (s) => handOverSeal(env.deps, { actor: p.officer, id: s.id, input: { receiverUserId: p.officer.userId, witnessName: '监交人', note: '' } }), 'filed', 'ILLEGAL_TRANSITION', 'status'],
        ['retire an issued seal', (s) => step(s.id, 'retire', { method: 'sealed', witnesses: ['甲', '乙'], reason: '未备案即封存' }), 'issued', 'ILLEGAL_TRANSITION'],
        ['file an active seal again', (s) => step(s.id, 'file', { filingNumber: 'X-2' }), 'active', 'ILLEGAL_TRANSITION'],
        ['retire with one witness', (s) => step(s.id, 'retire', { method: 'destroyed', witnesses: ['吴纪委'], reason: '到期销毁' }), 'active', 'VALIDATION', 'witnesses'],
        ['retire with two identical witnesses', (s) => step(s.id, 'retire', { method: 'destroyed', witnesses: ['吴纪委', '吴纪委'], reason: '到期销毁' }), 'active', 'VALIDATION', 'witnesses'],
        ['suspend without a reason', (s) => step(s.id, 'suspend', { reason: ' ' }), 'active', 'VALIDATION', 'reason'],
        ['file without a filing number', (s) => step(s.id, 'file', { filingNumber: '' }), 'issued', 'VALIDATION', 'filingNumber'],
        ['hand over without a witness', (s) => handOverSeal(env.deps, { actor: p.officer, id: s.id, input: { receiverUserId: p.officer.userId, witnessName: '  ', note: '' } }), 'active', 'VALIDATION', 'witnessName'],
        ['hand over to the keeper it already has', (s) => handOverSeal(env.deps, { actor: p.officer, id: s.id, input: { receiverUserId: p.keeper.userId, witnessName: '监交人', note: '' } }), 'active', 'VALIDATION', 'receiverUserId'],
        ['hand over to someone who is no keeper', (s) => handOverSeal(env.deps, { actor: p.officer, id: s.id, input: { receiverUserId: p.applicant.userId, witnessName: '监交人', note: '' } }), 'active', 'VALIDATION', 'keeperUserId'],
        ['hand over with a time in the future', (s) => handOverSeal(env.deps, { actor: p.officer, id: s.id, input: { receiverUserId: p.officer.userId, witnessName: '监交人', note: '', handedAt: new Date(env.deps.clock.now().getTime() + 3_600_000).toISOString() } }), 'active', 'VALIDATION', 'handedAt'],
        ['change the keeper of a seal in use without a slip', (s) => updateSeal(env.deps, { actor: p.officer, id: s.id, input: { keeperUserId: p.officer.userId } }), 'active', 'RULE_VIOLATION', 'keeperUserId'],
        ['let a keeper step the seal they keep', (s) => step(s.id, 'suspend', { reason: '自行停用' }, p.keeper), 'active', 'FORBIDDEN'],
      ];

      it.each(refusals)('refuses to %s and changes nothing', async (_what, act, state, code, field) => {
        let s = await issueVillageSeal();
        if (state !== 'issued') s = await step(s.id, 'file', { filingNumber: `F-${s.id.slice(-8)}` });
        if (state === 'active') s = await step(s.id, 'activate', {});
        if (state === 'retired') s = await step(s.id, 'retire', { method: 'sealed', witnesses: ['吴纪委', '郑审计'], reason: '换发新章' });
        const before = await snapshot(env, s.id);
        env.tick(1000);
        await expectAppError(act(s), code as never, field);
        expect(await snapshot(env, s.id)).toEqual(before);
      });

      it('refuses to put a seal into use before a keeper is named', async () => {
        const s = await issueVillageSeal({ keeperUserId: null });
        await step(s.id, 'file', { filingNumber: 'NOKEEPER-1' });
        const before = await snapshot(env, s.id);
        await expectAppError(step(s.id, 'activate', {}), 'RULE_VIOLATION', 'keeperUserId');
        expect(await snapshot(env, s.id)).toEqual(before);
        const named = await updateSeal(env.deps, { actor: p.officer, id: s.id, input: { keeperUserId: p.keeper.userId } });
        expect(named).toMatchObject({ keeperUserId: p.keeper.userId, version: before.row.version + 1 });
        expect((await step(s.id, 'activate', {})).status).toBe('active');
      });

      it('updates the master record with an audit of the changed fields only', async () => {
        const s = await activeSeal();
        const seq = await lastSeq(env.database);
        const blob = 'a'.repeat(64);
        const u = await updateSeal(env.deps, { actor: p.officer, id: s.id, input: { name: '前鹤山村民委员会', approverUserIds: [p.approver.userId, p.leader.userId], impressionBlob: blob } });
        expect(u).toMatchObject({ name: '前鹤山村民委员会', impressionBlob: blob, version: s.version + 1, status: 'active' });
        const [e] = await auditSince(env.deps, seq);
        expect(e).toMatchObject({
          action: 'SEAL_UPDATED', before: { name: s.name, approverUserIds: [p.approver.userId], impressionBlob: null },
          after: { name: '前鹤山村民委员会', approverUserIds: [p.approver.userId, p.leader.userId], impressionBlob: blob },
        });
        await expectAppError(updateSeal(env.deps, { actor: p.officer, id: s.id, input: {} }), 'VALIDATION');
        await expectAppError(updateSeal(env.deps, { actor: p.officer, id: s.id, input: { impressionBlob: '../../etc/passwd' } }), 'VALIDATION', 'impressionBlob');
      });
    });

  });
}
