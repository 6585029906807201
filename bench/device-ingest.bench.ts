// Device ingest (issue 4 item 9): impression events from devices through the real broker into
// the ledger, against a floor measured in the same run on the same database (device-baseline.ts:
// verify each signature, insert the same rows in batches, nothing else). Targets: the product
// at least 0.5× the floor, and at least 2,000 impressions/s on SQLite.
//
// Set-up (untimed): the server in this process (demo off, virtual devices off, SQLite in a
// temporary directory or a fresh PostgreSQL database, CUNZHANG_MAX_IMPRESSIONS=1000); 鹤山镇's
// 46 villages seeded; per village an application approved for its share of the impressions and
// a device provisioned bound to the village committee seal. Every impression event is signed
// beforehand (signing is the devices' work). Timed: bare MQTT clients in a child process, logged
// in as the 46 devices, publish all their events at once (QoS 1, pipelined, in sequence order);
// the clock stops when the last event is stored (device_events counted through a second
// connection, every 10 ms).
//
// Runs: embedded broker and our own Mosquitto, each on SQLite and PostgreSQL (BENCH_DEVICE_RUNS
// picks some, e.g. "embedded-sqlite,mosquitto-sqlite"); BENCH_DEVICE_IMPRESSIONS (default 10,000).
//
// Run: npx tsx bench/device-ingest.bench.ts
import { publicKeyOf, verifyKey, type DeviceEventOf, type ProvisioningBundle } from '@cunzhang/protocol';
import SQLite from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { rawIngest, type BaselineItem } from './device-baseline.js';
import { Child, loadNote, mergeResults, round, startBenchServer, startMosquitto, waitFor, type Figure } from './device-support.js';
import { approvedAuthorization, impressionEvent, provisionBound, seedWorld } from './device-world.js';

const TOTAL = Number(process.env.BENCH_DEVICE_IMPRESSIONS ?? 10_000);
const PHASH = 'c3a5968e0f1b2d47';
const ALL_RUNS = ['embedded-sqlite', 'mosquitto-sqlite', 'embedded-postgres', 'mosquitto-postgres'];
const RUNS = (process.env.BENCH_DEVICE_RUNS ?? ALL_RUNS.join(',')).split(',').filter((r) => ALL_RUNS.includes(r));

interface Outcome { real: number; floor: number; alarms: Record<string, number>; flagged: number; stored: number }

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

/** Counts stored device events through a connection of its own (the server's stays free for ingest). */
async function eventCounter(file: string | null, url: string | null): Promise<{ count(): Promise<number>; close(): Promise<void> }> {
  if (url) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return { count: async () => Number((await c.query('select count(*) as n from device_events')).rows[0].n), close: () => c.end() };
  }
  const db = new SQLite(file!, { readonly: true, fileMustExist: true });
  const stmt = db.prepare('select count(*) as n from device_events');
  return { count: async () => (stmt.get() as { n: number }).n, close: async () => { db.close(); } };
}

