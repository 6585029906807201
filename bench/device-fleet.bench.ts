// A fleet of 10,000 devices (issue 4 item 9): the server's resident memory with all of them
// connected (target ≤ 512 MB), then a broker restart — how long until all 10,000 are back, and
// how fast the server takes the heartbeats they buffered meanwhile (target ≥ 10,000 a second,
// read from cunzhang_device_messages_total{kind="hb"} of /metrics every 500 ms).
//
// Processes: the server in a child (so /proc/<pid>/status VmRSS is its own), the fleet (light
// @cunzhang/device Fleet, heartbeat every 5 s) in another, this one only watches. The devices are
// entered beforehand by a first server process in bulk (device-world.ts bulkDevices: the
// registry's createDeviceInTx, 500 per transaction, each audited), which then stops: the measured
// server starts fresh on the same data directory.
//
// The restart: on the embedded broker the broker lives in the server, so the server process is
// stopped (SIGTERM, graceful) and started again on the same data directory and ports after ~15 s;
// on Mosquitto the mosquitto process is stopped and started again, the server staying up. The
// devices buffer their heartbeats meanwhile and reconnect on their own (every ~5 s, jittered).
//
// Run: npx tsx bench/device-fleet.bench.ts   (BENCH_FLEET_DEVICES, BENCH_FLEET_BROKERS=embedded,mosquitto)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchEnv, Child, deviceCounters, freePort, loadNote, mergeResults, round, rssOf, sleep, startMosquitto, type Figure } from './device-support.js';

const N = Number(process.env.BENCH_FLEET_DEVICES ?? 10_000);
// The shortest period the protocol allows (hello.hb_s ≥ 5): a hello announcing less is refused as malformed.
const HB_S = 5;
const DOWN_MS = 15_000;
/** New connections a second at the start (a hello each, SM2-verified by the server: ~3 ms apiece). */
const CONNECT_RATE = 300;
/** How long after the broker is back the bench waits for the backlog to be taken (and how often it reads /metrics: a scrape walks 10,000 sockets). */
const DRAIN_MS = 60_000;
const POLL_MS = 500;
const CONNECT_WAIT_MS = 100_000;
const BROKERS = (process.env.BENCH_FLEET_BROKERS ?? 'embedded,mosquitto').split(',');

interface FleetStats { connected: number; heartbeats: number; events: number; acked: number; sent: number; errors: number; connects: number; lastError: string | null; rssMb: number }

interface Outcome {
  connectS: number; serverRssMb: number; serverPeakMb: number; fleetRssMb: number;
  reconnectS: number; drainS: number; meanRate: number; peakRate: number; taken: number; made: number;
}

