import { stockShot, type EmulatedDevice } from '@cunzhang/device';
import { sweepDevices } from '@cunzhang/core';
import { verifyAuditTrail } from '@cunzhang/store';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE } from '../demo/seed.js';
import { startMosquitto, type Mosquitto } from './processes.js';
import {
  approvedApplication, operatorCode, provision, range, sessions, startDevice, startE2E, storedSeqs, villageSeal, waitFor, type E2E,
} from './support.js';

/**
 * Broker restart (issue 4 item 11a): the server is a client of an external Mosquitto, two
 * emulated devices send (one stamps, one reports its sensors), the broker process is SIGKILLed
 * mid-traffic and started again on the same port. The devices buffer meanwhile, reconnect and
 * flush; the platform reconnects and subscribes again.
 */
interface Outcome { e: E2E; devices: EmulatedDevice[]; stamps: number; offline: number[]; appId: string; authId: string; backFrom: Record<string, number> }

describe('broker killed and restarted under traffic [sqlite]', () => {
  let mosq: Mosquitto | null = null;
  let e: E2E | null = null;
  const devices: EmulatedDevice[] = [];
  afterEach(async () => {
    for (const d of devices.splice(0)) await d.stop();
    await e?.close();
    await mosq?.close();
  });

  /** Traffic before the kill, while the broker is down, and after it is back. */
  async function scenario(persistence: boolean, signal: NodeJS.Signals): Promise<Outcome> {
    mosq = await startMosquitto({ persistence });
    const m = mosq;
    e = await startE2E('sqlite', { CUNZHANG_MQTT_URL: m.url });
    const s = await sessions(e.server.app);
    const sealId = await villageSeal(e.deps);
    // Light devices (stock photos, no upload) so the burst is cheap; the page applied for is the stock page.
    const light = { light: true, queueLimit: 100_000, reconnectMs: 300 };
    const stamper = await startDevice(await provision(e, { sealId }), light);
    const sensor = await startDevice(await provision(e, { orgCode: DEMO_OTHER_VILLAGE, label: '后鹤山村测试印章柜' }), light);
    devices.push(stamper, sensor);
    const { appId, authId } = await approvedApplication(e.server.app, s, sealId, [(await stockShot()).before.bytes], 100);
    await waitFor('authorized', () => stamper.status().auth === authId);
    expect(stamper.enterCode(await operatorCode(e.server.app, s, appId))).toMatchObject({ ok: true });

    const out: Outcome = { e, devices: [stamper, sensor], stamps: 0, offline: [], appId, authId, backFrom: {} };
    /** `n` impressions and `n` sensor events, interleaved, a few milliseconds apart. */
    const burst = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const r = await stamper.stamp();
        if (!r.ok) throw new Error(`stamp refused: ${r.reason}`);
        out.stamps++;
        if (r.offline) out.offline.push(r.seq);
        sensor.closeCase();
        await new Promise((res) => setTimeout(res, 3));
      }
    };
    const reconnects = { stamper: 0, sensor: 0 };
    stamper.on('link', (l) => { if (l.connected) reconnects.stamper++; });
    sensor.on('link', (l) => { if (l.connected) reconnects.sensor++; });

    await burst(20);
    // Stopped at once: some messages are still on their way to the platform.
    await m.kill(signal);
    await waitFor('devices see the broker gone', () => !stamper.connected && !sensor.connected);
    await burst(20);
    expect(out.offline).toHaveLength(20);
    await m.start();
    await waitFor('platform and devices back', () => e!.server.broker.connected() && reconnects.stamper > 0 && reconnects.sensor > 0, 15_000);
    out.backFrom = Object.fromEntries(out.devices.map((d) => [d.dev, d.status().seq]));
    await burst(20);
    for (const d of out.devices) await waitFor(`${d.dev} flushed`, () => d.status().buffered === 0 && d.connected);
    return out;
  }

  it('restarted (SIGTERM) with persistence on, the platform\'s session kept: every event of every device is stored exactly once, every impression in the ledger', async () => {
    const { e, devices: devs, stamps, offline, appId, authId } = await scenario(true, 'SIGTERM');
    for (const d of devs) {
      // The device may still be saying something (a state after the reconnect): compare with its number then.
      await waitFor(`every event of ${d.dev} stored`, async () => (await storedSeqs(e.database, d.dev)).length >= d.status().seq, 5_000).catch(() => undefined);
      const last = d.status().seq;
      // Exactly once: 1..last, each number once (the primary key forbids twice), none missing.
      expect(await storedSeqs(e.database, d.dev)).toEqual(range(1, last));
    }
    const ledger = await e.deps.uow.read((tx) => tx.stampings.forApplication(appId));
    expect(ledger).toHaveLength(stamps);
    expect(ledger.filter((r) => offline.includes(r.deviceSeq!))).toHaveLength(offline.length);
    expect((await e.deps.uow.read((tx) => tx.applications.authorization(authId)))!.impressionsUsed).toBe(stamps);
    await e.server.devices.gateway.drain();
    expect((await verifyAuditTrail(e.database)).ok).toBe(true);
  });

  it('killed (SIGKILL) with persistence off: what the broker lost is never lost silently — each missing number is a gap, alarmed; nothing twice', async () => {
    const { e, devices: devs, appId, backFrom } = await scenario(false, 'SIGKILL');
    await e.server.devices.gateway.drain();
    let lost = 0;
    const hadGaps = new Set<string>();
    for (const d of devs) {
      const last = d.status().seq;
      // What the devices made after the platform was back is all there.
      await waitFor(`events after the restart of ${d.dev}`, async () => {
        const got = new Set(await storedSeqs(e.database, d.dev));
        return range(backFrom[d.dev]! + 1, last).every((x) => got.has(x));
      });
      const stored = await storedSeqs(e.database, d.dev);
      expect(new Set(stored).size).toBe(stored.length);
      const missing = range(1, last).filter((x) => !stored.includes(x));
      lost += missing.length;
      const row = (await e.deps.uow.read((tx) => tx.devices.get(d.dev)))!;
      expect(missing.filter((x) => !row.seqGaps.some((g) => x >= g.from && x <= g.to))).toEqual([]);
      if (missing.length) hadGaps.add(d.dev);
    }
    // After the grace period the sweep reports every device that lost messages.
    const { alarms } = await sweepDevices(e.deps, new Date(Date.now() + 61_000));
    const gapped = new Set(alarms.filter((a) => a.rule === 'sequence_gap').map((a) => a.deviceId));
    expect([...gapped].sort()).toEqual([...hadGaps].sort());
    expect(hadGaps.size > 0).toBe(lost > 0);
    // The ledger holds exactly the impressions that arrived, each once.
    const impressions = await e.database.db.selectFrom('device_events').select('seq').where('device_id', '=', devs[0]!.dev).where('type', '=', 'impression').execute();
    const ledger = await e.deps.uow.read((tx) => tx.stampings.forApplication(appId));
    expect(ledger.map((r) => r.deviceSeq).sort((x, y) => x! - y!)).toEqual(impressions.map((r) => Number(r.seq)).sort((x, y) => x - y));
  });
});
