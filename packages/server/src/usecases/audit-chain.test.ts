import {
  createSealType, createUser, grantRole, listAudit, login, systemActor, transitionSeal, updateSeal, type Actor, type Seal,
} from '@cunzhang/core';
import { entryHash } from '@cunzhang/ledger';
import { verifyAuditTrail, type AuditLogTable } from '@cunzhang/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { actorByPhone, actorOf, auditCount, demoLogin, expectAppError, lastSeq, rawSql } from './support.js';

for (const dialect of TEST_DIALECTS) {
  describe(`audit chain on the database [${dialect}]`, () => {
    let env: TestEnv;
    let officer: Actor;
    let seals: Seal[];

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      officer = await actorByPhone(env.deps, demoLogin('station_officer').phone);
      seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], limit: 200 }))).items;
    });
    afterAll(async () => {
      await env?.close();
    });

    const row = (seq: number): Promise<AuditLogTable> => env.database.db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
    const seqs = async (): Promise<number[]> => (await env.database.db.selectFrom('audit_log').select('seq').orderBy('seq').execute()).map((r) => r.seq);

    /** Runs `fn` with the append-only triggers out of the way, as an intruder with database access would. */
    async function asIntruder(fn: () => Promise<void>): Promise<void> {
      if (dialect === 'sqlite') {
        await rawSql(env.database, 'drop trigger audit_log_no_update');
        await rawSql(env.database, 'drop trigger audit_log_no_delete');
      } else {
        await rawSql(env.database, 'alter table audit_log disable trigger audit_log_no_change');
      }
      try {
        await fn();
      } finally {
        if (dialect === 'sqlite') {
          await rawSql(env.database, "create trigger audit_log_no_update before update on audit_log begin select raise(abort, 'audit_log is append-only'); end");
          await rawSql(env.database, "create trigger audit_log_no_delete before delete on audit_log begin select raise(abort, 'audit_log is append-only'); end");
        } else {
          await rawSql(env.database, 'alter table audit_log enable trigger audit_log_no_change');
        }
      }
    }

    it('verifies the whole trail after a series of actions, with the right count', async () => {
      const seeded = await verifyAuditTrail(env.database);
      expect(seeded.ok).toBe(true);
      expect(seeded.checked).toBe(await auditCount(env.database));
      expect(seeded.checked).toBe(await lastSeq(env.database));
      // Demo: 48 units, 11 + 90 people each created and granted, 92 seals issued, filed, activated.
      expect(seeded.checked).toBe(48 + 2 * (11 + 90) + 3 * 92);

      const seal = seals.find((s) => s.orgCode === DEMO_VILLAGE)!;
      await transitionSeal(env.deps, { actor: officer, id: seal.id, action: 'suspend', input: { reason: '季度检查' } });
      await transitionSeal(env.deps, { actor: officer, id: seal.id, action: 'activate', input: {} });
      await expectAppError(login(env.deps, { input: { phone: demoLogin('applicant').phone, password: 'Wrong@2026' }, ip: '10.9.9.9' }), 'UNAUTHENTICATED');
      const u = await createUser(env.deps, { actor: systemActor(), input: { name: '审计测试', phone: '15700000001', password: 'Heshan@2026', orgCode: DEMO_VILLAGE } });
      await grantRole(env.deps, { actor: systemActor(), userId: u.id, input: { role: 'applicant', orgCode: DEMO_VILLAGE } });
      await createSealType(env.deps, { actor: systemActor(), input: { code: 'archive', nameZh: '档案专用章', nameEn: 'Archive seal', custody: 'village' } });

      const after = await verifyAuditTrail(env.database);
      expect(after).toMatchObject({ ok: true, checked: seeded.checked + 6, firstBad: null });
      expect(after.headHash).toBe((await row(after.checked)).hash);
      expect(await seqs()).toEqual(Array.from({ length: after.checked }, (_, i) => i + 1));
      // A small page size walks the same chain.
      expect(await verifyAuditTrail(env.database, 7)).toEqual(after);
    });

    it('refuses UPDATE and DELETE of trail rows through plain SQL', async () => {
      const before = await row(5);
      await expect(rawSql(env.database, `update audit_log set after_json = '{}' where seq = 5`)).rejects.toThrow(/append-only/);
      await expect(rawSql(env.database, `update audit_log set actor_id = 'someone' where seq = 5`)).rejects.toThrow(/append-only/);
      await expect(rawSql(env.database, 'delete from audit_log where seq = 5')).rejects.toThrow(/append-only/);
      await expect(rawSql(env.database, 'delete from audit_log')).rejects.toThrow(/append-only/);
      expect(await row(5)).toEqual(before);
      expect((await verifyAuditTrail(env.database)).ok).toBe(true);
    });

    it('names the first altered entry, and is whole again once it is put back', async () => {
      const n = await lastSeq(env.database);
      const k = 120;
      const original = await row(k);
      await asIntruder(async () => {
        const tampered = { ...JSON.parse(original.after_json), status: 'retired' };
        await env.database.db.updateTable('audit_log').set({ after_json: JSON.stringify(tampered) }).where('seq', '=', k).execute();
      });
      const r = await verifyAuditTrail(env.database);
      expect(r.ok).toBe(false);
      expect(r.firstBad?.seq).toBe(k);
      expect(r.firstBad?.reason).toMatch(/altered/);
      expect(r.checked).toBe(k - 1);

      await asIntruder(async () => {
        await env.database.db.updateTable('audit_log').set({ after_json: original.after_json }).where('seq', '=', k).execute();
      });
      expect(await verifyAuditTrail(env.database)).toMatchObject({ ok: true, checked: n });
    });

    it('catches a rewritten entry whose hash was recomputed, at the next link', async () => {
      const k = 60;
      const original = await row(k);
      await asIntruder(async () => {
        const forged = { ...original, actor_id: 'intruder' };
        const hash = entryHash({
          seq: forged.seq, at: forged.at, actorId: forged.actor_id, action: forged.action, targetType: forged.target_type, targetId: forged.target_id,
          orgCode: forged.org_code, ip: forged.ip, before: JSON.parse(forged.before_json), after: JSON.parse(forged.after_json), prevHash: forged.prev_hash,
        });
        await env.database.db.updateTable('audit_log').set({ actor_id: 'intruder', hash }).where('seq', '=', k).execute();
      });
      const r = await verifyAuditTrail(env.database);
      expect(r).toMatchObject({ ok: false, firstBad: { seq: k + 1 } });
      expect(r.firstBad?.reason).toMatch(/previous-hash link/);
      await asIntruder(async () => {
        await env.database.db.updateTable('audit_log').set({ actor_id: original.actor_id, hash: original.hash }).where('seq', '=', k).execute();
      });
      expect((await verifyAuditTrail(env.database)).ok).toBe(true);
    });

    it('names a deleted middle entry as missing', async () => {
      const k = 200;
      const original = await row(k);
      await asIntruder(async () => {
        await env.database.db.deleteFrom('audit_log').where('seq', '=', k).execute();
      });
      const r = await verifyAuditTrail(env.database);
      expect(r.ok).toBe(false);
      expect(r.firstBad?.seq).toBe(k);
      expect(r.firstBad?.reason).toMatch(/missing/);
      await env.database.db.insertInto('audit_log').values(original).execute();
      expect((await verifyAuditTrail(env.database)).ok).toBe(true);
    });

    it('detects entries removed from the end through the chain head', async () => {
      const n = await lastSeq(env.database);
      const last = await row(n);
      await asIntruder(async () => {
        await env.database.db.deleteFrom('audit_log').where('seq', '=', n).execute();
      });
      const r = await verifyAuditTrail(env.database);
      expect(r.ok).toBe(false);
      expect(r.checked).toBe(n - 1);
      expect(r.firstBad?.seq).toBe(n);
      expect(r.firstBad?.reason).toMatch(/removed from the end/);
      await env.database.db.insertInto('audit_log').values(last).execute();
      expect(await verifyAuditTrail(env.database)).toMatchObject({ ok: true, checked: n });
    });

    it('keeps the chain gapless under 20 concurrent writers', async () => {
      const before = await lastSeq(env.database);
      const targets = seals.filter((s) => s.orgCode !== DEMO_VILLAGE).slice(0, 20);
      expect(targets).toHaveLength(20);
      const results = await Promise.all(targets.map((s, i) => updateSeal(env.deps, { actor: officer, id: s.id, input: { name: `${s.name}·${i}` } })));
      expect(results.map((s) => s.name)).toEqual(targets.map((s, i) => `${s.name}·${i}`));
      const r = await verifyAuditTrail(env.database);
      expect(r).toMatchObject({ ok: true, checked: before + 20 });
      expect(await seqs()).toEqual(Array.from({ length: before + 20 }, (_, i) => i + 1));
      const appended = await env.database.db.selectFrom('audit_log').select(['target_id', 'action']).where('seq', '>', before).execute();
      expect(appended.every((e) => e.action === 'SEAL_UPDATED')).toBe(true);
      expect(new Set(appended.map((e) => e.target_id))).toEqual(new Set(targets.map((s) => s.id)));
    });

    it('shows each reader the trail of their units only, newest first', async () => {
      const supervisor = await actorByPhone(env.deps, demoLogin('supervisor').phone);
      const auditAdmin = await actorByPhone(env.deps, demoLogin('audit_admin').phone);
      const keeper = await actorByPhone(env.deps, demoLogin('seal_keeper').phone);
      await expectAppError(listAudit(env.deps, { actor: keeper, query: { limit: 10 } }), 'FORBIDDEN');
      await expectAppError(listAudit(env.deps, { actor: await actorByPhone(env.deps, demoLogin('sys_admin').phone), query: { limit: 10 } }), 'FORBIDDEN');

      const page = await listAudit(env.deps, { actor: auditAdmin, query: { limit: 50 } });
      expect(page).toHaveLength(50);
      expect(page.map((e) => e.seq)).toEqual([...page.map((e) => e.seq)].sort((a, b) => b - a));
      const next = await listAudit(env.deps, { actor: auditAdmin, query: { limit: 50, before: page[49]!.seq } });
      expect(next[0]!.seq).toBeLessThan(page[49]!.seq);

      const u = await createUser(env.deps, { actor: systemActor(), input: { name: '村监委', phone: '15700000002', password: 'Heshan@2026', orgCode: DEMO_OTHER_VILLAGE } });
      await grantRole(env.deps, { actor: systemActor(), userId: u.id, input: { role: 'supervisor', orgCode: DEMO_OTHER_VILLAGE } });
      const villageSupervisor = await actorOf(env.deps, u.id);
      const own = await listAudit(env.deps, { actor: villageSupervisor, query: { limit: 500 } });
      expect(own.length).toBeGreaterThan(0);
      expect(own.every((e) => e.orgCode.startsWith(DEMO_OTHER_VILLAGE))).toBe(true);
      const town = await listAudit(env.deps, { actor: supervisor, query: { limit: 500, targetType: 'seal' } });
      expect(town.every((e) => e.targetType === 'seal' && e.orgCode.startsWith(DEMO_TOWN))).toBe(true);
      expect(new Set(town.map((e) => e.orgCode)).size).toBeGreaterThan(1);
    });
  });
}
