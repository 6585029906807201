import {
  decideApplication, ledgerDetail, ledgerExportRows, recordLedgerExport, recordManualStamping, searchLedger, submitApplication,
  type Actor, type Application, type Role, type Seal,
} from '@cunzhang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { actorByPhone, actorOf, auditSince, demoLogin, expectAppError, lastSeq } from './support.js';

const hex = (c: string, n: number): string => c.repeat(n);
const page = (c: string) => ({ blobKey: hex(c, 64), thumbKey: hex('f', 64), sm3: hex(c, 64), phash: hex(c, 16) });
const base = { matterCode: 'cert_residence', reason: '子女入学需要居住证明', documentTitle: '居住证明', copies: 1, impressions: 1, pages: [page('a')] };

for (const dialect of TEST_DIALECTS) {
  describe(`the ledger (用印登记簿) [${dialect}]`, () => {
    let env: TestEnv;
    let who: Record<'applicant' | 'clerk' | 'keeper' | 'approver' | 'supervisor' | 'otherApprover' | 'otherKeeper', Actor>;
    let seal: Seal;
    let otherSeal: Seal;
    let mine: Application;
    let stamped: Application;
    let other: Application;

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      const by = (r: Role) => actorByPhone(env.deps, demoLogin(r).phone);
      const seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], typeCode: 'village_committee', limit: 200 }))).items;
      seal = seals.find((s) => s.orgCode === DEMO_VILLAGE)!;
      otherSeal = seals.find((s) => s.orgCode === DEMO_OTHER_VILLAGE)!;
      who = {
        applicant: await by('applicant'), clerk: await by('service_clerk'), keeper: await by('seal_keeper'), approver: await by('village_approver'),
        supervisor: await by('supervisor'), otherApprover: await actorOf(env.deps, otherSeal.approverUserIds[0]!), otherKeeper: await actorOf(env.deps, otherSeal.keeperUserId!),
      };
      mine = await submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id } });
      stamped = await submitApplication(env.deps, { actor: who.clerk, input: { ...base, sealId: seal.id, onBehalfOfName: '王建国', reason: '办理低保，联系电话13812345678' } });
      await decideApplication(env.deps, { actor: who.keeper, id: stamped.id, input: { decision: 'approve', opinion: '同意' } });
      await recordManualStamping(env.deps, { actor: who.keeper, applicationId: stamped.id, input: { impressions: 1 }, photo: { photoKey: hex('d', 64), thumbKey: hex('e', 64), sm3: hex('d', 64), phash: hex('a', 16) } });
      const otherApplicant = await actorOf(env.deps, otherSeal.keeperUserId!);
      other = await submitApplication(env.deps, { actor: { ...otherApplicant, grants: [...otherApplicant.grants, { id: 'x', role: 'applicant', orgCode: DEMO_OTHER_VILLAGE }] }, input: { ...base, sealId: otherSeal.id, reason: '后鹤山村建房申请' } });
    });
    afterAll(async () => {
      await env?.close();
    });

    const ids = async (actor: Actor, query: Record<string, string> = {}) => (await searchLedger(env.deps, { actor, query })).items.map((e) => e.id);

    it('shows each reader what their units hold: a village-2 approver never sees village-1 entries', async () => {
      expect(await ids(who.otherApprover)).toEqual([other.id]);
      expect(await ids(who.otherApprover, { q: '居住证明' })).toEqual([other.id]);
      expect(await ids(who.otherApprover, { q: '王建国' })).toEqual([]);
      expect(await ids(who.otherApprover, { orgCode: DEMO_VILLAGE })).toEqual([]);
      expect(await ids(who.approver)).toEqual([stamped.id, mine.id]);
      expect(await ids(who.supervisor)).toEqual([other.id, stamped.id, mine.id]);
      expect(await ids(who.supervisor, { orgCode: DEMO_OTHER_VILLAGE })).toEqual([other.id]);
    });

    it('shows a villager without application.read only their own applications', async () => {
      expect(await ids(who.applicant)).toEqual([mine.id]);
      await expectAppError(searchLedger(env.deps, { actor: who.applicant, query: { applicantUserId: who.clerk.userId } }), 'FORBIDDEN', 'applicantUserId');
    });

    it('checks its query: limits, periods, statuses', async () => {
      await expectAppError(searchLedger(env.deps, { actor: who.supervisor, query: { limit: '500' } }), 'VALIDATION', 'limit');
      await expectAppError(searchLedger(env.deps, { actor: who.supervisor, query: { status: 'lost' as never } }), 'VALIDATION', 'status');
      const t = new Date().toISOString();
      await expectAppError(searchLedger(env.deps, { actor: who.supervisor, query: { from: t, to: t } }), 'VALIDATION', 'to');
      expect(await ids(who.supervisor, { status: 'stamped', q: '王建国' })).toEqual([stamped.id]);
      const page1 = await searchLedger(env.deps, { actor: who.supervisor, query: { limit: '2' } });
      const page2 = await searchLedger(env.deps, { actor: who.supervisor, query: { limit: '2', cursor: page1.next! } });
      expect([...page1.items, ...page2.items].map((e) => e.id)).toEqual([other.id, stamped.id, mine.id]);
      expect(page2.next).toBeNull();
    });

    it('opens one entry with its approved pages, stampings and authorization, within scope', async () => {
      const d = await ledgerDetail(env.deps, { actor: who.approver, id: stamped.id });
      expect(d.entry).toMatchObject({ status: 'stamped', impressionsMade: 1, keeperRecorded: true, onBehalfOfName: '王建国', applicantName: '李经办' });
      expect(d.pages).toEqual([{ pageNo: 1, sm3: hex('a', 64), phash: hex('a', 16) }]);
      expect(d.stampings).toMatchObject([{ source: 'keeper', impressions: 1, matchedPageNo: 1, phashDistance: 0, operatorName: '王保管' }]);
      expect(d.authorization).toMatchObject({ status: 'used', impressionsUsed: 1 });
      await expectAppError(ledgerDetail(env.deps, { actor: who.otherApprover, id: stamped.id }), 'NOT_FOUND');
      expect((await ledgerDetail(env.deps, { actor: who.applicant, id: mine.id })).entry.id).toBe(mine.id);
      await expectAppError(ledgerDetail(env.deps, { actor: who.applicant, id: stamped.id }), 'NOT_FOUND');
    });

    it('exports only for ledger.export, within scope, and records every export in the trail', async () => {
      await expectAppError(ledgerExportRows(env.deps, { actor: who.keeper, query: {} }), 'FORBIDDEN');
      const rows = await ledgerExportRows(env.deps, { actor: who.otherApprover, query: {} });
      expect(rows.entries.map((e) => e.id)).toEqual([other.id]);
      const all = await ledgerExportRows(env.deps, { actor: who.supervisor, query: { orgCode: DEMO_VILLAGE } });
      expect(all.entries.map((e) => e.id)).toEqual([stamped.id, mine.id]);
      expect(all.matterNames.cert_residence).toBe('居住证明');
      const seq = await lastSeq(env.database);
      const id = await recordLedgerExport(env.deps, { actor: who.supervisor, filter: all.filter, format: 'xlsx', rows: all.entries.length });
      const [entry] = await auditSince(env.deps, seq);
      expect(entry).toMatchObject({ action: 'LEDGER_EXPORTED', targetType: 'ledger', targetId: id, orgCode: DEMO_VILLAGE, actorId: who.supervisor.userId });
      expect(entry!.after).toMatchObject({ format: 'xlsx', rows: 2, filter: { orgCode: DEMO_VILLAGE, scopes: [DEMO_TOWN] } });
    });
  });
}
