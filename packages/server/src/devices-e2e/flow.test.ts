import { lockDevice, lockDisplay, type DeviceCommand } from '@cunzhang/core';
import { synthPage, type EmulatedDevice } from '@cunzhang/device';
import type { DeviceEvent } from '@cunzhang/protocol';
import { verifyAuditTrail } from '@cunzhang/store';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE } from '../demo/seed.js';
import { as } from '../http/http-test-support.js';
import { auditSince, lastSeq } from '../usecases/support.js';
import {
  alarmsOf, approvedApplication, blobPages, operatorCode, people, provision, sessions, startDevice, startE2E, TEST_DIALECTS, villageSeal, waitFor,
  type E2E, type Sessions,
} from './support.js';

/**
 * The W2 loop end to end (issue 4 item 5): the real server with its embedded broker, and an
 * emulated device of our own (not the in-server demo devices) that the station officer
 * provisioned and bound to the village seal. Apply with photographed pages → approve → the
 * device is authorized by command → operator code → two impressions → ledger rows with the
 * device's facts and uploaded photos → relocked; then a one-tap lock and a tamper alarm.
 */
for (const dialect of TEST_DIALECTS) {
  describe(`device flow over the embedded broker [${dialect}]`, () => {
    let e: E2E;
    let s: Sessions;
    let sealId: string;
    let device: EmulatedDevice;
    const devices: EmulatedDevice[] = [];
    const events: DeviceEvent[] = [];

    const commands = (deviceId: string): Promise<DeviceCommand[]> => e.deps.uow.read((tx) => tx.devices.commands(deviceId, 50));
    const commandAcked = (deviceId: string, type: string) => waitFor(`${type} command of ${deviceId} acked`, async () => (await commands(deviceId)).find((c) => c.type === type && c.status === 'acked'));
    const page = async (seed: number) => sharp(await synthPage(seed, 'letter')).jpeg({ quality: 85 }).toBuffer();

    beforeAll(async () => {
      e = await startE2E(dialect);
      s = await sessions(e.server.app);
      sealId = await villageSeal(e.deps);
      const bundle = await provision(e, { sealId });
      device = await startDevice(bundle, { pages: blobPages(e) });
      devices.push(device);
      device.on('up', (u) => { if (u.kind === 'ev') events.push(u.message); });
      // The fence/hours config from provisioning arrives and is acknowledged first.
      await commandAcked(device.dev, 'config');
    });
    afterAll(async () => {
      for (const d of devices) await d.stop();
      await e?.close();
    });

    it('apply → approve → authorized by command → code → two impressions: ledger rows with the device facts, photos uploaded, relocked', async () => {
      const pages = [await page(11), await page(12)];
      const { appId, authId } = await approvedApplication(e.server.app, s, sealId, pages, 2);
      // The approval queued a signed authorize command; the outbox sends it, the device loads the token and acks.
      await waitFor('device authorized', () => device.status().state === 'authorized' && device.status().auth === authId);
      await commandAcked(device.dev, 'authorize');
      expect(device.status()).toMatchObject({ allowed: 2, used: 0, identity: false });
      // Without the operator's code the seal stays shut; a wrong code is refused.
      expect(await device.stamp()).toEqual({ ok: false, reason: 'no_identity' });
      const code = await operatorCode(e.server.app, s, appId);
      const wrong = code.slice(0, 5) + String((Number(code[5]) + 1) % 10);
      expect(device.enterCode(wrong)).toMatchObject({ ok: false, reason: 'wrong_code' });
      expect(device.enterCode(code)).toMatchObject({ ok: true });

      const first = await device.stamp();
      const second = await device.stamp();
      if (!first.ok || !second.ok) throw new Error(`stamp refused: ${JSON.stringify([first, second])}`);
      expect([first.n, second.n, first.pageNo, second.pageNo]).toEqual([1, 2, 1, 2]);
      // Count used: the device relocks itself.
      expect(device.status()).toMatchObject({ state: 'locked', auth: null });

      const stampings = await waitFor('two stampings with thumbnails', async () => {
        const rows = await e.deps.uow.read((tx) => tx.stampings.forApplication(appId));
        return rows.length === 2 && rows.every((r) => r.thumbKey) ? rows : null;
      });
      const sent = (seq: number) => events.find((ev) => ev.seq === seq && ev.type === 'impression') as Extract<DeviceEvent, { type: 'impression' }>;
      for (const [r, row] of [[first, stampings.find((x) => x.deviceSeq === first.seq)], [second, stampings.find((x) => x.deviceSeq === second.seq)]] as const) {
        const ev = sent(r.seq);
        expect(row).toMatchObject({
          source: 'device', deviceId: device.dev, authorizationId: authId, sealId, impressions: 1, deviceSeq: r.seq, stampedAt: ev.ts,
          latitude: ev.body.lat_e6 / 1e6, longitude: ev.body.lng_e6 / 1e6, photoKey: r.after.sm3, sm3: r.after.sm3, phash: r.after.phash,
          beforeKey: r.before.sm3, matchedPageNo: r.pageNo, flags: [],
        });
        expect(row!.phashDistance).toBeLessThanOrEqual(20);
        expect(Date.parse(row!.receivedAt!)).toBeGreaterThanOrEqual(Date.parse(ev.ts) - 1000);
        // The photos came over HTTP: both stored, bytes hashing to the announced SM3.
        expect(await e.server.runtime.blobs.has(r.after.sm3)).toBe(true);
        expect(await e.server.runtime.blobs.has(r.before.sm3)).toBe(true);
      }
      const detail = await e.server.app.inject(as(s.applicant, { method: 'GET', url: `/api/applications/${appId}` }));
      expect(detail.json()).toMatchObject({ application: { status: 'stamped' }, authorization: { impressionsUsed: 2, status: 'used' } });
      // The device's own reports reach the registry: relocked, and nothing alarming about this use.
      await waitFor('registry shows the device locked', async () => (await e.deps.uow.read((tx) => tx.devices.get(device.dev)))?.state === 'locked');
      expect((await alarmsOf(e.database, device.dev)).map((a) => a.rule)).toEqual([]);
    });

    it('one-tap lock while another authorization is open: the device acks, the lock is audited, the seal refuses to stamp', async () => {
      const { appId, authId } = await approvedApplication(e.server.app, s, sealId, [await page(13)], 1);
      await waitFor('device authorized again', () => device.status().auth === authId);
      const code = await operatorCode(e.server.app, s, appId);
      const seq = await lastSeq(e.database);
      const { officer } = await people(e.deps);
      const view = await lockDevice(e.deps, { actor: officer, id: device.dev, input: { reason: '印章柜异常，先行锁定' } });
      // "Locking…" until the device acknowledges.
      expect(view.lockDisplay).toBe('locking');
      const lock = await commandAcked(device.dev, 'lock');
      expect(device.status()).toMatchObject({ state: 'alarm_locked', auth: null });
      const row = await waitFor('lock confirmed', async () => {
        const d = await e.deps.uow.read((tx) => tx.devices.get(device.dev));
        return d && d.lockCommandId === null ? d : null;
      });
      expect(row).toMatchObject({ lockWanted: true, state: 'alarm_locked' });
      expect(lockDisplay(row)).toBe('locked');
      const trail = await waitFor('DEVICE_LOCKED audited', async () => {
        const t = await auditSince(e.deps, seq);
        return t.some((x) => x.action === 'DEVICE_LOCKED') ? t : null;
      });
      expect(trail.filter((x) => x.targetId === device.dev).map((x) => x.action)).toEqual(['DEVICE_LOCK_REQUESTED', 'DEVICE_LOCKED']);
      expect(trail.find((x) => x.action === 'DEVICE_LOCKED')!.before).toMatchObject({ command: lock.id });
      // Locked: the operator's code and the seal are both refused; nothing reaches the ledger.
      expect(device.enterCode(code)).toMatchObject({ ok: false, reason: 'no_token' });
      expect(await device.stamp()).toEqual({ ok: false, reason: 'alarm_locked' });
      expect(await e.deps.uow.read((tx) => tx.stampings.forApplication(appId))).toEqual([]);
    });

    it('the case of another device is opened: tamper alarm, the automatic lock is sent and acknowledged; the audit chain verifies', async () => {
      const other = await startDevice(await provision(e, { orgCode: DEMO_OTHER_VILLAGE, label: '后鹤山村测试印章柜' }));
      devices.push(other);
      await commandAcked(other.dev, 'config');
      const seq = await lastSeq(e.database);
      other.openCase();
      const lock = await commandAcked(other.dev, 'lock');
      expect(JSON.parse(lock.message)).toMatchObject({ type: 'lock', dev: other.dev });
      const [alarm] = await alarmsOf(e.database, other.dev);
      expect(alarm).toMatchObject({ rule: 'tamper', severity: 'critical', autoLocked: true });
      expect(other.status().state).toBe('alarm_locked');
      await waitFor('DEVICE_LOCKED audited for the tampered device', async () => (await auditSince(e.deps, seq)).some((x) => x.action === 'DEVICE_LOCKED' && x.targetId === other.dev));
      const actions = (await auditSince(e.deps, seq)).filter((x) => x.targetId === other.dev || x.targetType === 'alarm').map((x) => x.action);
      expect(actions).toEqual(['ALARM_RAISED', 'DEVICE_LOCK_REQUESTED', 'DEVICE_LOCKED']);
      await e.server.devices.gateway.drain();
      const audit = await verifyAuditTrail(e.database);
      expect(audit).toMatchObject({ ok: true, firstBad: null });
      expect(audit.checked).toBe(await lastSeq(e.database));
    });
  });
}
