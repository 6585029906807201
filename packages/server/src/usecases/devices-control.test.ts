import type { Actor, Deps, DeviceCommand } from '@cunzhang/core';
import { command, verify } from '@cunzhang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import {
  decideDeviceRequest, getDevice, listDeviceRequests, lockDevice, MAINTENANCE_WINDOW_MS, provisionDevice, requestMaintenance, requestUnlock,
} from '@cunzhang/core';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { people, sealSteps, type People } from './seal-fixture.js';
import { actorByPhone, auditCount, auditSince, demoLogin, expectAppError, lastSeq } from './support.js';

const endpoints = { mqttUrl: 'mqtt://cz.example.cn:1883', httpBase: 'https://cz.example.cn' };

for (const dialect of TEST_DIALECTS) {
  describe(`device lock, unlock and maintenance [${dialect}]`, () => {
    let env: TestEnv;
    let p: People;
    let secAdmin: Actor;

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      p = await people(env.deps);
      secAdmin = await actorByPhone(env.deps, demoLogin('sec_admin').phone);
    });
    afterAll(async () => {
      await env?.close();
    });
    const { activeSeal, person } = sealSteps(() => env, () => p);

    /** A device in the demo village bound to a fresh seal kept by 王保管. */
    const villageDevice = async () => {
      const seal = await activeSeal();
      return (await provisionDevice(env.deps, { actor: p.officer, input: { orgCode: DEMO_VILLAGE, label: '柜', sealId: seal.id }, endpoints })).device;
    };
    const lastCommand = async (deviceId: string): Promise<DeviceCommand> => (await env.deps.uow.read((tx) => tx.devices.commands(deviceId, 1)))[0]!;
    const signedBody = (c: DeviceCommand) => {
      const msg = JSON.parse(c.message) as Parameters<typeof verify>[0];
      expect(verify(msg, env.deps.deviceKeys.platformPublicKey)).toBe(true);
      expect(command.safeParse(msg).success).toBe(true);
      return msg as unknown as { type: string; body: Record<string, unknown> };
    };
    const deviceRow = (id: string) => env.deps.uow.read(async (tx) => (await tx.devices.get(id))!);

    it('locks with one tap: "locking…" and a signed lock command; refused without device.lock or outside one\'s units', async () => {
      const device = await villageDevice();
      const seq = await lastSeq(env.database);
      const locked = await lockDevice(env.deps, { actor: p.approver, id: device.id, input: { reason: '疑似异常用印' } });
      expect(locked).toMatchObject({ lockWanted: true, lockReason: '疑似异常用印', lockDisplay: 'locking' });
      const cmd = await lastCommand(device.id);
      expect(locked.lockCommandId).toBe(cmd.id);
      expect(signedBody(cmd)).toMatchObject({ type: 'lock', body: { reason: '疑似异常用印' } });
      expect((await auditSince(env.deps, seq)).map((e) => e.action)).toEqual(['DEVICE_LOCK_REQUESTED']);
      await expectAppError(lockDevice(env.deps, { actor: p.keeper, id: device.id, input: { reason: '锁定' } }), 'FORBIDDEN');
      await expectAppError(lockDevice(env.deps, { actor: p.otherApprover, id: device.id, input: { reason: '锁定' } }), 'NOT_FOUND');
      await expectAppError(lockDevice(env.deps, { actor: p.approver, id: device.id, input: { reason: ' ' } }), 'VALIDATION', 'reason');
    });

    it('unlocks only on a second person\'s approval: the requester can never approve', async () => {
      const device = await villageDevice();
      await expectAppError(requestUnlock(env.deps, { actor: p.approver, id: device.id, input: { reason: '核实无误' } }), 'ILLEGAL_TRANSITION');
      await lockDevice(env.deps, { actor: p.leader, id: device.id, input: { reason: '告警' } });
      await expectAppError(requestUnlock(env.deps, { actor: p.leader, id: device.id, input: { reason: '' } }), 'VALIDATION', 'reason');
      await expectAppError(requestUnlock(env.deps, { actor: p.keeper, id: device.id, input: { reason: '核实无误' } }), 'FORBIDDEN');
      const seq = await lastSeq(env.database);
      const { request, command: none } = await requestUnlock(env.deps, { actor: p.leader, id: device.id, input: { reason: '核实无误' } });
      expect(request).toMatchObject({ kind: 'unlock', status: 'pending', requestedBy: p.leader.userId, reason: '核实无误' });
      expect(none).toBeNull();
      await expectAppError(requestUnlock(env.deps, { actor: p.approver, id: device.id, input: { reason: '再申请' } }), 'CONFLICT');
      const before = await auditCount(env.database);
      const self = await expectAppError(decideDeviceRequest(env.deps, { actor: p.leader, id: request.id, input: { approve: true, opinion: '同意' } }), 'RULE_VIOLATION');
      expect(self.message).toContain('解锁需第二人');
      await expectAppError(decideDeviceRequest(env.deps, { actor: p.approver, id: request.id, input: { approve: true, opinion: '同意' } }), 'FORBIDDEN');
      await expectAppError(decideDeviceRequest(env.deps, { actor: p.otherApprover, id: request.id, input: { approve: true, opinion: '同意' } }), 'NOT_FOUND');
      expect(await auditCount(env.database)).toBe(before);
      expect((await deviceRow(device.id)).lockWanted).toBe(true);

      const waiting = await listDeviceRequests(env.deps, { actor: secAdmin, query: {} });
      expect(waiting.find((r) => r.id === request.id)).toMatchObject({ mayDecide: true, deviceLabel: '柜' });
      expect((await listDeviceRequests(env.deps, { actor: p.leader, query: {} })).find((r) => r.id === request.id)).toMatchObject({ mayDecide: false });

      const decided = await decideDeviceRequest(env.deps, { actor: secAdmin, id: request.id, input: { approve: true, opinion: '已核实，同意解锁' } });
      expect(decided.request).toMatchObject({ status: 'approved', decidedBy: secAdmin.userId, opinion: '已核实，同意解锁' });
      expect(signedBody(await lastCommand(device.id))).toMatchObject({ type: 'unlock', body: { reason: '核实无误' } });
      const row = await deviceRow(device.id);
      expect(row).toMatchObject({ lockWanted: false, lockCommandId: decided.command!.id });
      expect((await getDevice(env.deps, { actor: p.leader, id: device.id })).device.lockDisplay).toBe('unlocking');
      expect((await auditSince(env.deps, seq)).map((e) => [e.action, e.targetId])).toEqual([['DEVICE_UNLOCK_REQUESTED', request.id], ['DEVICE_UNLOCK_DECIDED', request.id]]);
      await expectAppError(decideDeviceRequest(env.deps, { actor: secAdmin, id: request.id, input: { approve: false, opinion: '不同意' } }), 'ILLEGAL_TRANSITION');
    });

    it('a rejected unlock sends nothing and the device stays locked', async () => {
      const device = await villageDevice();
      await lockDevice(env.deps, { actor: p.approver, id: device.id, input: { reason: '告警' } });
      const { request } = await requestUnlock(env.deps, { actor: p.approver, id: device.id, input: { reason: '误报' } });
      const lock = await lastCommand(device.id);
      const r = await decideDeviceRequest(env.deps, { actor: p.leader, id: request.id, input: { approve: false, opinion: '待调查' } });
      expect(r).toMatchObject({ request: { status: 'rejected' }, command: null });
      expect((await lastCommand(device.id)).id).toBe(lock.id);
      expect((await deviceRow(device.id)).lockWanted).toBe(true);
      await expectAppError(decideDeviceRequest(env.deps, { actor: p.leader, id: request.id, input: { approve: true, opinion: '' } }), 'VALIDATION', 'opinion');
    });

    it('without the second-person policy the requester\'s unlock goes out at once, with one audit entry', async () => {
      const device = await villageDevice();
      await lockDevice(env.deps, { actor: p.approver, id: device.id, input: { reason: '告警' } });
      const relaxed: Deps = { ...env.deps, policy: { ...env.deps.policy, unlockSecondPerson: false } };
      const seq = await lastSeq(env.database);
      const r = await requestUnlock(relaxed, { actor: p.approver, id: device.id, input: { reason: '误报' } });
      expect(r.request).toMatchObject({ status: 'approved', decidedBy: p.approver.userId });
      expect(r.command).toMatchObject({ type: 'unlock', status: 'pending', body: { reason: '误报' } });
      expect(signedBody(await lastCommand(device.id)).type).toBe('unlock');
      expect(await deviceRow(device.id)).toMatchObject({ lockWanted: false, lockCommandId: r.command!.id });
      expect((await auditSince(env.deps, seq)).map((e) => e.action)).toEqual(['DEVICE_UNLOCK_REQUESTED']);
    });

    it('opens a village device for maintenance only on the keeper\'s request and a remote approver\'s approval', async () => {
      const device = await villageDevice();
      const otherKeeper = await person('二号保管员', DEMO_VILLAGE, [['seal_keeper', DEMO_VILLAGE]]);
      const before = await auditCount(env.database);
      await expectAppError(requestMaintenance(env.deps, { actor: otherKeeper, id: device.id, input: { kind: 'ink', reason: '加印油' } }), 'FORBIDDEN');
      // The station officer may maintain devices of the town, but a village seal is the keeper's.
      await expectAppError(requestMaintenance(env.deps, { actor: p.officer, id: device.id, input: { kind: 'ink', reason: '加印油' } }), 'FORBIDDEN');
      await expectAppError(requestMaintenance(env.deps, { actor: p.approver, id: device.id, input: { kind: 'ink', reason: '加印油' } }), 'FORBIDDEN');
      await expectAppError(requestMaintenance(env.deps, { actor: p.keeper, id: device.id, input: { kind: 'paint' as 'ink', reason: '加印油' } }), 'VALIDATION', 'kind');
      expect(await auditCount(env.database)).toBe(before);
      const seq = await lastSeq(env.database);
      const { request } = await requestMaintenance(env.deps, { actor: p.keeper, id: device.id, input: { kind: 'ink', reason: '印油不足' } });
      expect(request).toMatchObject({ kind: 'maintenance', maintenanceKind: 'ink', status: 'pending' });
      await expectAppError(requestMaintenance(env.deps, { actor: p.keeper, id: device.id, input: { kind: 'repair', reason: '再开' } }), 'CONFLICT');
      await expectAppError(decideDeviceRequest(env.deps, { actor: p.keeper, id: request.id, input: { approve: true, opinion: '同意' } }), 'FORBIDDEN');
      expect((await listDeviceRequests(env.deps, { actor: p.keeper, query: {} })).map((r) => r.id)).toContain(request.id);
      const t0 = Date.now();
      const r = await decideDeviceRequest(env.deps, { actor: p.approver, id: request.id, input: { approve: true, opinion: '同意维护' } });
      const body = signedBody(await lastCommand(device.id));
      expect(body).toMatchObject({ type: 'maintenance', body: { kind: 'ink', reason: '印油不足' } });
      const until = new Date(body.body.until as string).getTime();
      expect(until).toBeGreaterThanOrEqual(t0 + MAINTENANCE_WINDOW_MS - 1000);
      expect(until).toBeLessThanOrEqual(Date.now() + MAINTENANCE_WINDOW_MS);
      expect(r.command!.type).toBe('maintenance');
      expect((await auditSince(env.deps, seq)).map((e) => e.action)).toEqual(['DEVICE_MAINTENANCE_REQUESTED', 'DEVICE_MAINTENANCE_DECIDED']);
    });

    it('a station-kept seal\'s device: an officer asks, never approves it himself; a rejection sends nothing', async () => {
      const contract = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], orgCode: DEMO_VILLAGE, typeCode: 'contract', limit: 1 }))).items[0]!;
      const { device } = await provisionDevice(env.deps, { actor: p.officer, input: { orgCode: DEMO_TOWN, label: '经管站柜', sealId: contract.id }, endpoints });
      await expectAppError(requestMaintenance(env.deps, { actor: p.keeper, id: device.id, input: { kind: 'ink', reason: '加印油' } }), 'NOT_FOUND');
      const { request } = await requestMaintenance(env.deps, { actor: p.officer, id: device.id, input: { kind: 'seal_replace', reason: '换章' } });
      const self = await expectAppError(decideDeviceRequest(env.deps, { actor: p.officer, id: request.id, input: { approve: true, opinion: '同意' } }), 'RULE_VIOLATION');
      expect(self.message).toContain('维护需两人');
      const r = await decideDeviceRequest(env.deps, { actor: p.leader, id: request.id, input: { approve: false, opinion: '暂缓' } });
      expect(r).toMatchObject({ request: { status: 'rejected', decidedBy: p.leader.userId }, command: null });
      expect(await env.deps.uow.read((tx) => tx.devices.commands(device.id, 10))).toEqual([]);
    });
  });
}
