import { BUILTIN_SEAL_TYPES, type Seal, type SealFilter, type UnitOfWork, type User } from '@cunzhang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltinSealTypes } from './seed-types.js';
import { openTestDatabase, TEST_DIALECTS, type TestDatabase } from './testing.js';
import { unitOfWork } from './unit-of-work.js';

const TOWN = '370921113';
const V1 = '370921113201';
const V2 = '370921113202';

const user = (id: string, patch: Partial<User> = {}): User => ({
  id, name: `人${id}`, phoneEnc: `enc-${id}`, phoneIndex: `idx-${id}`, idNumberEnc: null, passwordHash: 'h', totpSecretEnc: null,
  totpEnabled: false, totpLastStep: 0, failedLogins: 0, lockedUntil: null, disabled: false, demo: false, homeOrgCode: V1, createdAt: '2026-01-01T00:00:00.000Z', ...patch,
});

const seal = (id: string, patch: Partial<Seal> = {}): Seal => ({
  id, typeCode: 'village_committee', orgCode: V1, name: `章${id}`, status: 'issued', issuingAuthority: '鹤山镇人民政府', filingNumber: null,
  activatedAt: null, keeperUserId: null, approverUserIds: [], custodyOrgCode: V1, impressionBlob: null, deviceId: null,
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', version: 1, ...patch,
});

