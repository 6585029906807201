import type { ProvisioningBundle } from '@cunzhang/protocol';
import { sign, upTopic, withMac } from '@cunzhang/protocol';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE } from '../demo/seed.js';
import { startMosquitto, type Mosquitto } from './processes.js';
import { alarmsOf, deviceCounters, provision, startE2E, storedSeqs, waitFor, type E2E } from './support.js';

/**
 * Hostile and broken input from devices (issue 4 item 10), with raw MQTT clients logged in as a
 * provisioned device on the real embedded broker: each bad message is refused, counted in
 * /metrics by reason, alarmed where it suggests an attack, stores nothing, and the server keeps
 * serving. On the embedded broker a QoS 1 PUBACK comes only after the gateway has handled the
 * message, so every check can follow its publish directly.
 */
const POS = { lat_e6: 36_553_000, lng_e6: 116_893_000, acc_m: 5 };

/** A device's raw MQTT session plus a signer of its own messages, with its own sequence counter. */
async function rawDevice(bundle: ProvisioningBundle) {
  const client = await mqtt.connectAsync(bundle.mqtt.url, { clientId: bundle.dev, username: bundle.dev, password: bundle.mqtt.password, protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  let seq = 0;
  const ts = (aheadMs = 0) => new Date(Date.now() + aheadMs).toISOString();
  const event = (o: { seq?: number; aheadMs?: number; dev?: string } = {}) =>
    sign({ v: 1, dev: o.dev ?? bundle.dev, seq: o.seq ?? ++seq, ts: ts(o.aheadMs), type: 'sensor', body: { kind: 'case_closed', ...POS } }, bundle.private_key!);
  const beat = () => withMac({ v: 1, dev: bundle.dev, seq: ++seq, ts: ts(), body: { state: 'locked', battery: 90, ink: 90, ...POS, buffered: 0 } }, bundle.hb_key);
  const pub = (kind: 'ev' | 'hb', payload: string | Buffer | object, topic = upTopic(bundle.dev, kind)) =>
    client.publishAsync(topic, typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload), { qos: 1 });
  return { client, event, beat, pub, dev: bundle.dev };
}

describe('bad input from devices [sqlite]', () => {
  let e: E2E;
  let a: ProvisioningBundle;
  let b: ProvisioningBundle;
  let dev: Awaited<ReturnType<typeof rawDevice>>;
  const clients: mqtt.MqttClient[] = [];
  let valid: number[] = [];

  const delta = async (fn: () => Promise<unknown>): Promise<Record<string, number>> => {
    const before = await deviceCounters(e.server.app);
    await fn();
    const after = await deviceCounters(e.server.app);
    return Object.fromEntries(Object.entries(after).filter(([k, v]) => v !== (before[k] ?? 0)).map(([k, v]) => [k, v - (before[k] ?? 0)]));
  };
  const rules = async (id = a.dev) => (await alarmsOf(e.database, id)).map((x) => `${x.rule}:${String(x.evidence.reason)}`);

  beforeAll(async () => {
    e = await startE2E('sqlite');
    a = await provision(e, { label: '测试柜甲' });
    b = await provision(e, { orgCode: DEMO_OTHER_VILLAGE, label: '测试柜乙' });
    dev = await rawDevice(a);
    clients.push(dev.client);
    // A first good message: the device is known to speak, seq 1 stored.
    const first = dev.event();
    await dev.pub('ev', first);
    valid = [first.seq];
  });
  afterAll(async () => {
    for (const c of clients) await c.endAsync(true).catch(() => undefined);
    await e?.close();
  });

  it('refuses malformed JSON, the wrong schema and a 10 MB payload: counted, no alarm, nothing stored', async () => {
    expect(await delta(async () => {
      await dev.pub('ev', '{"v":1,"dev":');
      await dev.pub('hb', Buffer.from([0xff, 0xfe, 0x00]));
      await dev.pub('ev', { ...dev.event(), type: 'teleport' });
      await dev.pub('ev', { ...dev.event(), body: { kind: 'case_closed', ...POS, lat_e6: 95_000_000 } });
      await dev.pub('hb', { ...dev.beat(), v: 2 });
      await dev.pub('ev', Buffer.alloc(10 * 1024 * 1024, 0x7b));
    })).toEqual({ 'ev/malformed_json': 1, 'hb/malformed_json': 1, 'ev/schema': 2, 'hb/schema': 1, 'ev/too_large': 1 });
    expect(await rules()).toEqual([]);
    expect(await storedSeqs(e.database, a.dev)).toEqual(valid);
  });

  it('refuses a bad signature, a bad MAC and a message naming another device, each with a forged_message alarm', async () => {
    const tampered = { ...dev.event(), body: { kind: 'case_open', ...POS } };
    const badMac = { ...dev.beat(), body: { state: 'authorized', battery: 90, ink: 90, ...POS, buffered: 0 } };
    const other = dev.event({ dev: b.dev });
    expect(await delta(async () => {
      await dev.pub('ev', tampered);
      await dev.pub('hb', badMac);
      await dev.pub('ev', other);
    })).toEqual({ 'ev/bad_signature': 1, 'hb/bad_mac': 1, 'ev/device_mismatch': 1 });
    expect(await rules()).toEqual(['forged_message:bad_signature', 'forged_message:bad_mac', 'forged_message:device_mismatch']);
    expect(await storedSeqs(e.database, a.dev)).toEqual(valid);
    // The tampered "case open" did not alarm as tamper nor lock anything.
    expect((await e.deps.uow.read((tx) => tx.devices.get(a.dev)))).toMatchObject({ lockWanted: false });
  });

  it('a replayed message is stored once and counted as a duplicate', async () => {
    const msg = dev.event();
    expect(await delta(async () => {
      await dev.pub('ev', msg);
      await dev.pub('ev', msg);
      // Same number, other content: still the first one wins (§5.2.3).
      await dev.pub('ev', dev.event({ seq: msg.seq }));
    })).toEqual({ 'ev/ok': 3, 'ev/duplicate': 2 });
    valid.push(msg.seq);
    expect(await storedSeqs(e.database, a.dev)).toEqual(valid);
  });

  it('a clock an hour ahead: refused, clock_skew alarm, a time command queued for the device', async () => {
    expect(await delta(() => dev.pub('ev', dev.event({ aheadMs: 3_600_000 })))).toEqual({ 'ev/clock_far_off': 1 });
    expect(await rules()).toContain('clock_skew:clock_far_off');
    const cmds = await e.deps.uow.read((tx) => tx.devices.commands(a.dev, 20));
    const time = cmds.find((c) => c.type === 'time');
    expect(time).toBeDefined();
    expect(Math.abs(Date.parse(JSON.parse(time!.message).body.now) - Date.now())).toBeLessThan(10_000);
    expect(await storedSeqs(e.database, a.dev)).toEqual(valid);
  });

  it('the embedded broker stops a device publishing or subscribing on another device\'s topics (foreign_topic, forged_message)', async () => {
    const intruder = await rawDevice(a);
    clients.push(intruder.client);
    const forged = sign({ v: 1, dev: b.dev, seq: 1, ts: new Date().toISOString(), type: 'sensor', body: { kind: 'case_open', ...POS } }, a.private_key!);
    const change = await delta(async () => {
      // The broker disconnects the client: the publish is never acknowledged.
      await Promise.race([intruder.pub('ev', forged, upTopic(b.dev, 'ev')).catch(() => undefined), new Promise((r) => setTimeout(r, 200))]);
      await waitFor('foreign publish counted', async () => (await deviceCounters(e.server.app))['topic/foreign_topic']);
    });
    expect(change).toEqual({ 'topic/foreign_topic': 1 });
    const spy = await rawDevice(a);
    clients.push(spy.client);
    const granted = await spy.client.subscribeAsync(`cz/v1/d/${b.dev}/down/cmd`, { qos: 1 }).catch(() => null);
    expect(granted === null || granted.every((g) => g.qos === 128)).toBe(true);
    await waitFor('foreign subscribe counted', async () => (await deviceCounters(e.server.app))['subscribe/foreign_topic']);
    expect(await waitFor('foreign_topic alarm', async () => (await rules()).includes('forged_message:foreign_topic'))).toBe(true);
    expect(await storedSeqs(e.database, b.dev)).toEqual([]);
    expect(await rules(b.dev)).toEqual([]);
  });

  it('a typo in its own topic is a bad_topic, not an attack; a clean disconnect marks the device offline', async () => {
    const clumsy = await rawDevice(a);
    const alarmsBefore = (await rules()).length;
    const change = await delta(async () => {
      await Promise.race([clumsy.pub('ev', { hello: 1 }, `cz/v1/d/${a.dev}/up/event`).catch(() => undefined), new Promise((r) => setTimeout(r, 200))]);
      await waitFor('bad topic counted', async () => (await deviceCounters(e.server.app))['topic/bad_topic']);
    });
    expect(change).toEqual({ 'topic/bad_topic': 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect((await rules()).length).toBe(alarmsBefore); // no alarm for a typo
    const polite = await rawDevice(a);
    await e.deps.uow.write((tx) => tx.devices.touch(a.dev, { online: true }));
    await polite.client.endAsync();
    expect(await waitFor('offline after a clean disconnect', async () => (await e.deps.uow.read((tx) => tx.devices.get(a.dev)))?.online === false || null)).toBe(true);
  });

  it('an unknown device cannot log in; a wrong password neither', async () => {
    const refused = async (opts: mqtt.IClientOptions) => {
      const err = await mqtt.connectAsync(a.mqtt.url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...opts }).then(async (c) => { await c.endAsync(true); return null; }, (x: unknown) => x);
      return (err as { code?: number } | null)?.code;
    };
    expect(await refused({ clientId: 'CZ0000000000', username: 'CZ0000000000', password: a.mqtt.password })).toBe(5);
    expect(await refused({ clientId: a.dev, username: a.dev, password: 'not-the-password' })).toBe(5);
    expect(await refused({ clientId: 'someone', username: a.dev, password: a.mqtt.password })).toBe(5);
  });

  it('after all of it the server is up and a valid message is still taken', async () => {
    expect((await e.server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const fresh = await rawDevice(a);
    clients.push(fresh.client);
    const msg = sign({ v: 1, dev: a.dev, seq: 1000, ts: new Date().toISOString(), type: 'sensor', body: { kind: 'case_closed', ...POS } }, a.private_key!);
    expect(await delta(() => fresh.pub('ev', msg))).toEqual({ 'ev/ok': 1 });
    valid.push(1000);
    expect(await storedSeqs(e.database, a.dev)).toEqual(valid);
  });

  it('200 random payloads on up/ev and up/hb: never a crash, never a stored message, each counted as refused', async () => {
    // A session of its own: each raw client above took the device's client id over.
    const fz = await rawDevice(a);
    clients.push(fz.client);
    const before = await storedSeqs(e.database, a.dev);
    const row = await e.deps.uow.read((tx) => tx.devices.get(a.dev));
    const payload = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
      fc.json().map((j) => Buffer.from(j)),
      fc.object().map((o) => Buffer.from(JSON.stringify(o))),
      // Almost valid: a real envelope with one member replaced by anything.
      fc.tuple(fc.constantFrom('v', 'dev', 'seq', 'ts', 'type', 'body', 'sig'), fc.anything()).map(([k, v]) => {
        const m: Record<string, unknown> = fz.event();
        // The same value again would make a valid message: use null (never valid) then.
        return Buffer.from(JSON.stringify({ ...m, [k]: JSON.stringify(v) === JSON.stringify(m[k]) ? null : v }));
      }),
    );
    let runs = 0;
    const change = await delta(() => fc.assert(fc.asyncProperty(fc.constantFrom<'ev' | 'hb'>('ev', 'hb'), payload, async (kind, bytes) => {
      runs++;
      await fz.pub(kind, bytes);
    }), { numRuns: 200 }));
    expect(runs).toBe(200);
    expect(Object.keys(change).every((k) => /^(ev|hb)\/(malformed_json|schema|too_large|bad_signature|device_mismatch|clock_far_off)$/.test(k))).toBe(true);
    expect(Object.values(change).reduce((x, y) => x + y, 0)).toBe(200);
    expect(await storedSeqs(e.database, a.dev)).toEqual(before);
    const after = await e.deps.uow.read((tx) => tx.devices.get(a.dev));
    expect(after).toMatchObject({ seqHigh: row!.seqHigh, seqGaps: row!.seqGaps, version: row!.version });
    expect((await e.server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  describe('through an external broker (Mosquitto)', () => {
    let mosq: Mosquitto;
    let ext: E2E;
    beforeAll(async () => {
      mosq = await startMosquitto();
      ext = await startE2E('sqlite', { CUNZHANG_DEMO: 'false', CUNZHANG_MQTT_URL: mosq.url });
    });
    afterAll(async () => {
      await ext?.close();
      await mosq?.close();
    });

    it('a message for a device the registry does not know is refused as unknown_device; a topic off the protocol as bad_topic', async () => {
      const c = await mqtt.connectAsync(mosq.url, { protocolVersion: 4, reconnectPeriod: 0 });
      clients.push(c);
      const msg = sign({ v: 1, dev: 'CZ0000000000', seq: 1, ts: new Date().toISOString(), type: 'sensor', body: { kind: 'case_open', ...POS } }, a.private_key!);
      await c.publishAsync(upTopic('CZ0000000000', 'ev'), JSON.stringify(msg), { qos: 1 });
      await c.publishAsync('cz/v1/d/not-a-device/up/zz', '{}', { qos: 1 });
      const counts = await waitFor('both counted', async () => {
        const m = await deviceCounters(ext.server.app);
        return m['ev/unknown_device'] && m['topic/bad_topic'] ? m : null;
      });
      expect(counts).toEqual({ 'ev/unknown_device': 1, 'topic/bad_topic': 1 });
      expect(await ext.database.db.selectFrom('device_events').select('seq').execute()).toEqual([]);
      expect((await ext.server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });
  });
});
