import {
  decideApplication, listApplications, recordManualStamping, revokeAuthorization, submitApplication, transitionSeal, type Actor, type Role, type Seal, type StampedPhoto,
} from '@cunzhang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { actorByPhone, auditCount, auditSince, demoLogin, expectAppError, lastSeq } from './support.js';

const hex = (c: string, n: number): string => c.repeat(n);
const page = (c: string) => ({ blobKey: hex(c, 64), thumbKey: hex('f', 64), sm3: hex(c, 64), phash: hex(c, 16) });
/** The stamped page: its hash is 2 bits away from approved page 2 ('b…'), 16 from page 1. */
const stamped: StampedPhoto = { photoKey: hex('d', 64), thumbKey: hex('e', 64), sm3: hex('d', 64), phash: `${hex('b', 15)}8` };
const base = { matterCode: 'cert_residence', reason: '子女入学需要居住证明', documentTitle: '居住证明', copies: 2, impressions: 2, pages: [page('a'), page('b')] };

for (const dialect of TEST_DIALECTS) {
  describe(`keeper-recorded stampings [${dialect}]`, () => {
    let env: TestEnv;
    let who: Record<'applicant' | 'keeper' | 'approver' | 'station', Actor>;
    let seal: Seal;

    const approved = async (impressions = 2) => {
      const app = await submitApplication(env.deps, { actor: who.applicant, input: { ...base, impressions, sealId: seal.id } });
      await decideApplication(env.deps, { actor: who.keeper, id: app.id, input: { decision: 'approve', opinion: '同意' } });
      return app;
    };
    const stampingRows = async (applicationId: string) => (await env.database.db.selectFrom('stampings').selectAll().where('application_id', '=', applicationId).execute()).length;

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      const by = (r: Role) => actorByPhone(env.deps, demoLogin(r).phone);
      const seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], typeCode: 'village_committee', limit: 200 }))).items;
      seal = seals.find((s) => s.orgCode === DEMO_VILLAGE)!;
      who = { applicant: await by('applicant'), keeper: await by('seal_keeper'), approver: await by('village_approver'), station: await by('station_officer') };
    });
    afterAll(async () => {
      await env?.close();
    });

    it('records two impressions by hand: authorization used, application stamped, ledger marks it keeper-recorded', async () => {
      const app = await approved(2);
      const seq = await lastSeq(env.database);
      const { stamping, application, authorization } = await recordManualStamping(env.deps, {
        actor: who.keeper, applicationId: app.id, input: { impressions: 2, note: '两份各盖一枚' }, photo: stamped,
      });
      expect(stamping).toMatchObject({ source: 'keeper', impressions: 2, operatorUserId: who.keeper.userId, deviceId: null, matchedPageNo: 2, phashDistance: 2, sm3: stamped.sm3 });
      expect(application.status).toBe('stamped');
      expect(authorization).toMatchObject({ impressionsUsed: 2, status: 'used' });
      const [entry] = await auditSince(env.deps, seq);
      expect(entry).toMatchObject({ action: 'STAMPING_RECORDED', targetType: 'application', targetId: app.id, orgCode: DEMO_VILLAGE, actorId: who.keeper.userId });
      expect(entry!.after).toMatchObject({ impressions: 2, impressionsUsed: 2, impressionsAllowed: 2, matchedPageNo: 2, phashDistance: 2, photoSm3: stamped.sm3 });

      const ledger = await env.deps.uow.read((tx) => tx.ledger.entry(app.id));
      expect(ledger).toMatchObject({ status: 'stamped', impressionsAllowed: 2, impressionsMade: 2, keeperRecorded: true, authorizationStatus: 'used', sealName: seal.name });
      expect(ledger!.lastStampedAt).toBe(stamping.stampedAt);
    });

    it('takes impressions in several entries and names the numbers when one more would be too many', async () => {
      const app = await approved(2);
      await expectAppError(recordManualStamping(env.deps, { actor: who.keeper, applicationId: app.id, input: { impressions: 3 }, photo: stamped }), 'RULE_VIOLATION', 'impressions')
        .then((e) => expect(e.message).toBe('3 impressions would exceed the 2 authorised (0 already made)'));
      await recordManualStamping(env.deps, { actor: who.keeper, applicationId: app.id, input: { impressions: 1 }, photo: stamped });
      const before = await auditCount(env.database);
      const e = await expectAppError(recordManualStamping(env.deps, { actor: who.keeper, applicationId: app.id, input: { impressions: 2 }, photo: stamped }), 'RULE_VIOLATION');
      expect(e.message).toBe('2 impressions would exceed the 2 authorised (1 already made)');
      expect(await auditCount(env.database)).toBe(before);
      expect(await stampingRows(app.id)).toBe(1);
      const { authorization } = await recordManualStamping(env.deps, { actor: who.keeper, applicationId: app.id, input: { impressions: 1 }, photo: stamped });
      expect(authorization).toMatchObject({ impressionsUsed: 2, status: 'used' });
      expect(await stampingRows(app.id)).toBe(2);
    });

    it('refuses whoever is not the keeper, a seal with a device, a revoked or expired authorization and an undecided application, storing nothing', async () => {
      const app = await approved(2);
      const before = await auditCount(env.database);
      const record = (actor: Actor, id = app.id, input: Parameters<typeof recordManualStamping>[1]['input'] = { impressions: 1 }) =>
        recordManualStamping(env.deps, { actor, applicationId: id, input, photo: stamped });

      // The station officer may record impressions, but of the seals the station keeps only.
      expect((await expectAppError(record(who.station), 'FORBIDDEN')).message).toMatch(/only the keeper of the seal/);
      await expectAppError(record(who.approver), 'FORBIDDEN');
      await expectAppError(record(who.applicant), 'FORBIDDEN');
      await expectAppError(record(who.keeper, app.id, { impressions: 0 }), 'VALIDATION', 'impressions');
      await expectAppError(record(who.keeper, app.id, { impressions: 1, stampedAt: new Date(Date.now() + 3_600_000).toISOString() }), 'VALIDATION', 'stampedAt');
      await expectAppError(record(who.keeper, app.id, { impressions: 1, stampedAt: new Date(Date.now() - 86_400_000).toISOString() }), 'VALIDATION', 'stampedAt');

      const pending = await submitApplication(env.deps, { actor: who.applicant, input: { ...base, sealId: seal.id } });
      expect((await expectAppError(record(who.keeper, pending.id), 'ILLEGAL_TRANSITION')).message).toMatch(/pending/);

      const revoked = await approved(1);
      await revokeAuthorization(env.deps, { actor: who.approver, id: revoked.id, input: { reason: '材料有误' } });
      const afterSetup = await auditCount(env.database);
      expect((await expectAppError(record(who.keeper, revoked.id), 'RULE_VIOLATION')).message).toMatch(/revoked/);

      // A device bound to the seal records its own impressions.
      const current = (await env.deps.uow.read((tx) => tx.seals.get(seal.id)))!;
      await env.deps.uow.write((tx) => tx.seals.update(seal.id, current.version, { deviceId: 'DEV-TEST-1' }));
      expect((await expectAppError(record(who.keeper), 'RULE_VIOLATION')).message).toMatch(/a device is bound/);
      const again = (await env.deps.uow.read((tx) => tx.seals.get(seal.id)))!;
      await env.deps.uow.write((tx) => tx.seals.update(seal.id, again.version, { deviceId: null }));

      for (const id of [app.id, pending.id, revoked.id]) expect(await stampingRows(id)).toBe(0);
      expect(await auditCount(env.database)).toBe(afterSetup);
      expect(afterSetup).toBe(before + 4); // two filings, an approval and a revocation
      const untouched = await env.deps.uow.read((tx) => tx.applications.authorizationOf(app.id));
      expect(untouched).toMatchObject({ impressionsUsed: 0, status: 'active' });
      expect((await env.deps.uow.read((tx) => tx.applications.get(app.id)))!.status).toBe('approved');
    });

    it('refuses once the window of the authorization has closed', async () => {
      const app = await approved(1);
      const auth = (await env.deps.uow.read((tx) => tx.applications.authorizationOf(app.id)))!;
      const before = await auditCount(env.database);
      const jump = new Date(auth.validUntil).getTime() - Date.now() + 60_000;
      env.tick(jump);
      try {
        const e = await expectAppError(recordManualStamping(env.deps, { actor: who.keeper, applicationId: app.id, input: { impressions: 1 }, photo: stamped }), 'RULE_VIOLATION');
        expect(e.message).toContain(`expired at ${auth.validUntil}`);
        // Stating a time inside the window does not reopen it.
        await expectAppError(recordManualStamping(env.deps, {
          actor: who.keeper, applicationId: app.id, input: { impressions: 1, stampedAt: new Date(new Date(auth.validFrom).getTime() + 1000).toISOString() }, photo: stamped,
        }), 'RULE_VIOLATION');
      } finally {
        env.tick(-jump);
      }
      expect(await stampingRows(app.id)).toBe(0);
      expect(await auditCount(env.database)).toBe(before);
    });

    it('keeps a partly stamped application in the keeper\'s queue until all impressions are made, and drops it when the window closes', async () => {
      const queue = async () => (await listApplications(env.deps, { actor: who.keeper, query: { box: 'queue' } })).items.map((a) => a.id);
      const app = await approved(2);
      expect(await queue()).toContain(app.id);
      await recordManualStamping(env.deps, { actor: who.keeper, applicationId: app.id, input: { impressions: 1 }, photo: stamped });
      expect(await queue()).toContain(app.id);
      await recordManualStamping(env.deps, { actor: who.keeper, applicationId: app.id, input: { impressions: 1 }, photo: stamped });
      expect(await queue()).not.toContain(app.id);
      const unused = await approved(1);
      expect(await queue()).toContain(unused.id);
      env.tick(86_400_000);
      expect(await queue()).not.toContain(unused.id);
    });

    it('records a stamped page that matches none of the approved pages as such, with the nearest distance', async () => {
      const app = await approved(1);
      const other: StampedPhoto = { ...stamped, photoKey: hex('c', 64), sm3: hex('c', 64), phash: hex('0', 16) };
      const seq = await lastSeq(env.database);
      const { stamping } = await recordManualStamping(env.deps, { actor: who.keeper, applicationId: app.id, input: { impressions: 1 }, photo: other });
      // 'a…' (1010) is 32 bits from all zeros, 'b…' (1011) 48: too far for either page.
      expect(stamping).toMatchObject({ matchedPageNo: null, phashDistance: 32 });
      const [entry] = await auditSince(env.deps, seq);
      expect(entry!.after).toMatchObject({ matchedPageNo: null, phashDistance: 32, pageMatches: false });
    });

    it('ends the open authorizations of a seal taken out of use, and refuses impressions with it', async () => {
      const unused = await approved(1);
      const partly = await approved(2);
      await recordManualStamping(env.deps, { actor: who.keeper, applicationId: partly.id, input: { impressions: 1 }, photo: stamped });
      const seq = await lastSeq(env.database);
      await transitionSeal(env.deps, { actor: who.station, id: seal.id, action: 'suspend', input: { reason: '印章遗失待查' } });
      const trail = (await auditSince(env.deps, seq)).map((e) => [e.action, e.targetId]);
      expect(trail).toEqual(expect.arrayContaining([['SEAL_SUSPENDED', seal.id], ['AUTHORIZATION_REVOKED', unused.id], ['AUTHORIZATION_REVOKED', partly.id]]));
      const read = (id: string) => env.deps.uow.read(async (tx) => ({ app: await tx.applications.get(id), auth: await tx.applications.authorizationOf(id) }));
      expect(await read(unused.id)).toMatchObject({ app: { status: 'revoked' }, auth: { status: 'revoked' } });
      // The impression already made stays on record.
      expect(await read(partly.id)).toMatchObject({ app: { status: 'stamped' }, auth: { status: 'revoked', impressionsUsed: 1 } });
      const before = await auditCount(env.database);
      const e = await expectAppError(recordManualStamping(env.deps, { actor: who.keeper, applicationId: partly.id, input: { impressions: 1 }, photo: stamped }), 'RULE_VIOLATION');
      expect(e.message).toMatch(/suspended/);
      expect(await auditCount(env.database)).toBe(before);
      await transitionSeal(env.deps, { actor: who.station, id: seal.id, action: 'activate', input: {} });
    });
  });
}
