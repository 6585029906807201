import type { Device, DeviceCommand, DeviceRequest, Seal, UnitOfWork } from '@cunzhang/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltinSealTypes } from './seed-types.js';
import { openTestDatabase, TEST_DIALECTS, type TestDatabase } from './testing.js';
import { unitOfWork } from './unit-of-work.js';

/** The DeviceRepo methods the registry and the two-person requests use, on both dialects. */
const TOWN = '370921113';
const V1 = '370921113201';
const V2 = '370921113202';
const T0 = '2026-03-01T08:00:00.000Z';

const seal = (id: string, orgCode: string): Seal => ({
  id, typeCode: 'village_committee', orgCode, name: `章${id}`, status: 'active', issuingAuthority: '鹤山镇人民政府', filingNumber: null,
  activatedAt: null, keeperUserId: null, approverUserIds: [], custodyOrgCode: orgCode, impressionBlob: null, deviceId: null, createdAt: T0, updatedAt: T0, version: 1,
});

const device = (id: string, patch: Partial<Device> = {}): Device => ({
  id, orgCode: V1, sealId: null, status: 'provisioned', label: `柜${id}`, publicKey: `04${'a'.repeat(128)}`, credentialHash: 'h', hbKeyEnc: 'e',
  geofence: null, hours: null, replaces: null, replacedBy: null, virtual: false, lockWanted: false, lockReason: null, lockCommandId: null,
  model: null, firmware: null, hardware: null, hbSeconds: null, state: null, online: false, connectedAt: null, lastSeenAt: null, seqHigh: 0, seqGaps: [],
  battery: null, ink: null, latE6: null, lngE6: null, clockSkewMs: null, createdAt: T0, updatedAt: T0, version: 1, ...patch,
});

const cmd = (id: string, deviceId: string, patch: Partial<DeviceCommand> = {}): DeviceCommand => ({
  id, deviceId, type: 'lock', message: '{"v":1}', status: 'pending', attempts: 0, nextAttemptAt: T0, expiresAt: '2026-03-08T08:00:00.000Z',
  createdBy: 'u1', createdAt: T0, ackedAt: null, error: null, ...patch,
});

const req = (id: string, deviceId: string, patch: Partial<DeviceRequest> = {}): DeviceRequest => ({
  id, deviceId, orgCode: V1, kind: 'unlock', maintenanceKind: null, reason: '核实', status: 'pending', requestedBy: 'u1', requestedAt: T0,
  decidedBy: null, decidedAt: null, opinion: null, version: 1, ...patch,
});

