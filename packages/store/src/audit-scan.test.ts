import type { AuditInput, UnitOfWork } from '@cunzhang/core';
import { entryHash, GENESIS_HASH } from '@cunzhang/ledger';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditTrail } from './audit-scan.js';
import type { Database } from './database.js';
import type { DB } from './schema.js';
import { openTestDatabase, TEST_DIALECTS, type TestDatabase } from './testing.js';
import { unitOfWork } from './unit-of-work.js';

const entry = (n: number, patch: Partial<AuditInput> = {}): AuditInput & { at: string } => ({
  actorId: 'u1', action: 'SEAL_UPDATED', targetType: 'seal', targetId: `s${n}`, orgCode: '370921113201', ip: '10.0.0.1',
  before: { name: `旧${n}` }, after: { name: `新${n}` }, at: new Date(Date.UTC(2026, 0, 1, 8, 0, n)).toISOString(), ...patch,
});

/**
 * The same database handle, except that every query built from `selectFrom(table)` on one
 * of `tables` first awaits `before()` when it is executed.
 */
function interceptReads(db: Kysely<DB>, tables: (keyof DB)[], before: () => Promise<void>): Kysely<DB> {
  const wrap = <T extends object>(builder: T): T => new Proxy(builder, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      const fn = value as (...args: unknown[]) => unknown;
      if (typeof prop === 'string' && prop.startsWith('execute')) {
        return async (...args: unknown[]) => {
          await before();
          return fn.apply(target, args);
        };
      }
      return (...args: unknown[]) => {
        const out = fn.apply(target, args);
        return out !== null && typeof out === 'object' ? wrap(out) : out;
      };
    },
  });
  return new Proxy(db, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop !== 'selectFrom') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      return (table: string) => {
        const builder = target.selectFrom(table as 'audit_head');
        return (tables as string[]).includes(table) ? wrap(builder) : builder;
      };
    },
  });
}

