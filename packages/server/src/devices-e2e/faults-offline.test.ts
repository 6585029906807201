import { sweepDevices } from '@cunzhang/core';
import { stockShot, type EmulatedDevice } from '@cunzhang/device';
import { verifyAuditTrail } from '@cunzhang/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alarmsOf, approvedApplication, operatorCode, provision, range, sessions, startDevice, startE2E, storedSeqs, villageSeal, waitFor, type E2E,
} from './support.js';

/**
 * A device offline for an hour (issue 4 item 11c): it keeps stamping under the token it holds,
 * 500 impressions with device times spread over the hour, all buffered; then it comes back and
 * flushes. Every event is stored exactly once, the late impressions are flagged with both
 * times, nothing is reported missing, the audit chain verifies.
 *
 * An hour cannot pass in a test, so the platform clock is moved instead: the whole story runs
 * an hour (and two minutes) in the platform's past, then its clock jumps to now when the device
 * comes back. The device's clock (its clockOffsetMs) follows the platform's, advancing with
 * each impression. Near local midnight the story runs an hour into the future instead, so the
 * authorization's window (to the end of the local day) holds every impression.
 */
const N = 500;
const SPAN_MS = 3_600_000;
const LATE_MS = 5 * 60_000;

function localHour(at: Date): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', hourCycle: 'h23' }).format(at));
}

describe('a device offline for an hour with 500 buffered impressions [sqlite]', () => {
  let e: E2E;
  let device: EmulatedDevice;
  let offset = 0;

  beforeAll(async () => {
    e = await startE2E('sqlite');
    e.deps.clock.now = () => new Date(Date.now() + offset);
  });
  afterAll(async () => {
    await device?.stop();
    await e?.close();
  });

  it('flushes all 500 exactly once; late ones flagged with device and arrival time; no sequence gap; audit chain whole', async () => {
    const start = localHour(new Date()) >= 2 ? -(SPAN_MS + 120_000) : 0;
    offset = start;
    const sealId = await villageSeal(e.deps);
    device = await startDevice(await provision(e, { sealId }), { light: true, queueLimit: 100_000, clockOffsetMs: start });
    const s = await sessions(e.server.app);
    const { appId, authId } = await approvedApplication(e.server.app, s, sealId, [(await stockShot()).before.bytes], N);
    await waitFor('authorized', () => device.status().auth === authId);
    expect(device.enterCode(await operatorCode(e.server.app, s, appId))).toMatchObject({ ok: true });
    await waitFor('everything so far stored', async () => (await storedSeqs(e.database, device.dev)).length === device.status().seq);

    device.goOffline();
    await waitFor('registry sees the device offline', async () => (await e.deps.uow.read((tx) => tx.devices.get(device.dev)))?.online === false);
    const firstOffline = device.status().seq + 1;
    const times = new Map<number, string>();
    device.on('up', (u) => { if (u.kind === 'ev' && u.message.type === 'impression') times.set(u.message.seq, u.message.ts); });
    for (let i = 1; i <= N; i++) {
      device.store.data.clockOffsetMs = start + Math.round((i * SPAN_MS) / N);
      const r = await device.stamp();
      if (!r.ok) throw new Error(`impression ${i} refused: ${r.reason}`);
      expect(r.offline).toBe(true);
    }
    expect(device.status()).toMatchObject({ state: 'locked', connected: false });
    // Everything made while offline waits in the buffer (plus, at most, a heartbeat that was in
    // flight when the link dropped and never acknowledged).
    expect(device.status().buffered - (device.status().seq - firstOffline + 1)).toBeGreaterThanOrEqual(0);
    expect(device.status().buffered - (device.status().seq - firstOffline + 1)).toBeLessThanOrEqual(1);
    expect(device.status().buffered).toBeGreaterThanOrEqual(3 * N);

    // An hour later the device is back.
    offset = start + SPAN_MS + 120_000;
    const comeback = Date.now() + offset;
    device.goOnline();
    const last = device.status().seq + 1; // its hello on reconnecting
    await waitFor(`all ${last} events stored`, async () => (await storedSeqs(e.database, device.dev)).length >= last, 30_000);
    await waitFor('buffer flushed', () => device.status().buffered === 0);
    const all = await storedSeqs(e.database, device.dev);
    expect(all).toEqual(range(1, device.status().seq));

    const ledger = await e.deps.uow.read((tx) => tx.stampings.forApplication(appId));
    expect(ledger).toHaveLength(N);
    let late = 0;
    for (const row of ledger) {
      expect(row.stampedAt).toBe(times.get(row.deviceSeq!));
      expect(Date.parse(row.receivedAt!)).toBeGreaterThanOrEqual(comeback - 1000);
      const isLate = Date.parse(row.receivedAt!) - Date.parse(row.stampedAt) > LATE_MS;
      if (isLate) late++;
      expect(row.flags).toEqual(isLate ? ['late'] : []);
    }
    // Device times spread over the hour: most are late, the last few minutes' are not.
    expect(late).toBeGreaterThan(N * 0.8);
    expect(late).toBeLessThan(N);
    expect((await e.deps.uow.read((tx) => tx.applications.authorization(authId)))).toMatchObject({ impressionsUsed: N, status: 'used' });

    // Nothing is missing: no gap now, and none to report after the grace period.
    expect((await e.deps.uow.read((tx) => tx.devices.get(device.dev)))!.seqGaps).toEqual([]);
    const swept = await sweepDevices(e.deps, new Date(comeback + 61_000));
    expect(swept.alarms.filter((a) => a.rule === 'sequence_gap')).toEqual([]);
    const rules = (await alarmsOf(e.database, device.dev)).map((a) => a.rule);
    expect(rules).not.toContain('sequence_gap');
    expect(rules).not.toContain('unauthorized_impression');
    await e.server.devices.gateway.drain();
    expect((await verifyAuditTrail(e.database)).ok).toBe(true);
  }, 60_000);
});
