import {
  forgedMessage, ingestEvents, markOffline, recordHeartbeats, resolveAlarm, sweepDevices, type Alarm, type Device, type HeartbeatItem,
} from '@cunzhang/core';
import type { DeviceEvent, Heartbeat } from '@cunzhang/protocol';
import { verifyAuditTrail } from '@cunzhang/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { people, type People } from './seal-fixture.js';
import { auditSince, lastSeq } from './support.js';

const FENCE = { latE6: 35_770_000, lngE6: 116_790_000, radiusM: 200 };
let serial = 500;

/** A device row as the registry would hold it (provisioning is tested elsewhere). */
async function insertDevice(env: TestEnv, patch: Partial<Device> = {}): Promise<Device> {
  const now = env.deps.clock.now().toISOString();
  const d: Device = {
    id: `CZ${String(++serial).padStart(10, '0')}`, orgCode: DEMO_VILLAGE, sealId: null, status: 'active', label: `印章柜${serial}`, publicKey: `04${'1'.repeat(128)}`,
    credentialHash: 'x', hbKeyEnc: 'x', geofence: FENCE, hours: null, replaces: null, replacedBy: null, virtual: false, lockWanted: false, lockReason: null,
    lockCommandId: null, model: null, firmware: null, hardware: null, hbSeconds: 60, state: 'locked', online: true, connectedAt: now, lastSeenAt: now,
    seqHigh: 0, seqGaps: [], battery: 90, ink: 90, latE6: null, lngE6: null, clockSkewMs: null, createdAt: now, updatedAt: now, version: 1, ...patch,
  };
  await env.deps.uow.write((tx) => tx.devices.insert(d));
  return d;
}

