import { enqueueCommand, forgedMessage, ingestEvents, markOffline, recordHeartbeats, type Deps, type IngestResult } from '@cunzhang/core';
import { checkMac, deviceEvent, heartbeat, parsePayload, parseTopic, will, type DeviceEvent, type Heartbeat } from '@cunzhang/protocol';
import type { Config } from '../config.js';
import type { LiveHub } from '../http/live.js';
import type { Metrics } from '../http/metrics.js';
import type { Broker } from './broker.js';
import type { DeviceDirectory } from './device-directory.js';
import { Batcher } from './batcher.js';
import type { Announcer } from './announcer.js';

export interface GatewayCtx {
  deps: Deps;
  config: Pick<Readonly<Config>, 'deviceClockToleranceMs'>;
  broker: Broker;
  directory: DeviceDirectory;
  metrics: Metrics;
  live: LiveHub;
  announcer: Announcer;
  log: (msg: string, err?: unknown) => void;
}

/**
 * The device gateway (device-protocol §5 and §13): every message from a device is checked —
 * topic, size, JSON, schema, the device named in it, signature or MAC, clock — before it
 * reaches a use-case; refusals are counted by reason and alarmed where they suggest an attack.
 * Checked messages are ingested in batches (one transaction per batch): the ledger takes
 * thousands of impressions a second that way.
 */
export class Gateway {
  private readonly events: Batcher<{ deviceId: string; event: DeviceEvent; receivedAt: string }>;
  private readonly heartbeats: Batcher<{ deviceId: string; hb: Heartbeat; receivedAt: string }>;
  private readonly timeSent = new Map<string, number>();

  constructor(private readonly ctx: GatewayCtx) {
    // Once stored, telling people is best effort: a failed push must not fail the message.
    const told = (what: string) => (e: unknown) => ctx.log(`device ${what} stored, but the live update failed`, e);
    const ingest = async (items: { deviceId: string; event: DeviceEvent; receivedAt: string }[]) => {
      const results = await ingestEvents(ctx.deps, { items });
      await this.afterEvents(results, items).catch(told('events'));
    };
    const beat = async (items: { deviceId: string; hb: Heartbeat; receivedAt: string }[]) => {
      const results = await recordHeartbeats(ctx.deps, items);
      await this.ctx.announcer.alarms(results.flatMap((r) => r.alarms)).catch(told('heartbeats'));
    };
    // A batch that fails (one bad item, a lost connection) is retried item by item, so one
    // message cannot take the others with it; what still fails is logged and counted.
    // What still fails is not acknowledged to the device, which sends it again (§12).
    const oneByOne = <T,>(kind: string, fn: (items: T[]) => Promise<void>) => async (e: unknown, items: T[]): Promise<T[]> => {
      ctx.log(`device ${kind} batch of ${items.length} failed; retrying one by one`, e);
      const failed: T[] = [];
      for (const item of items) {
        await fn([item]).catch((err: unknown) => {
          this.count(kind, 'ingest_failed');
          ctx.log(`device ${kind} message could not be stored; it is not acknowledged`, err);
          failed.push(item);
        });
      }
      return failed;
    };
    this.events = new Batcher(200, ingest, oneByOne('ev', ingest));
    this.heartbeats = new Batcher(500, beat, oneByOne('hb', beat));
  }

  async start(): Promise<void> {
    // A message that could not be stored rejects: the broker does not acknowledge it.
    await this.ctx.broker.onDeviceMessage((topic, payload) => this.handle(topic, payload));
  }

  /** Messages taken from the broker and not yet answered (their signature may still be in a worker thread). */
  private readonly inFlight = new Set<Promise<void>>();

  /** Waits until every message received so far has been checked and ingested (tests, shutdown). */
  async drain(): Promise<void> {
    // Those in flight now, not those that keep coming while the broker is open (a shutdown drains
    // again once the broker is closed).
    await Promise.allSettled([...this.inFlight]);
    await Promise.all([this.events.drain(), this.heartbeats.drain()]);
  }

  private readonly explained = new Map<string, number>();

  /**
   * The reason a device's message was refused, in the log (at most once a minute per device
   * and reason): the metric says how many, this says which member was wrong (§13).
   */
  private explain(deviceId: string, result: string, reason: string): void {
    const key = `${deviceId}:${result}`;
    const now = Date.now();
    if (now - (this.explained.get(key) ?? 0) < 60_000) return;
    if (this.explained.size > 10_000) this.explained.clear();
    this.explained.set(key, now);
    this.ctx.log(`device ${deviceId}: message refused (${result}): ${reason}`);
  }

  private count(kind: string, result: string): void {
    this.ctx.metrics.deviceMessages.inc({ kind, result });
  }

