import { AppError, type Alarm, type UnitOfWork } from '@cunzhang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DIALECTS, type TestDatabase } from './testing.js';
import { unitOfWork } from './unit-of-work.js';

const TOWN = '370921113';
const V1 = '370921113201';
const V2 = '370921113202';
let n = 0;

const alarm = (patch: Partial<Alarm> = {}): Alarm => ({
  id: `01ALARM${String(++n).padStart(6, '0')}`, orgCode: V1, deviceId: 'CZ0000000001', sealId: null, rule: 'offline', severity: 'warning', status: 'open',
  evidence: { minutes: 12 }, eventSeq: null, dedupeKey: null, autoLocked: false, createdAt: `2026-11-27T08:00:${String(n % 60).padStart(2, '0')}.000Z`,
  acknowledgedBy: null, acknowledgedAt: null, resolvedBy: null, resolvedAt: null, note: null, version: 1, ...patch,
});

for (const dialect of TEST_DIALECTS) {
  describe(`alarm repository [${dialect}]`, () => {
    let database: TestDatabase;
    let uow: UnitOfWork;
    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      uow = unitOfWork(database);
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    it('raises once per open dedupe key; a resolved one lets the condition raise again; no key never dedupes', async () => {
      const first = alarm({ dedupeKey: 'offline:CZ0000000001', evidence: { minutes: 12, nested: { a: [1, 2] } } });
      expect(await uow.write((tx) => tx.alarms.raise(first))).toEqual({ alarm: first, created: true });
      const repeat = await uow.write((tx) => tx.alarms.raise(alarm({ dedupeKey: 'offline:CZ0000000001', evidence: { minutes: 99 } })));
      expect(repeat).toEqual({ alarm: first, created: false });
      expect(await uow.read((tx) => tx.alarms.get(first.id))).toEqual(first);

      // Acknowledged is still open for deduplication.
      const acked = await uow.write((tx) => tx.alarms.update(first.id, 1, { status: 'acknowledged', acknowledgedBy: 'u1', acknowledgedAt: '2026-11-27T09:00:00.000Z' }));
      expect(acked).toMatchObject({ status: 'acknowledged', version: 2, acknowledgedBy: 'u1' });
      expect((await uow.write((tx) => tx.alarms.raise(alarm({ dedupeKey: 'offline:CZ0000000001' })))).created).toBe(false);

      await uow.write((tx) => tx.alarms.update(first.id, 2, { status: 'resolved', resolvedBy: 'u2', resolvedAt: '2026-11-27T10:00:00.000Z', note: '已恢复供电' }));
      const anew = await uow.write((tx) => tx.alarms.raise(alarm({ dedupeKey: 'offline:CZ0000000001' })));
      expect(anew.created).toBe(true);
      expect(anew.alarm.id).not.toBe(first.id);

      const a = await uow.write((tx) => tx.alarms.raise(alarm()));
      const b = await uow.write((tx) => tx.alarms.raise(alarm()));
      expect([a.created, b.created]).toEqual([true, true]);
    });

    it('updates optimistically: a stale version is a conflict and changes nothing', async () => {
      const { alarm: x } = await uow.write((tx) => tx.alarms.raise(alarm({ rule: 'tamper', severity: 'critical' })));
      await uow.write((tx) => tx.alarms.update(x.id, 1, { autoLocked: true }));
      const e = await uow.write((tx) => tx.alarms.update(x.id, 1, { status: 'resolved' })).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('CONFLICT');
      expect(await uow.read((tx) => tx.alarms.get(x.id))).toMatchObject({ status: 'open', autoLocked: true, version: 2 });
    });

    it('lists within scopes and filters, newest first, in keyset pages', async () => {
      await uow.write(async (tx) => {
        await tx.alarms.raise(alarm({ orgCode: V2, deviceId: 'CZ0000000002', rule: 'low_battery', severity: 'info' }));
        await tx.alarms.raise(alarm({ orgCode: V2, deviceId: 'CZ0000000002', rule: 'tamper', severity: 'critical' }));
      });
      const all = await uow.read((tx) => tx.alarms.list({ scopes: [''], limit: 100 }));
      expect(all.items.map((x) => x.id)).toEqual([...all.items.map((x) => x.id)].sort().reverse());
      const v2 = await uow.read((tx) => tx.alarms.list({ scopes: [V2], limit: 100 }));
      expect(v2.items.map((x) => x.rule)).toEqual(['tamper', 'low_battery']);
      expect((await uow.read((tx) => tx.alarms.list({ scopes: [TOWN], orgCode: V2, severity: 'critical', limit: 10 }))).items).toHaveLength(1);
      expect((await uow.read((tx) => tx.alarms.list({ scopes: [V1], orgCode: V2, limit: 10 }))).items).toEqual([]);
      expect((await uow.read((tx) => tx.alarms.list({ scopes: [''], deviceId: 'CZ0000000001', status: 'resolved', limit: 10 }))).items).toHaveLength(1);
      expect((await uow.read((tx) => tx.alarms.list({ scopes: [''], rule: 'low_battery', limit: 10 }))).items.map((x) => x.deviceId)).toEqual(['CZ0000000002']);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await uow.read((tx) => tx.alarms.list({ scopes: [''], limit: 2, cursor }));
        seen.push(...page.items.map((x) => x.id));
        cursor = page.next ?? undefined;
      } while (cursor);
      expect(seen).toEqual(all.items.map((x) => x.id));
    });

    it('keeps each town\'s rule settings, upserted; no stamping means no impressions', async () => {
      expect(await uow.read((tx) => tx.alarms.rulesForTown(TOWN))).toEqual([]);
      await uow.write((tx) => tx.alarms.upsertRule(TOWN, { rule: 'offline', enabled: true, severity: 'critical', autoLock: false, threshold: 30 }, '2026-11-27T08:00:00.000Z'));
      await uow.write((tx) => tx.alarms.upsertRule(TOWN, { rule: 'tamper', enabled: false, severity: 'critical', autoLock: true, threshold: null }, '2026-11-27T08:00:00.000Z'));
      await uow.write((tx) => tx.alarms.upsertRule(TOWN, { rule: 'offline', enabled: true, severity: 'warning', autoLock: false, threshold: 45 }, '2026-11-27T09:00:00.000Z'));
      expect(await uow.read((tx) => tx.alarms.rulesForTown(TOWN))).toEqual([
        { rule: 'offline', enabled: true, severity: 'warning', autoLock: false, threshold: 45 },
        { rule: 'tamper', enabled: false, severity: 'critical', autoLock: true, threshold: null },
      ]);
      expect(await uow.read((tx) => tx.alarms.rulesForTown('370921114'))).toEqual([]);
      expect(await uow.read((tx) => tx.alarms.impressionsIn(V1, '2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'))).toBe(0);
    });
  });
}
