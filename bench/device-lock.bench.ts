// Remote lock round trip (issue 4 item 9) with 1,000 emulated devices connected: the p99 of
// lockDevice (the use-case the 一键锁定 button calls) → signed command out through the outbox →
// the device verifies it, locks and acknowledges (signed ack event) → the platform has stored
// the ack and sees the device locked (lockCommandId cleared). Baseline, in the same run through
// the same broker: the raw MQTT QoS 1 round trip — the platform publishes a command-sized message
// to a device's down topic, a bare client answers at once with an ack-sized message on its up
// topic, timed from the platform's publish to the platform receiving the reply. Target: p99 of
// the lock ≤ 3× the raw p99. Unlocks (CUNZHANG_UNLOCK_SECOND_PERSON=false: granted at once) are
// timed the same way and reported beside.
//
// Set-up: the server in this process (demo off, SQLite in a temporary directory), 鹤山镇 seeded,
// 1,001 devices entered in bulk (device-world.ts bulkDevices); 1,000 run as a light Fleet in a
// child process (heartbeat every 60 s), the 1,001st is the bare echo client in the same child.
// Operations run one at a time, lock of device i then unlock of device i−1, so each is timed
// alone. Runs on the embedded broker and on our own Mosquitto (BENCH_LOCK_BROKERS).
//
// Run: npx tsx bench/device-lock.bench.ts
import { lockDevice, requestUnlock, type Device } from '@cunzhang/core';
import { downTopic, upTopic } from '@cunzhang/protocol';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Child, loadNote, mergeResults, percentile, round, startBenchServer, startMosquitto, type Figure } from './device-support.js';
import { bulkDevices, seedWorld } from './device-world.js';

const FLEET = Number(process.env.BENCH_LOCK_DEVICES ?? 1000);
const OPS = Number(process.env.BENCH_LOCK_OPS ?? 500);
const WARMUP = 20;
const BROKERS = (process.env.BENCH_LOCK_BROKERS ?? 'embedded,mosquitto').split(',');
/** Devices send small packets at once (TCP_NODELAY); BENCH_NODELAY=0 leaves mqtt.js's Nagle on. */
const NODELAY = process.env.BENCH_NODELAY !== '0';

interface Stats { p50: number; p95: number; p99: number; max: number; n: number }
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: round(percentile(s, 50), 2), p95: round(percentile(s, 95), 2), p99: round(percentile(s, 99), 2), max: round(s[s.length - 1]!, 2), n: s.length };
};