  handle(topic: string, payload: Buffer): Promise<void> {
    const p = this.check(topic, payload);
    this.inFlight.add(p);
    const gone = () => { this.inFlight.delete(p); };
    p.then(gone, gone);
    return p;
  }

  private async check(topic: string, payload: Buffer): Promise<void> {
    const receivedAt = this.ctx.deps.clock.now();
    const t = parseTopic(topic);
    if (!t.ok || t.direction !== 'up') return this.count('topic', 'bad_topic');
    const entry = await this.ctx.directory.get(t.deviceId);
    if (!entry || entry.retired) return this.count(t.kind, 'unknown_device');
    const refuse = async (result: string, reason: string, attack: boolean) => {
      this.count(t.kind, result);
      this.explain(t.deviceId, result, reason);
      // A refused message is acknowledged all the same (sending it again would change nothing);
      // a failure to raise its alarm is logged, not passed on.
      if (attack) {
        await forgedMessage(this.ctx.deps, { deviceId: t.deviceId, reason: result, detail: reason, topic })
          .then((a) => this.ctx.announcer.alarms(a ? [a] : []))
          .catch((e: unknown) => this.ctx.log(`alarm for a refused message on ${topic} could not be raised`, e));
      }
    };
    if (t.kind === 'will') {
      const w = parsePayload(will, payload);
      if (!w.ok) return refuse(w.code, w.reason, false);
      if (w.value.dev !== t.deviceId) return refuse('device_mismatch', `will names ${w.value.dev}`, true);
      this.count('will', 'ok');
      await markOffline(this.ctx.deps, { deviceId: t.deviceId, at: receivedAt.toISOString() });
      return this.ctx.announcer.device(t.deviceId);
    }
    const parsed = t.kind === 'hb' ? parsePayload(heartbeat, payload) : parsePayload(deviceEvent, payload);
    if (!parsed.ok) return refuse(parsed.code, parsed.reason, false);
    const msg = parsed.value;
    // §4.3: the topic says who spoke; a message naming another device is forged.
    if (msg.dev !== t.deviceId) return refuse('device_mismatch', `message names ${msg.dev} on ${topic}`, true);
    if ('mac' in msg) {
      if (!checkMac(msg, entry.hbKey)) return refuse('bad_mac', 'heartbeat MAC does not match', true);
    } else if (!(await this.ctx.directory.verify(entry, msg))) {
      return refuse('bad_signature', `${msg.type} #${msg.seq}: SM2 signature does not verify`, true);
    }
    const ahead = new Date(msg.ts).getTime() - receivedAt.getTime();
    if (ahead > this.ctx.config.deviceClockToleranceMs) {
      await refuse('clock_far_off', `device time ${msg.ts} is ${Math.round(ahead / 1000)} s ahead`, true);
      return this.sendTime(t.deviceId).catch((e: unknown) => this.ctx.log(`time command to ${t.deviceId} not queued`, e));
    }
    this.count(t.kind, 'ok');
    if ('mac' in msg) await this.heartbeats.push({ deviceId: t.deviceId, hb: msg, receivedAt: receivedAt.toISOString() });
    else await this.events.push({ deviceId: t.deviceId, event: msg, receivedAt: receivedAt.toISOString() });
  }

  private async afterEvents(results: IngestResult[], items: { deviceId: string; event: DeviceEvent }[]): Promise<void> {
    const devices = new Set<string>();
    for (const [i, r] of results.entries()) {
      const item = items[i]!;
      if (r.status === 'duplicate') this.count('ev', 'duplicate');
      if (r.status !== 'stored') continue;
      // Not awaited: on an external broker this runs inside mqtt.js's message callback, which
      // reads no further packet (not even the PUBACK of this re-send) until it returns — awaiting
      // the publish here stalled the whole gateway for good. The outbox re-sends on its own anyway.
      if (item.event.type === 'hello') void this.ctx.announcer.resendPending(item.deviceId).catch((e: unknown) => this.ctx.log(`re-sending the commands of ${item.deviceId} failed`, e));
      if (item.event.type === 'ack' || item.event.type === 'state' || item.event.type === 'hello') devices.add(item.deviceId);
    }
    await this.ctx.announcer.alarms(results.flatMap((r) => r.alarms));
    await this.ctx.announcer.stampings(results.flatMap((r) => (r.applicationId ? [r.applicationId] : [])));
    for (const d of devices) await this.ctx.announcer.device(d);
  }

  /** A device whose clock is far off gets the platform's time (at most once a minute). */
  private async sendTime(deviceId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.timeSent.get(deviceId) ?? 0) < 60_000) return;
    this.timeSent.set(deviceId, now);
    const at = this.ctx.deps.clock.now().toISOString();
    await this.ctx.deps.uow.write((tx) => enqueueCommand(tx, this.ctx.deps, { device: { id: deviceId }, type: 'time', body: { now: at }, createdBy: 'system' }));
  }
}