for (const dialect of TEST_DIALECTS) {
  describe(`audit trail storage [${dialect}]`, () => {
    let database: TestDatabase;
    let uow: UnitOfWork;
    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      uow = unitOfWork(database);
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    it('verifies an empty trail', async () => {
      expect(await verifyAuditTrail(database)).toEqual({ ok: true, checked: 0, firstBad: null, headHash: GENESIS_HASH });
    });

    it('numbers entries from 1 and links each to the one before', async () => {
      const a = await uow.write((tx) => tx.audit.append(entry(1)));
      const b = await uow.write((tx) => tx.audit.append(entry(2)));
      expect(a).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
      expect(b).toMatchObject({ seq: 2, prevHash: a.hash });
      expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
      const head = await database.db.selectFrom('audit_head').selectAll().execute();
      expect(head).toEqual([{ id: 1, seq: 2, hash: b.hash }]);
      expect(await verifyAuditTrail(database)).toMatchObject({ ok: true, checked: 2, headHash: b.hash });
    });

    it('stores values the way they read back, so dates and undefined fields still verify', async () => {
      const at = new Date(Date.UTC(2026, 1, 2));
      const e = await uow.write((tx) => tx.audit.append(entry(3, { before: undefined, after: { when: at, gone: undefined, list: [1, undefined], nested: { b: 1, a: '村' } } })));
      expect(e.before).toBeNull();
      expect(e.after).toEqual({ when: at.toISOString(), list: [1, null], nested: { a: '村', b: 1 } });
      const [read] = await uow.read((tx) => tx.audit.list({ scopes: [''], targetId: 's3', limit: 1 }));
      expect(read).toEqual(e);
      expect((await verifyAuditTrail(database)).ok).toBe(true);
    });

    it('appends nothing when the transaction fails', async () => {
      const before = await verifyAuditTrail(database);
      await expect(uow.write(async (tx) => {
        await tx.audit.append(entry(4));
        throw new Error('the step failed after its audit entry');
      })).rejects.toThrow(/failed/);
      expect(await verifyAuditTrail(database)).toEqual(before);
      const next = await uow.write((tx) => tx.audit.append(entry(5)));
      expect(next.seq).toBe(before.checked + 1);
      expect(next.prevHash).toBe(before.headHash);
    });

    it('lists newest first, filtered by unit scope, target and position', async () => {
      await uow.write(async (tx) => {
        await tx.audit.append(entry(10, { orgCode: '370921113202', targetId: 'other' }));
        await tx.audit.append(entry(11, { orgCode: '370921113', targetType: 'user', targetId: 'u9' }));
        await tx.audit.append(entry(12, { orgCode: '', targetType: 'seal_type', targetId: 'archive' }));
      });
      const all = await uow.read((tx) => tx.audit.list({ scopes: [''], limit: 100 }));
      expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((a, b) => b - a));
      const village = await uow.read((tx) => tx.audit.list({ scopes: ['370921113201'], limit: 100 }));
      expect(village.length).toBeGreaterThan(0);
      expect(village.every((e) => e.orgCode === '370921113201')).toBe(true);
      const town = await uow.read((tx) => tx.audit.list({ scopes: ['370921113'], limit: 100 }));
      expect(town.length).toBe(all.length - 1); // all but the root-level seal type entry
      const two = await uow.read((tx) => tx.audit.list({ scopes: ['370921113201', '370921113202'], limit: 100 }));
      expect(new Set(two.map((e) => e.orgCode))).toEqual(new Set(['370921113201', '370921113202']));
      expect((await uow.read((tx) => tx.audit.list({ scopes: [''], targetType: 'user', targetId: 'u9', limit: 10 }))).map((e) => e.targetId)).toEqual(['u9']);
      const older = await uow.read((tx) => tx.audit.list({ scopes: [''], before: 3, limit: 10 }));
      expect(older.map((e) => e.seq)).toEqual([2, 1]);
      expect(await uow.read((tx) => tx.audit.list({ scopes: ['370921113%'], limit: 10 }))).toEqual([]);
    });

    it('verifies across page boundaries', async () => {
      const n = (await verifyAuditTrail(database)).checked;
      for (const size of [1, 2, n - 1, n, n + 1]) expect(await verifyAuditTrail(database, size), `page ${size}`).toMatchObject({ ok: true, checked: n });
    });

    it('keeps the chain gapless with 20 concurrent writers', async () => {
      const before = (await verifyAuditTrail(database)).checked;
      const written = await Promise.all(Array.from({ length: 20 }, (_, i) => uow.write(async (tx) => {
        await tx.orgs.upsert({ code: `37092111${String(i).padStart(4, '0')}`.slice(0, 12), name: `村${i}`, level: 'village', parentCode: null });
        return tx.audit.append(entry(100 + i));
      })));
      expect(written.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => before + i + 1));
      expect(await verifyAuditTrail(database)).toMatchObject({ ok: true, checked: before + 20 });
    });

    it('does not mistake entries appended while it runs for removed ones', async () => {
      // A verify run (CLI, API) beside a busy server: entries are committed while the trail
      // is scanned and between the scan and the read of the head. The writer here steps in
      // just before each of the verifier's queries.
      let appended = 0;
      const racing: Database = {
        ...database,
        db: interceptReads(database.db, ['audit_log', 'audit_head'], async () => {
          await uow.write((tx) => tx.audit.append(entry(300 + appended)));
          appended++;
        }),
      };
      const r = await verifyAuditTrail(racing, 4);
      expect(appended).toBeGreaterThan(3);
      expect(r.firstBad).toBeNull();
      expect(r.ok).toBe(true);
      expect((await verifyAuditTrail(database)).ok).toBe(true);
    });

    it('flags an entry slipped in beyond the chain head', async () => {
      const head = await database.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
      const forged = { seq: head.seq + 1, ...entry(400), before: null, after: { forged: true }, prevHash: head.hash };
      const hash = entryHash(forged);
      await database.db.insertInto('audit_log').values({
        seq: forged.seq, at: forged.at, actor_id: forged.actorId, action: forged.action, target_type: forged.targetType, target_id: forged.targetId,
        org_code: forged.orgCode, ip: forged.ip, before_json: 'null', after_json: JSON.stringify(forged.after), prev_hash: forged.prevHash, hash,
      }).execute();
      const r = await verifyAuditTrail(database);
      expect(r.ok).toBe(false);
      expect(r.firstBad?.seq).toBe(head.seq + 1);
      // The next real append cannot take the forged entry's place either.
      await expect(uow.write((tx) => tx.audit.append(entry(401)))).rejects.toThrow();
      // Put things right for the tests after this one.
      await database.db.updateTable('audit_head').set({ seq: forged.seq, hash }).where('id', '=', 1).execute();
      expect((await verifyAuditTrail(database)).ok).toBe(true);
    });

    it('refuses UPDATE and DELETE on the trail at the database', async () => {
      await expect(sql`update audit_log set ip = 'x' where seq = 1`.execute(database.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_log where seq = 1`.execute(database.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_log`.execute(database.db)).rejects.toThrow(/append-only/);
      if (dialect === 'postgres') await expect(sql`truncate audit_log`.execute(database.db)).rejects.toThrow(/append-only/);
      expect((await verifyAuditTrail(database)).ok).toBe(true);
    });

    it('lets the chain head move forward one entry at a time only', async () => {
      const head = await database.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
      // Rewinding the head would hide entries cut from the end of the trail.
      await expect(sql`update audit_head set seq = seq - 1`.execute(database.db)).rejects.toThrow(/audit_head/);
      await expect(sql`update audit_head set hash = ${'f'.repeat(64)}`.execute(database.db)).rejects.toThrow(/audit_head/);
      await expect(sql`update audit_head set seq = seq + 2`.execute(database.db)).rejects.toThrow(/audit_head/);
      await expect(sql`delete from audit_head`.execute(database.db)).rejects.toThrow(/audit_head/);
      if (dialect === 'postgres') await expect(sql`truncate audit_head`.execute(database.db)).rejects.toThrow(/audit_head/);
      expect(await database.db.selectFrom('audit_head').selectAll().execute()).toEqual([head]);
      const next = await uow.write((tx) => tx.audit.append(entry(500)));
      expect(next.seq).toBe(head.seq + 1);
      expect((await verifyAuditTrail(database)).ok).toBe(true);
    });
  });
}