async function runOnce(broker: string): Promise<{ raw: Stats; lock: Stats; unlock: Stats }> {
  const mosquitto = broker === 'mosquitto' ? await startMosquitto() : null;
  const bs = await startBenchServer({ mqttUrl: mosquitto?.url, env: { CUNZHANG_UNLOCK_SECOND_PERSON: 'false' } });
  const { server } = bs;
  const deps = server.runtime.deps;
  const fleet = new Child('fleet', { BENCH_NODELAY: NODELAY ? '1' : '0' });
  try {
    const world = await seedWorld(deps);
    const bundles = await bulkDevices(deps, world, FLEET + 1, { mqttUrl: bs.mqttUrl, httpBase: server.url });
    const file = path.join(bs.dataDir, 'bundles.jsonl');
    writeFileSync(file, bundles.map((b) => JSON.stringify(b)).join('\n'));
    await fleet.ready;
    let t0 = performance.now();
    await fleet.call('start', { file, from: 0, to: FLEET, hbS: 60, connectRate: 500 });
    await fleet.call('waitConnected', { timeoutMs: 240_000 });
    await server.devices.gateway.drain();
    console.log(`  ${FLEET} devices connected and said hello in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // The platform's side of both round trips: replies from the echo device are caught at the
    // gateway's door; device changes as the announcer pushes them (after the ack committed).
    const echo = bundles[FLEET]!;
    const gateway = server.devices.gateway;
    const handle = gateway.handle.bind(gateway);
    let replied: (() => void) | null = null;
    // Stage marks of the lock being timed: command published by the outbox, first event of the device at the gateway.
    const marks = { dev: '', published: 0, firstUp: 0 };
    gateway.handle = (topic, payload) => {
      if (topic === upTopic(echo.dev, 'ev')) { replied?.(); return Promise.resolve(); }
      if (marks.dev && !marks.firstUp && topic === upTopic(marks.dev, 'ev')) marks.firstUp = performance.now();
      return handle(topic, payload);
    };
    const publish = server.broker.publish.bind(server.broker);
    server.broker.publish = (topic, payload) => {
      if (marks.dev && !marks.published && topic === downTopic(marks.dev)) marks.published = performance.now();
      return publish(topic, payload);
    };
    const announcer = server.devices.announcer;
    const announce = announcer.device.bind(announcer);
    const waiters = new Map<string, { done: (d: Device) => boolean; resolve: (t: number) => void }>();
    announcer.device = async (id) => {
      const t = performance.now();
      const w = waiters.get(id);
      if (w) {
        const d = await deps.uow.read((tx) => tx.devices.get(id));
        if (d && w.done(d)) { waiters.delete(id); w.resolve(t); }
      }
      return announce(id);
    };
    const seen = (id: string, done: (d: Device) => boolean) => new Promise<number>((resolve) => waiters.set(id, { done, resolve }));

    // Sizes as the real ones: a signed lock command down, a signed ack event up.
    const command = JSON.stringify(deps.deviceKeys.sign({ v: 1, id: deps.ids.next(), dev: echo.dev, type: 'lock', nonce: 'a'.repeat(32), iat: new Date().toISOString(), exp: new Date().toISOString(), body: { reason: '基准测试：一键锁定' } }));
    const ackBytes = 330;
    await fleet.call('echo', { bundle: echo, mqttUrl: bs.mqttUrl, replyBytes: ackBytes });
    const raw: number[] = [];
    for (let i = 0; i < WARMUP + OPS; i++) {
      const got = new Promise<void>((r) => { replied = r; });
      t0 = performance.now();
      await server.broker.publish(downTopic(echo.dev), command);
      await got;
      if (i >= WARMUP) raw.push(performance.now() - t0);
    }

    const officer = world.officer;
    const lock: number[] = [];
    const unlock: number[] = [];
    /** Where a lock's time goes: the use-case's transaction, outbox to publish, device to its first event back, platform ingest to stored. */
    const stages = { useCase: [] as number[], toPublish: [] as number[], device: [] as number[], ingest: [] as number[] };
    const ids = bundles.slice(0, FLEET).map((b) => b.dev);
    for (let i = 0; i < WARMUP + OPS; i++) {
      const id = ids[i % ids.length]!;
      const locked = seen(id, (d) => d.lockWanted && d.lockCommandId === null);
      Object.assign(marks, { dev: id, published: 0, firstUp: 0 });
      t0 = performance.now();
      await lockDevice(deps, { actor: officer, id, input: { reason: '基准测试：一键锁定' } });
      const committed = performance.now();
      const tDone = await waitOr(locked, `lock of ${id}`);
      const tLock = tDone - t0;
      if (i >= WARMUP && marks.published && marks.firstUp) {
        stages.useCase.push(committed - t0);
        stages.toPublish.push(marks.published - committed);
        stages.device.push(marks.firstUp - marks.published);
        stages.ingest.push(tDone - marks.firstUp);
      }
      marks.dev = '';
      if (i > 0) {
        const prev = ids[(i - 1) % ids.length]!;
        const unlocked = seen(prev, (d) => !d.lockWanted && d.lockCommandId === null);
        const t1 = performance.now();
        await requestUnlock(deps, { actor: officer, id: prev, input: { reason: '基准测试：解除锁定' } });
        const tUnlock = (await waitOr(unlocked, `unlock of ${prev}`)) - t1;
        if (i >= WARMUP) unlock.push(tUnlock);
      }
      if (i >= WARMUP) lock.push(tLock);
    }
    const counters = await fleet.call<Record<string, number | string | null>>('stats');
    console.log(`  fleet: ${counters.connected} connected, ${counters.commands} commands received, ${counters.errors} errors${counters.lastError ? ` (last: ${counters.lastError})` : ''}; ${command.length} B command, ${ackBytes} B reply`);
    const med = (xs: number[]) => round(percentile([...xs].sort((a, b) => a - b), 50), 2);
    const p99 = (xs: number[]) => round(percentile([...xs].sort((a, b) => a - b), 99), 2);
    console.log(`  lock stages ms (median / p99): use-case ${med(stages.useCase)} / ${p99(stages.useCase)}, outbox→publish ${med(stages.toPublish)} / ${p99(stages.toPublish)}, `
      + `publish→device's first event back ${med(stages.device)} / ${p99(stages.device)}, that event→ack stored ${med(stages.ingest)} / ${p99(stages.ingest)}`);
    return { raw: stats(raw), lock: stats(lock), unlock: stats(unlock) };
  } finally {
    await fleet.call('stop').catch(() => undefined);
    await fleet.kill();
    await bs.close();
    await mosquitto?.close();
  }
}

/** The time `p` resolves with, or an error naming `what` after 30 s. */
function waitOr(p: Promise<number>, what: string): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no ack seen within 30 s`)), 30_000); });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

console.log(`device lock: ${FLEET} devices, ${OPS} locks and unlocks per broker; ${loadNote()}`);
const figures: Record<string, Figure> = {};
let failed = false;
for (const broker of BROKERS) {
  console.log(`${broker}:`);
  const r = await runOnce(broker);
  const ratio = r.lock.p99 / r.raw.p99;
  console.log(`  raw MQTT round trip ms ${JSON.stringify(r.raw)}`);
  console.log(`  lock round trip ms     ${JSON.stringify(r.lock)}`);
  console.log(`  unlock round trip ms   ${JSON.stringify(r.unlock)}`);
  console.log(`  lock p99 / raw p99 = ${ratio.toFixed(2)} (target ≤ 3); ${loadNote()}`);
  figures[`device_lock_p99_${broker}`] = { value: r.lock.p99, unit: 'ms', baseline: r.raw.p99, ratio: round(ratio, 2) };
  figures[`device_unlock_p99_${broker}`] = { value: r.unlock.p99, unit: 'ms', baseline: r.raw.p99, ratio: round(r.unlock.p99 / r.raw.p99, 2) };
  if (ratio > 3) failed = true;
}
mergeResults(figures);
if (failed) process.exitCode = 1;