for (const dialect of TEST_DIALECTS) {
  describe(`device telemetry, sensors and timers [${dialect}]`, () => {
    let env: TestEnv;
    let p: People;
    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      p = await people(env.deps);
    });
    afterAll(async () => {
      await env?.close();
    });
    const now = () => env.deps.clock.now().toISOString();
    const get = async (id: string) => (await env.deps.uow.read((tx) => tx.devices.get(id)))!;
    const hb = (d: Device, seq: number, body: Partial<Heartbeat['body']> = {}, ts = now()): HeartbeatItem => ({
      deviceId: d.id, receivedAt: now(), hb: { v: 1, dev: d.id, seq, ts, mac: 'c'.repeat(64), body: { state: 'locked', battery: 80, ink: 70, lat_e6: FENCE.latE6, lng_e6: FENCE.lngE6, acc_m: 8, buffered: 0, ...body } },
    });
    const ev = (d: Device, seq: number, rest: Pick<DeviceEvent, 'type' | 'body'>) => ({
      deviceId: d.id, receivedAt: now(), event: { v: 1, dev: d.id, seq, ts: now(), sig: 'ab'.repeat(36), ...rest } as DeviceEvent,
    });
    const sensor = (d: Device, seq: number, kind: 'case_open' | 'seal_removed' | 'shock' | 'battery_low') =>
      ev(d, seq, { type: 'sensor', body: { kind, lat_e6: FENCE.latE6, lng_e6: FENCE.lngE6, acc_m: 5 } } as Pick<DeviceEvent, 'type' | 'body'>);
    const alarmsOf = async (d: Device): Promise<Alarm[]> => (await env.deps.uow.read((tx) => tx.alarms.list({ scopes: [''], deviceId: d.id, limit: 50 }))).items;

    it('a heartbeat batch touches each device once: levels, position, skew, sequence; duplicates and old ones change nothing', async () => {
      const a = await insertDevice(env);
      const b = await insertDevice(env);
      const seq = await lastSeq(env.database);
      const res = await recordHeartbeats(env.deps, [hb(a, 1), hb(b, 1, { battery: 55 }), hb(a, 3, { battery: 77, state: 'authorized' }), hb(a, 3)]);
      expect(res.map((r) => r.status)).toEqual(['fresh', 'fresh', 'fresh', 'duplicate']);
      expect(await get(a.id)).toMatchObject({ battery: 77, ink: 70, state: 'authorized', latE6: FENCE.latE6, seqHigh: 3, seqGaps: [{ from: 2, to: 2 }], online: true });
      expect(Math.abs((await get(a.id)).clockSkewMs!)).toBeLessThan(1000);
      expect(await get(b.id)).toMatchObject({ battery: 55, seqHigh: 1 });
      // Seq 2 arrives late from the buffer: it fills the hole but its old levels are not taken.
      const [late] = await recordHeartbeats(env.deps, [hb(a, 2, { battery: 10 })]);
      expect(late).toMatchObject({ status: 'stale', alarms: [] });
      expect(await get(a.id)).toMatchObject({ battery: 77, seqGaps: [] });
      expect(await auditSince(env.deps, seq)).toEqual([]);
      expect(await env.database.db.selectFrom('device_events').selectAll().where('device_id', '=', a.id).execute()).toEqual([]);
    });

    it('low battery and a position outside the fence from heartbeats: one open alarm each, however many heartbeats', async () => {
      const d = await insertDevice(env);
      const far = { battery: 12, lat_e6: FENCE.latE6 + 9000 };
      const first = await recordHeartbeats(env.deps, [hb(d, 1, far), hb(d, 2, far)]);
      expect(first[0]!.alarms.map((a) => a.rule).sort()).toEqual(['geofence', 'low_battery']);
      expect(first[1]!.alarms).toEqual([]);
      const [again] = await recordHeartbeats(env.deps, [hb(d, 3, far)]);
      expect(again!.alarms).toEqual([]);
      const open = await alarmsOf(d);
      expect(open.map((a) => [a.rule, a.dedupeKey, a.severity, a.autoLocked]).sort()).toEqual([
        ['geofence', `geofence:${d.id}`, 'warning', false], ['low_battery', `low_battery:${d.id}`, 'warning', false],
      ]);
      expect(open.find((a) => a.rule === 'low_battery')!.evidence).toMatchObject({ battery: 12, threshold: 20, source: 'heartbeat' });
    });

    it('tamper locks the device unless it is in approved maintenance; hello, state and the lock ack update the registry', async () => {
      const d = await insertDevice(env);
      const seq = await lastSeq(env.database);
      const [r] = await ingestEvents(env.deps, { items: [sensor(d, 1, 'case_open')] });
      expect(r!.alarms).toEqual([expect.objectContaining({ rule: 'tamper', severity: 'critical', autoLocked: true, eventSeq: 1 })]);
      expect(r!.alarms[0]!.evidence).toMatchObject({ kind: 'case_open', deviceState: 'locked' });
      const locked = await get(d.id);
      expect(locked).toMatchObject({ lockWanted: true });
      expect((await auditSince(env.deps, seq)).map((e) => e.action)).toEqual(['ALARM_RAISED', 'DEVICE_LOCK_REQUESTED']);

      const after = await lastSeq(env.database);
      const res = await ingestEvents(env.deps, {
        items: [
          ev(d, 2, { type: 'hello', body: { fw: '1.2.0', hw: 'B\u00002', model: 'CZ-S1', boot: now(), hb_s: 30 } }),
          ev(d, 3, { type: 'ack', body: { cmd: locked.lockCommandId!, ok: true } }),
          ev(d, 4, { type: 'state', body: { from: 'locked', to: 'maintenance', reason: 'maintenance', auth: null } }),
          sensor(d, 5, 'seal_removed'),
          ev(d, 6, { type: 'identity', body: { auth: 'A1', method: 'otp', ok: false, attempt: 4 } }),
        ],
      });
      expect(res.map((x) => [x.status, x.alarms.length])).toEqual([['stored', 0], ['stored', 0], ['stored', 0], ['stored', 0], ['stored', 0]]);
      expect(await get(d.id)).toMatchObject({ firmware: '1.2.0', hardware: 'B2', model: 'CZ-S1', hbSeconds: 30, state: 'maintenance', lockWanted: true, lockCommandId: null, seqHigh: 6 });
      expect((await auditSince(env.deps, after)).map((e) => e.action)).toEqual(['DEVICE_LOCKED']);
    });

    it('the timers: missed heartbeats, offline after the will, and a sequence hole older than a minute, each once', async () => {
      const silent = await insertDevice(env, { lastSeenAt: new Date(Date.now() - 400_000).toISOString() });
      const gone = await insertDevice(env);
      const holey = await insertDevice(env);
      await ingestEvents(env.deps, { items: [sensor(holey, 1, 'shock'), sensor(holey, 5, 'shock')] });
      await markOffline(env.deps, { deviceId: gone.id, at: now() });
      expect(await get(gone.id)).toMatchObject({ online: false });

      const first = await sweepDevices(env.deps);
      const mine = (r: Awaited<ReturnType<typeof sweepDevices>>, d: Device) => r.alarms.filter((a) => a.deviceId === d.id).map((a) => a.rule);
      expect(mine(first, silent)).toEqual(['missed_heartbeats']);
      expect(first.alarms.find((a) => a.deviceId === silent.id)!.evidence).toMatchObject({ hbSeconds: 60, factor: 3 });
      expect(mine(first, gone)).toEqual([]);
      expect(mine(first, holey)).toEqual([]);

      env.tick(11 * 60_000);
      try {
        const second = await sweepDevices(env.deps);
        expect(mine(second, gone)).toEqual(['offline']);
        // Eleven minutes without a heartbeat: the holey device is silent too.
        expect(mine(second, holey).sort()).toEqual(['missed_heartbeats', 'sequence_gap']);
        const gap = second.alarms.find((a) => a.rule === 'sequence_gap' && a.deviceId === holey.id)!;
        expect(gap.evidence).toMatchObject({ ranges: [{ from: 2, to: 4 }], missing: 3, graceSeconds: 60 });
        expect((await get(holey.id)).seqGaps).toEqual([]);
        // Resolved by someone who knows why: a silence already alarmed is not raised again.
        const offlineAlarm = second.alarms.find((a) => a.deviceId === gone.id)!;
        await resolveAlarm(env.deps, { actor: p.approver, id: offlineAlarm.id, input: { note: '村里停电，已电话确认' } });
        const third = await sweepDevices(env.deps);
        expect([...mine(third, gone), ...mine(third, holey), ...mine(third, silent)]).toEqual([]);
        // The late messages of the hole are still stored.
        const [late] = await ingestEvents(env.deps, { items: [sensor(holey, 3, 'battery_low')] });
        expect(late!.status).toBe('stored');
      } finally {
        env.tick(-11 * 60_000);
      }
    });

    it('forged and clock-far-off messages: one alarm per device and reason, no lock; unknown devices raise nothing', async () => {
      const d = await insertDevice(env);
      const topic = `cz/v1/d/${d.id}/up/ev`;
      const a = await forgedMessage(env.deps, { deviceId: d.id, reason: 'bad_signature', topic, detail: 'impression #9' });
      expect(a).toMatchObject({ rule: 'forged_message', severity: 'critical', autoLocked: false, evidence: { reason: 'bad_signature', topic, detail: 'impression #9' } });
      expect(await forgedMessage(env.deps, { deviceId: d.id, reason: 'bad_signature', topic })).toBeNull();
      expect(await forgedMessage(env.deps, { deviceId: d.id, reason: 'clock_far_off', topic })).toMatchObject({ rule: 'clock_skew', severity: 'warning' });
      expect(await forgedMessage(env.deps, { deviceId: 'CZ9999999999', reason: 'bad_mac', topic })).toBeNull();
      expect((await get(d.id)).lockWanted).toBe(false);
      expect((await alarmsOf(d)).length).toBe(2);
      expect((await verifyAuditTrail(env.database)).ok).toBe(true);
    });
  });
}