async function runOnce(run: string): Promise<Outcome> {
  const [broker, dialect] = run.split('-') as ['embedded' | 'mosquitto', 'sqlite' | 'postgres'];
  const mosquitto = broker === 'mosquitto' ? await startMosquitto() : null;
  const bs = await startBenchServer({ postgres: dialect === 'postgres', mqttUrl: mosquitto?.url });
  const deps = bs.server.runtime.deps;
  let publisher: Child | null = null;
  try {
    const world = await seedWorld(deps);
    const perDevice = Math.ceil(TOTAL / world.villages.length);
    const devices: { bundle: ProvisioningBundle; auth: BaselineItem['auth'] }[] = [];
    for (const v of world.villages) {
      const { appId, authId } = await approvedAuthorization(deps, world, v, perDevice, PHASH);
      const bundle = await provisionBound(deps, world, v, { mqttUrl: bs.mqttUrl, httpBase: bs.server.url });
      devices.push({ bundle, auth: { id: authId, applicationId: appId, sealId: v.sealId, orgCode: v.code } });
    }
    const t0 = performance.now();
    const payloads: Record<string, string[]> = {};
    for (const { bundle, auth } of devices) payloads[bundle.dev] = Array.from({ length: perDevice }, (_, i) => impressionEvent(bundle, i + 1, auth.id, i + 1, PHASH));
    const total = perDevice * devices.length;
    console.log(`  ${devices.length} devices × ${perDevice} impressions = ${total}, signed beforehand in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const file = path.join(bs.dataDir, 'payloads.json');
    writeFileSync(file, JSON.stringify(payloads));

    publisher = new Child('publish');
    await publisher.ready;
    await publisher.call('connect', { mqttUrl: bs.mqttUrl, devices: devices.map((d) => ({ dev: d.bundle.dev, password: d.bundle.mqtt.password })) });
    await publisher.call('load', { file });
    const counter = await eventCounter(bs.server.runtime.database.file, bs.dbUrl);
    // CPU time of this process (broker, gateway, ingest: the whole server) per impression, less noisy than wall time on a shared machine.
    let cpu = process.cpuUsage();
    const start = performance.now();
    const acked = publisher.call<number>('go');
    await waitFor(`${total} device events stored`, async () => (await counter.count()) >= total, 180_000, 10);
    const realMs = performance.now() - start;
    const realCpu = cpuMs(process.cpuUsage(cpu));
    const ackMs = await acked;
    await counter.close();
    await bs.server.devices.gateway.drain();

    // What the product made of them: every impression a ledger row, no flags; alarms by rule.
    const db = bs.server.runtime.database.db;
    const stored = Number((await db.selectFrom('stampings').select((eb) => eb.fn.countAll<number>().as('n')).where('source', '=', 'device').executeTakeFirstOrThrow()).n);
    const flagged = Number((await db.selectFrom('stampings').select((eb) => eb.fn.countAll<number>().as('n')).where('source', '=', 'device').where('flags', '<>', '[]').executeTakeFirstOrThrow()).n);
    const alarms = Object.fromEntries((await db.selectFrom('alarms').select(['rule', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('rule').execute()).map((r) => [r.rule, Number(r.n)]));
    if (stored !== total) throw new Error(`${stored} stampings for ${total} impressions`);

    // The floor, on the same database, beside the product's rows (sequence numbers above them).
    const items: BaselineItem[] = [];
    // Precomputed keys (the registry keeps each device's public key; the bench derives it from the bundle).
    const keys = new Map(devices.map((d) => [d.bundle.dev, verifyKey(publicKeyOf(d.bundle.private_key!))]));
    for (let i = 0; i < perDevice; i++) {
      for (const d of devices) items.push({ ev: JSON.parse(payloads[d.bundle.dev]![i]!) as DeviceEventOf<'impression'>, key: keys.get(d.bundle.dev)!, seqOffset: perDevice, auth: d.auth });
    }
    cpu = process.cpuUsage();
    const floorMs = await rawIngest({ file: bs.server.runtime.database.file, url: bs.dbUrl }, items);
    const floorCpu = cpuMs(process.cpuUsage(cpu));
    const real = total / (realMs / 1000);
    const floor = total / (floorMs / 1000);
    console.log(`  product: ${total} in ${(realMs / 1000).toFixed(2)} s = ${Math.round(real)}/s (last PUBACK after ${(ackMs / 1000).toFixed(2)} s); `
      + `floor: ${(floorMs / 1000).toFixed(2)} s = ${Math.round(floor)}/s; ratio ${(real / floor).toFixed(2)}`);
    console.log(`  CPU of the server process per impression: product ${Math.round((realCpu * 1000) / total)} µs, floor ${Math.round((floorCpu * 1000) / total)} µs`);
    console.log(`  ledger rows ${stored}, flagged ${flagged}; alarms ${JSON.stringify(alarms)}; ${loadNote()}`);
    return { real, floor, alarms, flagged, stored };
  } finally {
    await publisher?.call('close').catch(() => undefined);
    await publisher?.kill();
    await bs.close();
    await mosquitto?.close();
  }
}

console.log(`device ingest: ${TOTAL} impressions per run; ${loadNote()}`);
const figures: Record<string, Figure> = {};
let failed = false;
for (const run of RUNS) {
  console.log(`${run}:`);
  const o = await runOnce(run);
  const ratio = o.real / o.floor;
  figures[`device_ingest_${run.replace('-', '_')}`] = { value: round(o.real, 0), unit: 'impressions/s', baseline: round(o.floor, 0), ratio: round(ratio, 2) };
  if (run.endsWith('sqlite') && (ratio < 0.5 || o.real < 2000)) failed = true;
}
mergeResults(figures);
console.log(failed ? 'target missed (SQLite: ≥ 0.5× the floor and ≥ 2,000/s)' : 'targets met');
if (failed) process.exitCode = 1;