async function startServerChild(env: Record<string, string>): Promise<{ child: Child; httpUrl: string }> {
  const child = new Child('server', env, process.env.BENCH_SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROF}`] : []);
  const ready = await child.ready;
  return { child, httpUrl: ready.httpUrl as string };
}

async function runOnce(broker: string): Promise<Outcome> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cz-bench-fleet-'));
  const mosquitto = broker === 'mosquitto' ? await startMosquitto() : null;
  const mqttPort = await freePort();
  const env = benchEnv(dataDir, { CUNZHANG_PORT: String(await freePort()), CUNZHANG_MQTT_PORT: String(mqttPort), CUNZHANG_MQTT_URL: mosquitto?.url });
  const mqttUrl = mosquitto?.url ?? `mqtt://127.0.0.1:${mqttPort}`;
  const file = path.join(dataDir, 'bundles.jsonl');
  const fleet = new Child('fleet');
  let server: { child: Child; httpUrl: string } | null = null;
  try {
    let t = performance.now();
    const first = await startServerChild(env);
    await first.child.call('seed');
    await first.child.call('bulk', { n: N, file, mqttUrl });
    await first.child.call('close');
    await first.child.exited;
    console.log(`  ${N} devices entered in ${((performance.now() - t) / 1000).toFixed(1)} s (seed + bulk, one server process, stopped since)`);

    server = await startServerChild(env);
    await fleet.ready;
    t = performance.now();
    await fleet.call('start', { file, hbS: HB_S, connectRate: CONNECT_RATE, reconnectMs: 5000 });
    // The 2 cores may not make it: then the rest runs with the devices that did connect, and says so.
    const missing = await fleet.call('waitConnected', { timeoutMs: CONNECT_WAIT_MS }).then(() => null, (e: Error) => e.message);
    const connectS = (performance.now() - t) / 1000;
    if (missing) console.log(`  NOT all connected: ${missing}`);
    // Steady state: a few heartbeat periods with everyone connected, memory sampled throughout.
    let rss = rssOf(server.child.pid);
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      const r = rssOf(server.child.pid);
      if (r.rssMb > rss.rssMb) rss = r;
    }
    const memory = await server.child.call<Record<string, number>>('memory');
    const before = await fleet.call<FleetStats>('stats');
    const countsBefore = await deviceCounters(server.httpUrl);
    console.log(`  ${before.connected} of ${N} connected after ${connectS.toFixed(1)} s; server RSS ${rss.rssMb} MB (peak so far ${rss.peakMb} MB; now ${JSON.stringify(memory)} MB), fleet RSS ${before.rssMb} MB; ${loadNote()}`);

    // The restart. processed(t): heartbeats the server took since `before`; made(t): heartbeats the fleet made since.
    const base = countsBefore['hb/ok'] ?? 0;
    const down = performance.now();
    let carried = 0;
    if (mosquitto) {
      await mosquitto.stop();
      await sleep(DOWN_MS - (performance.now() - down));
      await mosquitto.start();
    } else {
      carried = ((await deviceCounters(server.httpUrl))['hb/ok'] ?? 0) - base;
      await server.child.kill('SIGTERM');
      await sleep(DOWN_MS - (performance.now() - down));
      server = await startServerChild(env);
    }
    const up = performance.now();
    const samples: { t: number; processed: number; made: number; hello: number }[] = [];
    let allBack = 0;
    let drained = 0;
    while (performance.now() < up + DRAIN_MS) {
      const [c, f] = await Promise.all([deviceCounters(server.httpUrl), fleet.call<FleetStats>('stats')]);
      const x = {
        t: (performance.now() - up) / 1000, processed: mosquitto ? (c['hb/ok'] ?? 0) - base : carried + (c['hb/ok'] ?? 0),
        made: f.heartbeats - before.heartbeats, hello: (c['ev/ok'] ?? 0) - (mosquitto ? countsBefore['ev/ok'] ?? 0 : 0),
      };
      samples.push(x);
      if (!allBack && f.connected >= before.connected) allBack = x.t;
      // Taken: no more waiting than one heartbeat period's worth (in flight), or nothing moved for 5 s.
      const stalled = samples.length > 10 && samples[samples.length - 11]!.processed === x.processed;
      if (allBack && (x.made - x.processed <= before.connected / HB_S || stalled)) { drained = stalled ? 0 : x.t; break; }
      await sleep(POLL_MS);
    }
    const last = samples[samples.length - 1]!;
    const firstMoved = samples.find((x) => x.processed > samples[0]!.processed) ?? samples[0]!;
    // Peak: the best rate over any span of at least one second between two readings.
    let peakRate = 0;
    for (let i = 0, j = -1; i < samples.length; i++) {
      while (j + 1 < i && samples[i]!.t - samples[j + 1]!.t >= 1) j++;
      if (j >= 0) peakRate = Math.max(peakRate, (samples[i]!.processed - samples[j]!.processed) / (samples[i]!.t - samples[j]!.t));
    }
    const meanRate = (last.processed - firstMoved.processed) / Math.max(0.25, last.t - firstMoved.t);
    const after = await fleet.call<FleetStats>('stats');
    const series = samples.filter((_, i) => i % 2 === 0).map((x, k, a) => (k ? `${x.t.toFixed(0)}s:${Math.round((x.processed - a[k - 1]!.processed) / (x.t - a[k - 1]!.t))}` : '')).filter(Boolean);
    console.log(`  broker down ${DOWN_MS / 1000} s; once back: ${allBack ? `all ${before.connected} reconnected after ${allBack.toFixed(1)} s` : `only ${after.connected} of ${before.connected} reconnected within ${DRAIN_MS / 1000} s`}, backlog taken ${drained ? `after ${drained.toFixed(1)} s` : 'NOT (stalled or timed out)'}`);
    console.log(`  heartbeats taken since the restart began ${last.processed} of ${last.made} made (${last.made - last.processed} not taken), ${last.hello} hello events; `
      + `mean ${Math.round(meanRate)}/s from the first to the last, peak ${Math.round(peakRate)}/s over 1 s; fleet errors ${after.errors}${after.lastError ? ` (last: ${after.lastError})` : ''}`);
    console.log(`  heartbeats/s: ${series.join(' ')}`);
    console.log(`  server RSS now ${rssOf(server.child.pid).rssMb} MB; ${loadNote()}`);
    return { connectS, serverRssMb: rss.rssMb, serverPeakMb: rss.peakMb, fleetRssMb: before.rssMb, reconnectS: allBack || DRAIN_MS / 1000, drainS: drained, meanRate, peakRate, taken: last.processed, made: last.made };
  } finally {
    await fleet.call('stop').catch(() => undefined);
    await fleet.kill();
    await server?.child.kill();
    await mosquitto?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`device fleet: ${N} devices, heartbeat every ${HB_S} s, broker down ${DOWN_MS / 1000} s; ${loadNote()}`);
const figures: Record<string, Figure> = {};
let failed = false;
for (const broker of BROKERS) {
  console.log(`${broker}:`);
  const o = await runOnce(broker);
  figures[`device_fleet_server_rss_${broker}`] = { value: o.serverRssMb, unit: 'MB', baseline: 512, ratio: round(o.serverRssMb / 512, 2) };
  figures[`device_fleet_hb_rate_after_restart_${broker}`] = { value: round(o.meanRate, 0), unit: 'heartbeats/s', baseline: 10_000, ratio: round(o.meanRate / 10_000, 2) };
  figures[`device_fleet_reconnect_${broker}`] = { value: round(o.reconnectS, 1), unit: 's', baseline: DOWN_MS / 1000, ratio: round(o.reconnectS / (DOWN_MS / 1000), 2) };
  if (o.serverRssMb > 512 || o.meanRate < 10_000) failed = true;
}
mergeResults(figures);
if (failed) process.exitCode = 1;