for (const dialect of TEST_DIALECTS) {
  describe(`device repository [${dialect}]`, () => {
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
        await tx.seals.insert(seal('S1', V1));
        await tx.seals.insert(seal('S2', V2));
      });
    });
    afterAll(async () => {
      await database?.cleanup();
    });

    it('stores every registry field and reads it back; optimistic updates bump the version and refuse a stale one', async () => {
      const d = device('CZ0000000001', { sealId: 'S1', geofence: { latE6: 35_770_000, lngE6: -116_790_000, radiusM: 200 }, hours: { from: '22:00', to: '06:00' }, virtual: true });
      await uow.write((tx) => tx.devices.insert(d));
      expect(await uow.read((tx) => tx.devices.get(d.id))).toEqual(d);
      const updated = await uow.write((tx) => tx.devices.update(d.id, 1, { lockWanted: true, lockReason: '告警', lockCommandId: 'C1', geofence: null, label: '新', updatedAt: T0 }));
      expect(updated).toMatchObject({ version: 2, lockWanted: true, lockReason: '告警', lockCommandId: 'C1', geofence: null, hours: { from: '22:00', to: '06:00' }, label: '新' });
      await expect(uow.write((tx) => tx.devices.update(d.id, 1, { label: '旧' }))).rejects.toMatchObject({ code: 'CONFLICT' });
      const cleared = await uow.write((tx) => tx.devices.update(d.id, 2, { lockCommandId: null, sealId: null, status: 'retired', replacedBy: 'CZ0000000002' }));
      expect(cleared).toMatchObject({ lockCommandId: null, sealId: null, status: 'retired', replacedBy: 'CZ0000000002', version: 3 });
      expect(await uow.read((tx) => tx.devices.get('CZNOSUCH0000'))).toBeNull();
    });

    it('finds the device bound to a seal, never a retired one', async () => {
      await uow.write(async (tx) => {
        await tx.devices.insert(device('CZ0000000010', { sealId: 'S2', orgCode: V2, status: 'retired' }));
      });
      expect(await uow.read((tx) => tx.devices.bySeal('S2'))).toBeNull();
      await uow.write((tx) => tx.devices.insert(device('CZ0000000011', { sealId: 'S2', orgCode: V2 })));
      expect((await uow.read((tx) => tx.devices.bySeal('S2')))?.id).toBe('CZ0000000011');
    });

    it('lists within scopes with unit, status and online filters, in keyset pages by id', async () => {
      await uow.write(async (tx) => {
        for (const i of [20, 21, 22]) await tx.devices.insert(device(`CZ00000000${i}`));
        await tx.devices.touch('CZ0000000021', { online: true, lastSeenAt: T0, battery: 50 });
      });
      const list = (filter: { scopes: string[]; orgCode?: string; status?: Device['status']; online?: boolean; limit: number; cursor?: string }) => uow.read((tx) => tx.devices.list(filter));
      expect((await list({ scopes: [V2], limit: 50 })).items.map((d) => d.id)).toEqual(['CZ0000000010', 'CZ0000000011']);
      expect((await list({ scopes: [''], orgCode: V2, status: 'retired', limit: 50 })).items.map((d) => d.id)).toEqual(['CZ0000000010']);
      expect((await list({ scopes: [TOWN], online: true, limit: 50 })).items).toMatchObject([{ id: 'CZ0000000021', online: true, battery: 50 }]);
      expect((await list({ scopes: [V1, V2], online: false, limit: 50 })).items.map((d) => d.id)).not.toContain('CZ0000000021');
      const p1 = await list({ scopes: [TOWN], limit: 2 });
      const p2 = await list({ scopes: [TOWN], limit: 2, cursor: p1.next! });
      const rest = await list({ scopes: [TOWN], limit: 50, cursor: p2.next! });
      const all = (await list({ scopes: [TOWN], limit: 50 })).items.map((d) => d.id);
      expect([...p1.items, ...p2.items, ...rest.items].map((d) => d.id)).toEqual(all);
      expect(all).toEqual([...all].sort());
      expect(rest.next).toBeNull();
    });

    it('keeps commands newest first, updates their status, and stores events once per sequence number', async () => {
      await uow.write(async (tx) => {
        await tx.devices.insertCommand(cmd('C1', 'CZ0000000020', { createdAt: '2026-03-01T08:00:00.000Z' }));
        await tx.devices.insertCommand(cmd('C2', 'CZ0000000020', { type: 'unlock', createdAt: '2026-03-01T09:00:00.000Z' }));
        await tx.devices.updateCommand('C1', { status: 'superseded', error: 'device retired' });
      });
      expect((await uow.read((tx) => tx.devices.commands('CZ0000000020', 10))).map((c) => [c.id, c.status])).toEqual([['C2', 'pending'], ['C1', 'superseded']]);
      expect(await uow.read((tx) => tx.devices.getCommand('C1'))).toMatchObject({ status: 'superseded', error: 'device retired', ackedAt: null });
      const e = { deviceId: 'CZ0000000020', seq: 1, type: 'hello', deviceTime: T0, receivedAt: T0, body: { fw: '1.0' }, sig: 'ab' };
      expect(await uow.write((tx) => tx.devices.insertEvent(e))).toBe(true);
      expect(await uow.write((tx) => tx.devices.insertEvent({ ...e, body: { fw: '2.0' } }))).toBe(false);
      await uow.write((tx) => tx.devices.insertEvent({ ...e, seq: 2, type: 'state' }));
      expect(await uow.read((tx) => tx.devices.events('CZ0000000020', { limit: 10 }))).toMatchObject([{ seq: 2 }, { seq: 1, body: { fw: '1.0' } }]);
      expect(await uow.read((tx) => tx.devices.events('CZ0000000020', { limit: 10, beforeSeq: 2 }))).toMatchObject([{ seq: 1 }]);
      // Sequence numbers go past 32 bits (the protocol allows up to 2^53 - 1) and come back as numbers.
      const big = 2 ** 31 + 7;
      expect(await uow.write((tx) => tx.devices.insertEvent({ ...e, seq: big, type: 'state' }))).toBe(true);
      await uow.write((tx) => tx.devices.touch('CZ0000000020', { seqHigh: big }));
      expect((await uow.read((tx) => tx.devices.events('CZ0000000020', { limit: 1 })))[0]!.seq).toBe(big);
      expect((await uow.read((tx) => tx.devices.get('CZ0000000020')))!.seqHigh).toBe(big);
    });

    it('stores requests, decides them once (CONFLICT on a stale version), and filters by scope, device and status', async () => {
      await uow.write(async (tx) => {
        await tx.devices.insertRequest(req('R1', 'CZ0000000020', { requestedAt: '2026-03-01T08:00:00.000Z' }));
        await tx.devices.insertRequest(req('R2', 'CZ0000000020', { kind: 'maintenance', maintenanceKind: 'ink', requestedAt: '2026-03-01T09:00:00.000Z' }));
        await tx.devices.insertRequest(req('R3', 'CZ0000000011', { orgCode: V2, requestedAt: '2026-03-01T10:00:00.000Z' }));
      });
      const decided = await uow.write((tx) => tx.devices.updateRequest('R1', 1, { status: 'approved', decidedBy: 'u2', decidedAt: T0, opinion: '同意' }));
      expect(decided).toMatchObject({ id: 'R1', status: 'approved', decidedBy: 'u2', opinion: '同意', version: 2 });
      await expect(uow.write((tx) => tx.devices.updateRequest('R1', 1, { status: 'rejected' }))).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await uow.read((tx) => tx.devices.getRequest('R2'))).toMatchObject({ kind: 'maintenance', maintenanceKind: 'ink', status: 'pending' });
      const ids = async (f: { scopes: string[]; deviceId?: string; status?: DeviceRequest['status'] }) => (await uow.read((tx) => tx.devices.requests({ ...f, limit: 50 }))).map((r) => r.id);
      expect(await ids({ scopes: [TOWN] })).toEqual(['R3', 'R2', 'R1']);
      expect(await ids({ scopes: [V1] })).toEqual(['R2', 'R1']);
      expect(await ids({ scopes: [''], status: 'pending' })).toEqual(['R3', 'R2']);
      expect(await ids({ scopes: [''], deviceId: 'CZ0000000011' })).toEqual(['R3']);
    });
  });
}
