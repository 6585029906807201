import type { Actor, DeviceCommand, Seal } from '@cunzhang/core';
import { command, provisioningBundle, publicKeyOf, verify } from '@cunzhang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import {
  lockDevice,
  bindDevice, getDevice, listDevices, provisionDevice, replaceDevice, retireDevice, unbindDevice, updateDevice, type Endpoints,
} from '@cunzhang/core';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { people, sealSteps, type People } from './seal-fixture.js';
import { auditCount, auditSince, expectAppError, lastSeq } from './support.js';

const endpoints: Endpoints = { mqttUrl: 'mqtt://cz.example.cn:1883', httpBase: 'https://cz.example.cn' };
const fence = { latE6: 35_770_000, lngE6: 116_790_000, radiusM: 200 };
const hours = { from: '08:00', to: '18:00' };

for (const dialect of TEST_DIALECTS) {
  describe(`device registry [${dialect}]`, () => {
    let env: TestEnv;
    let p: People;
    let villageSeal: Seal;
    let contractSeal: Seal;
    let otherSeal: Seal;

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      p = await people(env.deps);
      const seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], limit: 500 }))).items;
      villageSeal = seals.find((s) => s.orgCode === DEMO_VILLAGE && s.typeCode === 'village_committee')!;
      contractSeal = seals.find((s) => s.orgCode === DEMO_VILLAGE && s.typeCode === 'contract')!;
      otherSeal = seals.find((s) => s.orgCode === DEMO_OTHER_VILLAGE && s.typeCode === 'village_committee')!;
    });
    afterAll(async () => {
      await env?.close();
    });
    const { activeSeal, step } = sealSteps(() => env, () => p);
    const provision = (input: Partial<Parameters<typeof provisionDevice>[1]['input']> = {}, actor: Actor = p.officer) =>
      provisionDevice(env.deps, { actor, input: { orgCode: DEMO_VILLAGE, label: '前鹤山村委会印章柜', ...input }, endpoints });
    const outbox = (deviceId: string) => env.deps.uow.read((tx) => tx.devices.commands(deviceId, 50));
    /** The command's platform signature verifies and it parses as a protocol command. */
    const checked = (c: DeviceCommand) => {
      const msg = JSON.parse(c.message) as Parameters<typeof verify>[0];
      expect(verify(msg, env.deps.deviceKeys.platformPublicKey)).toBe(true);
      expect(command.safeParse(msg).success).toBe(true);
      return msg as unknown as { type: string; dev: string; body: Record<string, unknown> };
    };

    it('provisions a device bound to its village seal: bundle once, secrets stored only as hash and cipher text, config sent', async () => {
      const seq = await lastSeq(env.database);
      const { device, bundle } = await provision({ sealId: villageSeal.id, geofence: fence, hours });
      expect(device.id).toMatch(/^CZ[0-9A-HJKMNP-TV-Z]{10}$/);
      expect(device).toMatchObject({ status: 'active', orgCode: DEMO_VILLAGE, sealId: villageSeal.id, sealName: villageSeal.name, geofence: fence, hours, lockDisplay: 'unlocked' });
      expect(device).not.toHaveProperty('credentialHash');
      expect(provisioningBundle.parse(bundle)).toMatchObject({ dev: device.id, mqtt: { url: endpoints.mqttUrl, username: device.id }, http: endpoints.httpBase, platform_key: env.deps.deviceKeys.platformPublicKey });
      expect(publicKeyOf(bundle.private_key!)).toBe(device.publicKey);
      const stored = (await env.deps.uow.read((tx) => tx.devices.get(device.id)))!;
      expect(stored.credentialHash).toBe(env.deps.deviceKeys.credentialHash(bundle.mqtt.password));
      expect(env.deps.cipher.decrypt(stored.hbKeyEnc)).toBe(bundle.hb_key);
      const row = JSON.stringify(await env.database.db.selectFrom('devices').selectAll().where('id', '=', device.id).executeTakeFirstOrThrow());
      for (const secret of [bundle.mqtt.password, bundle.hb_key, bundle.private_key!]) expect(row).not.toContain(secret);
      expect((await env.deps.uow.read((tx) => tx.seals.get(villageSeal.id)))!.deviceId).toBe(device.id);
      const entries = await auditSince(env.deps, seq);
      expect(entries.map((e) => [e.action, e.targetId])).toEqual([['DEVICE_PROVISIONED', device.id], ['DEVICE_BOUND', device.id]]);
      expect(entries[0]!.after).toMatchObject({ generatedKey: true, publicKey: device.publicKey });
      for (const secret of [bundle.mqtt.password, bundle.hb_key, bundle.private_key!]) expect(JSON.stringify(entries)).not.toContain(secret);
      const [config] = await outbox(device.id);
      expect(checked(config!)).toMatchObject({ type: 'config', dev: device.id, body: { hb_s: 60, fence: { lat_e6: fence.latE6, lng_e6: fence.lngE6, radius_m: 200 }, hours } });
    });

    it('records a key brought by the device itself and hands out no private key; refuses a non-key', async () => {
      const own = env.deps.deviceKeys.newKeyPair();
      const { device, bundle } = await provision({ orgCode: DEMO_TOWN, label: '经管站合同章柜', publicKey: own.publicKey });
      expect(device.publicKey).toBe(own.publicKey);
      expect(bundle.private_key).toBeUndefined();
      expect(await outbox(device.id)).toEqual([]);
      await expectAppError(provision({ publicKey: `04${'1'.repeat(128)}` }), 'VALIDATION', 'publicKey');
      await expectAppError(provision({ publicKey: 'abc' }), 'VALIDATION', 'publicKey');
    });

    it('refuses provisioning without device.manage, outside one\'s units, or for a unit that does not exist, writing nothing', async () => {
      const before = await auditCount(env.database);
      await expectAppError(provision({}, p.approver), 'FORBIDDEN');
      await expectAppError(provision({ orgCode: '370921114201' }), 'FORBIDDEN');
      await expectAppError(provision({ orgCode: `${DEMO_TOWN}999` }), 'VALIDATION', 'orgCode');
      await expectAppError(provision({ orgCode: '3709' }), 'VALIDATION', 'orgCode');
      await expectAppError(provision({ hours: { from: '08:00', to: '08:00' } }), 'VALIDATION', 'hours.to');
      // Binding at once to a seal kept elsewhere undoes the whole provisioning.
      const devices = async () => (await env.database.db.selectFrom('devices').select('id').execute()).length;
      const n = await devices();
      await expectAppError(provision({ sealId: otherSeal.id }), 'RULE_VIOLATION', 'sealId');
      expect(await devices()).toBe(n);
      expect(await auditCount(env.database)).toBe(before);
    });

    it('binds only where the seal is kept, one device per seal, only seals in use, never a retired device', async () => {
      const { device } = await provision();
      const town = (await provision({ orgCode: DEMO_TOWN, label: '经管站柜' })).device;
      const suspended = await activeSeal();
      await step(suspended.id, 'suspend', { reason: '换届' });
      const before = await auditCount(env.database);
      const other = await expectAppError(bindDevice(env.deps, { actor: p.officer, id: device.id, input: { sealId: otherSeal.id } }), 'RULE_VIOLATION', 'sealId');
      expect(other.message).toContain(DEMO_OTHER_VILLAGE);
      // A contract seal is kept at the town's station, not in the village.
      await expectAppError(bindDevice(env.deps, { actor: p.officer, id: device.id, input: { sealId: contractSeal.id } }), 'RULE_VIOLATION', 'sealId');
      await expectAppError(bindDevice(env.deps, { actor: p.officer, id: device.id, input: { sealId: villageSeal.id } }), 'CONFLICT', 'sealId');
      await expectAppError(bindDevice(env.deps, { actor: p.officer, id: device.id, input: { sealId: 'NOSUCHSEAL' } }), 'NOT_FOUND', 'sealId');
      await expectAppError(bindDevice(env.deps, { actor: p.keeper, id: device.id, input: { sealId: villageSeal.id } }), 'FORBIDDEN');
      await expectAppError(bindDevice(env.deps, { actor: p.otherKeeper, id: device.id, input: { sealId: otherSeal.id } }), 'NOT_FOUND');
      await expectAppError(bindDevice(env.deps, { actor: p.officer, id: device.id, input: { sealId: suspended.id } }), 'ILLEGAL_TRANSITION', 'sealId');
      expect(await auditCount(env.database)).toBe(before);

      const bound = await bindDevice(env.deps, { actor: p.leader, id: town.id, input: { sealId: contractSeal.id } });
      expect(bound).toMatchObject({ sealId: contractSeal.id, sealName: contractSeal.name });
      expect((await env.deps.uow.read((tx) => tx.seals.get(contractSeal.id)))!.deviceId).toBe(town.id);
      await retireDevice(env.deps, { actor: p.officer, id: device.id, input: { reason: '设备损坏' } });
      const fresh = await activeSeal();
      await expectAppError(bindDevice(env.deps, { actor: p.officer, id: device.id, input: { sealId: fresh.id } }), 'ILLEGAL_TRANSITION', 'status');
    });

    it('unbinds: the seal goes back to hand-recorded stamping', async () => {
      const seal = await activeSeal();
      const { device } = await provision({ sealId: seal.id });
      const seq = await lastSeq(env.database);
      const view = await unbindDevice(env.deps, { actor: p.officer, id: device.id });
      expect(view.sealId).toBeNull();
      expect((await env.deps.uow.read((tx) => tx.seals.get(seal.id)))!.deviceId).toBeNull();
      const [entry] = await auditSince(env.deps, seq);
      expect(entry).toMatchObject({ action: 'DEVICE_BOUND', targetId: device.id, before: { sealId: seal.id }, after: { sealId: null } });
      await expectAppError(unbindDevice(env.deps, { actor: p.officer, id: device.id }), 'ILLEGAL_TRANSITION');
    });

    it('changes label, fence and hours; only fence and hours go to the device as config', async () => {
      const { device } = await provision();
      const seq = await lastSeq(env.database);
      const labelled = await updateDevice(env.deps, { actor: p.leader, id: device.id, input: { label: '新标签' } });
      expect(labelled).toMatchObject({ device: { label: '新标签', version: 2 }, command: null });
      const fenced = await updateDevice(env.deps, { actor: p.leader, id: device.id, input: { geofence: fence, hours: { from: '22:00', to: '06:00' } } });
      expect(fenced.command).toMatchObject({ type: 'config', status: 'pending', body: { hb_s: 60, fence: { radius_m: 200 }, hours: { from: '22:00', to: '06:00' } } });
      const cleared = await updateDevice(env.deps, { actor: p.leader, id: device.id, input: { geofence: null } });
      expect(cleared.device.geofence).toBeNull();
      const cmds = await outbox(device.id);
      expect(checked(cmds[0]!).body).toEqual({ hb_s: 60, fence: null, hours: { from: '22:00', to: '06:00' } });
      // The newer config replaces the one not yet delivered.
      expect(cmds.find((c) => c.id === fenced.command!.id)!.status).toBe('superseded');
      const entries = await auditSince(env.deps, seq);
      expect(entries.map((e) => e.action)).toEqual(['DEVICE_UPDATED', 'DEVICE_UPDATED', 'DEVICE_UPDATED']);
      expect(entries[0]).toMatchObject({ before: { label: '前鹤山村委会印章柜' }, after: { label: '新标签' } });
      await expectAppError(updateDevice(env.deps, { actor: p.leader, id: device.id, input: {} }), 'VALIDATION');
      await expectAppError(updateDevice(env.deps, { actor: p.leader, id: device.id, input: { geofence: { ...fence, radiusM: 5 } } }), 'VALIDATION', 'geofence.radiusM');
      await expectAppError(updateDevice(env.deps, { actor: p.approver, id: device.id, input: { label: 'x' } }), 'FORBIDDEN');
    });

    it('replaces a device: the new one takes seal, fence and hours; the old one is retired and points to it', async () => {
      const seal = await activeSeal();
      const old = (await provision({ sealId: seal.id, geofence: fence, hours })).device;
      const seq = await lastSeq(env.database);
      const r = await replaceDevice(env.deps, { actor: p.officer, id: old.id, input: { reason: '摄像头故障' }, endpoints });
      expect(r.device).toMatchObject({ replaces: old.id, sealId: seal.id, geofence: fence, hours, label: old.label, status: 'active' });
      expect(r.replaced).toMatchObject({ id: old.id, status: 'retired', replacedBy: r.device.id, sealId: null });
      expect(r.bundle.dev).toBe(r.device.id);
      expect((await env.deps.uow.read((tx) => tx.seals.get(seal.id)))!.deviceId).toBe(r.device.id);
      const entries = await auditSince(env.deps, seq);
      expect(entries.map((e) => [e.action, e.targetId])).toEqual([['DEVICE_PROVISIONED', r.device.id], ['DEVICE_BOUND', r.device.id], ['DEVICE_REPLACED', old.id]]);
      expect(entries[2]!.after).toMatchObject({ replacedBy: r.device.id, sealId: seal.id, reason: '摄像头故障' });
      expect(checked((await outbox(r.device.id))[0]!).type).toBe('config');
      // The old one's config, never delivered, is dropped with it.
      expect((await outbox(old.id)).map((c) => c.status)).toEqual(['superseded']);
      await expectAppError(replaceDevice(env.deps, { actor: p.officer, id: old.id, input: { reason: '再换' }, endpoints }), 'ILLEGAL_TRANSITION');
    });

    it('a locked device replaced by a new one: the new one starts locked (only the two-person unlock opens it)', async () => {
      const seal = await activeSeal();
      const old = (await provision({ sealId: seal.id })).device;
      await lockDevice(env.deps, { actor: p.leader, id: old.id, input: { reason: '告警调查中' } });
      const r = await replaceDevice(env.deps, { actor: p.officer, id: old.id, input: { reason: '换一台' }, endpoints });
      expect(r.device).toMatchObject({ lockWanted: true, lockDisplay: 'locking' });
      const lock = (await outbox(r.device.id)).find((c) => c.type === 'lock')!;
      expect(checked(lock).body).toMatchObject({ reason: expect.stringContaining('告警调查中') });
    });

    it('retires a device: unbound, refused again, and audited with the reason', async () => {
      const seal = await activeSeal();
      const { device } = await provision({ sealId: seal.id });
      const seq = await lastSeq(env.database);
      const retired = await retireDevice(env.deps, { actor: p.officer, id: device.id, input: { reason: '报废' } });
      expect(retired).toMatchObject({ status: 'retired', sealId: null });
      expect((await env.deps.uow.read((tx) => tx.seals.get(seal.id)))!.deviceId).toBeNull();
      expect((await auditSince(env.deps, seq)).map((e) => [e.action, e.after])).toEqual([['DEVICE_RETIRED', { status: 'retired', sealId: null, reason: '报废' }]]);
      await expectAppError(retireDevice(env.deps, { actor: p.officer, id: device.id, input: { reason: '报废' } }), 'ILLEGAL_TRANSITION', 'status');
      await expectAppError(retireDevice(env.deps, { actor: p.officer, id: device.id, input: { reason: '' } }), 'VALIDATION', 'reason');
      await expectAppError(updateDevice(env.deps, { actor: p.officer, id: device.id, input: { label: 'x' } }), 'ILLEGAL_TRANSITION');
    });

    it('lists the devices of one\'s units with filters, and shows one with its events, commands and history', async () => {
      const { device } = await provision({ orgCode: DEMO_OTHER_VILLAGE, label: '后鹤山柜' });
      await env.deps.uow.write(async (tx) => {
        await tx.devices.touch(device.id, { online: true, lastSeenAt: new Date().toISOString(), battery: 87, ink: 40, state: 'locked' });
        await tx.devices.insertEvent({ deviceId: device.id, seq: 1, type: 'hello', deviceTime: '2026-01-01T00:00:00.000Z', receivedAt: '2026-01-01T00:00:01.000Z', body: { fw: '1.0' }, sig: 'ab' });
      });
      const all = await listDevices(env.deps, { actor: p.supervisor, query: { limit: 200 } });
      expect(all.items.map((d) => d.orgCode)).toContain(DEMO_VILLAGE);
      const mine = await listDevices(env.deps, { actor: p.keeper, query: { limit: 200 } });
      expect(mine.items.length).toBeGreaterThan(0);
      expect(mine.items.every((d) => d.orgCode === DEMO_VILLAGE)).toBe(true);
      const online = await listDevices(env.deps, { actor: p.supervisor, query: { online: 'true', limit: 200 } });
      expect(online.items.map((d) => d.id)).toEqual([device.id]);
      expect(online.items[0]).toMatchObject({ online: true, battery: 87, ink: 40, state: 'locked', orgName: expect.stringContaining('后鹤山') });
      const retired = await listDevices(env.deps, { actor: p.supervisor, query: { status: 'retired', limit: 200 } });
      expect(retired.items.length).toBeGreaterThan(0);
      expect(retired.items.every((d) => d.status === 'retired')).toBe(true);
      const paged = await listDevices(env.deps, { actor: p.supervisor, query: { limit: 2 } });
      expect(paged.next).not.toBeNull();
      const page2 = await listDevices(env.deps, { actor: p.supervisor, query: { limit: 2, cursor: paged.next! } });
      expect(page2.items[0]!.id > paged.items[1]!.id).toBe(true);
      await expectAppError(listDevices(env.deps, { actor: p.keeper, query: { orgCode: DEMO_OTHER_VILLAGE } }), 'FORBIDDEN');
      await expectAppError(listDevices(env.deps, { actor: p.applicant, query: {} }), 'FORBIDDEN');

      const detail = await getDevice(env.deps, { actor: p.officer, id: device.id });
      expect(detail.events).toMatchObject([{ seq: 1, type: 'hello' }]);
      expect(detail.history.map((h) => h.action)).toEqual(['DEVICE_PROVISIONED']);
      expect(detail.actions).toEqual(['update', 'bind', 'replace', 'retire', 'lock', 'request_maintenance']);
      await expectAppError(getDevice(env.deps, { actor: p.keeper, id: device.id }), 'NOT_FOUND');
      await expectAppError(getDevice(env.deps, { actor: p.officer, id: 'CZ0000000000' }), 'NOT_FOUND');
    });
  });
}