for (const dialect of TEST_DIALECTS) {
  describe(`repositories [${dialect}]`, () => {
    let database: TestDatabase;
    let uow: UnitOfWork;
    beforeAll(async () => {
      database = await openTestDatabase(dialect);
      uow = unitOfWork(database);
      await ensureBuiltinSealTypes(uow);
      await uow.write(async (tx) => {
        for (const [code, level, parentCode] of [['370921', 'county', '3709'], [TOWN, 'town', '370921'], [V1, 'village', TOWN], [V2, 'village', TOWN]] as const) {
          await tx.orgs.upsert({ code, name: code, level, parentCode });
        }
      });
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    describe('unit of work', () => {
      it('commits everything a write did and returns its value', async () => {
        const r = await uow.write(async (tx) => {
          await tx.users.insert(user('uw1'));
          await tx.grants.insert({ id: 'g-uw1', userId: 'uw1', role: 'applicant', orgCode: V1, createdAt: '2026-01-01T00:00:00.000Z' });
          return 42;
        });
        expect(r).toBe(42);
        expect(await uow.read((tx) => tx.grants.forUser('uw1'))).toEqual([{ id: 'g-uw1', role: 'applicant', orgCode: V1 }]);
      });

      it('rolls back everything a failed write did', async () => {
        await expect(uow.write(async (tx) => {
          await tx.users.insert(user('uw2'));
          await tx.orgs.upsert({ code: V1, name: '改名', level: 'village', parentCode: TOWN });
          throw new Error('boom');
        })).rejects.toThrow('boom');
        expect(await uow.read((tx) => tx.users.get('uw2'))).toBeNull();
        expect((await uow.read((tx) => tx.orgs.get(V1)))?.name).toBe(V1);
      });

      it('rolls back on a constraint violation and stays usable', async () => {
        await expect(uow.write(async (tx) => {
          await tx.users.insert(user('uw3'));
          await tx.users.insert(user('uw4', { phoneIndex: 'idx-uw3' }));
        })).rejects.toThrow();
        expect(await uow.read((tx) => tx.users.get('uw3'))).toBeNull();
        await uow.write((tx) => tx.users.insert(user('uw3')));
        expect((await uow.read((tx) => tx.users.get('uw3')))?.id).toBe('uw3');
      });
    });

    describe('org units', () => {
      it('tells inserted, unchanged and updated apart', async () => {
        const u = { code: '370921113203', name: '桃园村委会', level: 'village' as const, parentCode: TOWN };
        expect(await uow.write((tx) => tx.orgs.upsert(u))).toBe('inserted');
        expect(await uow.write((tx) => tx.orgs.upsert(u))).toBe('unchanged');
        expect(await uow.write((tx) => tx.orgs.upsert({ ...u, name: '桃园社区' }))).toBe('updated');
        expect(await uow.read((tx) => tx.orgs.get(u.code))).toEqual({ ...u, name: '桃园社区' });
        expect((await uow.read((tx) => tx.orgs.children(TOWN))).map((o) => o.code)).toEqual([V1, V2, '370921113203']);
        expect((await uow.read((tx) => tx.orgs.children('370921'))).map((o) => o.code)).toEqual([TOWN]);
        expect(await uow.read((tx) => tx.orgs.count())).toBe(5);
        expect(typeof (await uow.read((tx) => tx.orgs.count()))).toBe('number');
      });
    });

    describe('people', () => {
      it('reads back every field, flags and nulls included, and patches only what is given', async () => {
        const full = user('p1', { idNumberEnc: 'id-enc', totpSecretEnc: 'totp-enc', totpEnabled: true, failedLogins: 3, lockedUntil: '2026-01-02T00:00:00.000Z', demo: true });
        await uow.write((tx) => tx.users.insert(full));
        expect(await uow.read((tx) => tx.users.get('p1'))).toEqual(full);
        expect(await uow.read((tx) => tx.users.byPhoneIndex('idx-p1'))).toEqual(full);
        await uow.write((tx) => tx.users.update('p1', { failedLogins: 0, lockedUntil: null, disabled: true }));
        expect(await uow.read((tx) => tx.users.get('p1'))).toEqual({ ...full, failedLogins: 0, lockedUntil: null, disabled: true });
        await uow.write((tx) => tx.users.update('p1', {}));
        expect((await uow.read((tx) => tx.users.get('p1')))?.totpEnabled).toBe(true);
        expect(await uow.read((tx) => tx.users.get('nobody'))).toBeNull();
      });

      it('lists people of the given scopes by id, a page at a time, with a literal name filter', async () => {
        await uow.write(async (tx) => {
          for (let i = 0; i < 5; i++) await tx.users.insert(user(`l${i}`, { name: i % 2 ? `王_${i}` : `李%${i}`, homeOrgCode: i < 3 ? V2 : TOWN, phoneIndex: `idx-l${i}` }));
        });
        const v2 = await uow.read((tx) => tx.users.listInScopes([V2], { limit: 10 }));
        expect(v2.items.map((u) => u.id)).toEqual(['l0', 'l1', 'l2']);
        expect(v2.next).toBeNull();
        const town = await uow.read((tx) => tx.users.listInScopes([TOWN], { limit: 100 }));
        expect(town.items.every((u) => u.homeOrgCode.startsWith(TOWN))).toBe(true);
        const ids: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await uow.read((tx) => tx.users.listInScopes([''], { limit: 2, ...(cursor ? { cursor } : {}) }));
          ids.push(...page.items.map((u) => u.id));
          cursor = page.next ?? undefined;
        } while (cursor);
        expect(ids).toEqual([...ids].sort());
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toEqual(expect.arrayContaining(['l0', 'l4', 'p1']));
        expect((await uow.read((tx) => tx.users.listInScopes([''], { limit: 10, q: '_' }))).items.map((u) => u.id)).toEqual(['l1', 'l3']);
        expect((await uow.read((tx) => tx.users.listInScopes([''], { limit: 10, q: '%' }))).items.map((u) => u.id)).toEqual(['l0', 'l2', 'l4']);
      });

      it('keeps grants per person, one of each role on each unit', async () => {
        await uow.write(async (tx) => {
          await tx.grants.insert({ id: 'g1', userId: 'l0', role: 'seal_keeper', orgCode: V2, createdAt: '2026-01-01T00:00:01.000Z' });
          await tx.grants.insert({ id: 'g2', userId: 'l0', role: 'village_approver', orgCode: V2, createdAt: '2026-01-01T00:00:02.000Z' });
          await tx.grants.insert({ id: 'g3', userId: 'l1', role: 'applicant', orgCode: V2, createdAt: '2026-01-01T00:00:03.000Z' });
        });
        const map = await uow.read((tx) => tx.grants.forUsers(['l0', 'l1', 'l2']));
        expect(map.get('l0')?.map((g) => g.role)).toEqual(['seal_keeper', 'village_approver']);
        expect(map.get('l1')).toEqual([{ id: 'g3', role: 'applicant', orgCode: V2 }]);
        expect(map.has('l2')).toBe(false);
        expect((await uow.read((tx) => tx.grants.forUsers([]))).size).toBe(0);
        expect(await uow.read((tx) => tx.grants.get('g2'))).toEqual({ id: 'g2', role: 'village_approver', orgCode: V2, userId: 'l0' });
        await expect(uow.write((tx) => tx.grants.insert({ id: 'g4', userId: 'l0', role: 'seal_keeper', orgCode: V2, createdAt: '2026-01-01T00:00:04.000Z' }))).rejects.toThrow();
        await uow.write((tx) => tx.grants.delete('g2'));
        expect(await uow.read((tx) => tx.grants.get('g2'))).toBeNull();
      });

      it('stores sessions by digest and ends them one by one or all for a person', async () => {
        const s = { idHash: 'h1', userId: 'l0', csrfToken: 'c1', stage: 'totp' as const, createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:05:00.000Z', ip: '10.0.0.1' };
        await uow.write(async (tx) => {
          await tx.sessions.insert(s);
          await tx.sessions.insert({ ...s, idHash: 'h2' });
          await tx.sessions.insert({ ...s, idHash: 'h3', userId: 'l1' });
        });
        await uow.write((tx) => tx.sessions.update('h1', { stage: 'full', expiresAt: '2026-01-01T12:00:00.000Z' }));
        expect(await uow.read((tx) => tx.sessions.get('h1'))).toEqual({ ...s, stage: 'full', expiresAt: '2026-01-01T12:00:00.000Z' });
        await uow.write((tx) => tx.sessions.delete('h1'));
        expect(await uow.read((tx) => tx.sessions.get('h1'))).toBeNull();
        await uow.write((tx) => tx.sessions.deleteForUser('l0'));
        expect(await uow.read((tx) => tx.sessions.get('h2'))).toBeNull();
        expect(await uow.read((tx) => tx.sessions.get('h3'))).not.toBeNull();
      });
    });

    describe('seals', () => {
      it('lists the built-in types first', async () => {
        const types = await uow.read((tx) => tx.sealTypes.list());
        expect(types.slice(0, BUILTIN_SEAL_TYPES.length).map((t) => t.code).sort()).toEqual(BUILTIN_SEAL_TYPES.map((t) => t.code).sort());
        expect(await uow.read((tx) => tx.sealTypes.get('contract'))).toEqual(BUILTIN_SEAL_TYPES.find((t) => t.code === 'contract'));
        await ensureBuiltinSealTypes(uow);
        expect(await uow.read((tx) => tx.sealTypes.list())).toHaveLength(types.length);
      });

      it('reads a seal back as written and bumps its version on each update', async () => {
        const s = seal('s1', { approverUserIds: ['l0', 'l1'], keeperUserId: 'p1' });
        await uow.write((tx) => tx.seals.insert(s));
        expect(await uow.read((tx) => tx.seals.get('s1'))).toEqual(s);
        const u = await uow.write((tx) => tx.seals.update('s1', 1, { status: 'filed', filingNumber: 'F1', approverUserIds: ['l1'], keeperUserId: null }));
        expect(u).toEqual({ ...s, status: 'filed', filingNumber: 'F1', approverUserIds: ['l1'], keeperUserId: null, version: 2 });
      });

      it('refuses an update on a stale version with CONFLICT and changes nothing', async () => {
        const before = await uow.read((tx) => tx.seals.get('s1'));
        await expect(uow.write((tx) => tx.seals.update('s1', 1, { name: '旧版本上的改动' }))).rejects.toMatchObject({ code: 'CONFLICT' });
        await expect(uow.write((tx) => tx.seals.update('no-such-seal', 1, { name: 'x' }))).rejects.toMatchObject({ code: 'CONFLICT' });
        expect(await uow.read((tx) => tx.seals.get('s1'))).toEqual(before);
      });

      it('keeps handover slips in time order', async () => {
        const slip = { sealId: 's1', giverUserId: 'p1', giverName: '甲', receiverUserId: 'l0', receiverName: '乙', witnessName: '丙', note: '', impressionBlob: null };
        await uow.write(async (tx) => {
          await tx.seals.insertHandover({ ...slip, id: 'h-b', handedAt: '2026-03-02T00:00:00.000Z' });
          await tx.seals.insertHandover({ ...slip, id: 'h-a', handedAt: '2026-03-01T00:00:00.000Z' });
        });
        expect((await uow.read((tx) => tx.seals.handovers('s1'))).map((h) => h.id)).toEqual(['h-a', 'h-b']);
        expect(await uow.read((tx) => tx.seals.handovers('s-none'))).toEqual([]);
      });

      it('lists by owning or custody unit within the scopes, and counts per unit', async () => {
        await uow.write(async (tx) => {
          await tx.seals.insert(seal('s2', { orgCode: V2, custodyOrgCode: V2 }));
          await tx.seals.insert(seal('s3', { orgCode: V2, custodyOrgCode: TOWN, typeCode: 'contract', name: '后鹤山合同专用章' }));
        });
        const ids = async (scopes: string[], filter: Partial<SealFilter> = {}) =>
          (await uow.read((tx) => tx.seals.list({ scopes, limit: 50, ...filter }))).items.map((s) => s.id);
        expect(await ids([V1])).toEqual(['s1']);
        expect(await ids([V2])).toEqual(['s2', 's3']);
        expect(await ids([TOWN])).toEqual(['s1', 's2', 's3']);
        expect(await ids([V1, V2])).toEqual(['s1', 's2', 's3']);
        expect(await ids(['370922'])).toEqual([]);
        expect(await ids([TOWN], { typeCode: 'contract' })).toEqual(['s3']);
        expect(await ids([TOWN], { status: 'filed' })).toEqual(['s1']);
        expect(await ids([TOWN], { q: 'F1' })).toEqual(['s1']);
        expect(await ids([TOWN], { orgCode: V2 })).toEqual(['s2', 's3']);
        expect(await uow.read((tx) => tx.seals.countByOrg(V2))).toBe(2);
        expect(await uow.read((tx) => tx.seals.countByOrg('370921113299'))).toBe(0);
      });
    });
  });
}
