/**
 * The child processes of the device benchmarks (see device-support.ts `Child`), one role each,
 * so that what is measured has its own process: its own event loop and its own resident memory.
 *
 *   server   the whole product (startServer, settings from CUNZHANG_* of the environment);
 *            seed / bulk provisioning on request; a graceful close on `close` or SIGTERM
 *   fleet    light emulated devices (@cunzhang/device Fleet) from a JSONL file of bundles, and
 *            an echo device (a bare MQTT client) for the raw round trip
 *   publish  bare MQTT clients logged in as devices, publishing pre-signed events on `go`
 */
import { Fleet } from '@cunzhang/device';
import { downTopic, upTopic, type ProvisioningBundle } from '@cunzhang/protocol';
import { loadConfig, startServer, type RunningServer } from '@cunzhang/server';
import mqtt from 'mqtt';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { writeHeapSnapshot } from 'node:v8';
import { bulkDevices, seedWorld, type World } from './device-world.js';

type Handler = (args: Record<string, unknown>) => Promise<unknown>;

function serve(handlers: Record<string, Handler>): void {
  process.on('message', (m: { id: number; cmd: string; args: Record<string, unknown> }) => {
    const h = handlers[m.cmd];
    if (!h) return process.send!({ id: m.id, ok: false, error: `unknown command ${m.cmd}` });
    h(m.args).then(
      (result) => process.send!({ id: m.id, ok: true, result }),
      (e: unknown) => process.send!({ id: m.id, ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }),
    );
  });
  // The parent going away takes the child with it.
  process.on('disconnect', () => process.exit(0));
}

const emit = (event: string, data: unknown): void => { process.send?.({ event, data }); };

/**
 * BENCH_NODELAY=1: every MQTT connection of this process sends small packets at once (TCP_NODELAY),
 * as embedded MQTT stacks usually do. mqtt.js leaves Nagle on: a device answering a command with
 * PUBACK and then its ack event has the second packet held until the broker's delayed ACK (~40 ms).
 */
if (process.env.BENCH_NODELAY === '1') {
  const plain = net.createConnection.bind(net) as (...a: unknown[]) => net.Socket;
  (net as { createConnection: unknown }).createConnection = (...a: unknown[]) => plain(...a).setNoDelay(true);
}

async function serverRole(): Promise<void> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CUNZHANG_') && !k.startsWith('CUNZHANG_TEST_'))) as Record<string, string>;
  const server: RunningServer = await startServer(loadConfig(env), { logger: false, webRoot: null });
  let world: World | null = null;
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= server.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => void close());
  serve({
    seed: async () => {
      world = await seedWorld(server.runtime.deps);
      return world.villages.length;
    },
    bulk: async (a) => {
      const bundles = await bulkDevices(server.runtime.deps, world!, a.n as number, { mqttUrl: a.mqttUrl as string, httpBase: server.url });
      writeFileSync(a.file as string, bundles.map((b) => JSON.stringify(b)).join('\n'));
      return bundles.length;
    },
    clients: async () => server.broker.clientCount(),
    // A heap snapshot of the server (to see what its memory holds), written to `file`.
    heapSnapshot: async (a) => writeHeapSnapshot(a.file as string),
    memory: async () => {
      const m = process.memoryUsage();
      const mb = (n: number) => Math.round(n / 1048576);
      return { rss: mb(m.rss), heapUsed: mb(m.heapUsed), heapTotal: mb(m.heapTotal), external: mb(m.external), arrayBuffers: mb(m.arrayBuffers) };
    },
    close: async () => {
      setImmediate(() => void close());
      return true;
    },
  });
  emit('ready', { httpUrl: server.url, mqttPort: server.broker.port, pid: process.pid });
}

async function fleetRole(): Promise<void> {
  let fleet: Fleet | null = null;
  let echo: mqtt.MqttClient | null = null;
  serve({
    start: async (a) => {
      const url = a.mqttUrl as string | undefined;
      const bundles = readFileSync(a.file as string, 'utf8').trim().split('\n').slice(a.from as number ?? 0, a.to as number | undefined)
        .map((l) => JSON.parse(l) as ProvisioningBundle).map((b) => (url ? { ...b, mqtt: { ...b.mqtt, url } } : b));
      fleet = new Fleet(bundles, {
        hbS: a.hbS as number, jitterMs: a.jitterMs as number | undefined, firstBeatWithinMs: a.firstBeatWithinMs as number | undefined,
        reconnectMs: a.reconnectMs as number | undefined, connectRate: a.connectRate as number | undefined,
      });
      await fleet.start();
      return bundles.length;
    },
    waitConnected: async (a) => {
      await fleet!.allConnected(a.timeoutMs as number);
      return fleet!.counters();
    },
    stats: async () => ({ ...fleet!.counters(), lastError: fleet!.lastError, rssMb: Math.round(process.memoryUsage().rss / 1048576) }),
    // A bare client logged in as a device: whatever comes down, an ack-sized reply goes up at once (QoS 1).
    echo: async (a) => {
      const b = a.bundle as ProvisioningBundle;
      const reply = Buffer.alloc(a.replyBytes as number, 'x');
      echo = await mqtt.connectAsync(a.mqttUrl as string, { clientId: b.dev, username: b.dev, password: b.mqtt.password, protocolVersion: 4, clean: false, keepalive: 60, reconnectPeriod: 0 });
      await echo.subscribeAsync(downTopic(b.dev), { qos: 1 });
      echo.on('message', () => echo!.publish(upTopic(b.dev, 'ev'), reply, { qos: 1 }));
      return true;
    },
    stop: async () => {
      await echo?.endAsync();
      await fleet?.stop();
      return true;
    },
  });
  emit('ready', { pid: process.pid });
}

async function publishRole(): Promise<void> {
  const clients = new Map<string, mqtt.MqttClient>();
  let payloads: Record<string, string[]> = {};
  serve({
    connect: async (a) => {
      const list = a.devices as { dev: string; password: string }[];
      await Promise.all(list.map(async ({ dev, password }) => {
        clients.set(dev, await mqtt.connectAsync(a.mqttUrl as string, { clientId: dev, username: dev, password, protocolVersion: 4, clean: false, keepalive: 60, reconnectPeriod: 0 }));
      }));
      return clients.size;
    },
    load: async (a) => {
      payloads = JSON.parse(readFileSync(a.file as string, 'utf8')) as Record<string, string[]>;
      return Object.values(payloads).reduce((n, p) => n + p.length, 0);
    },
    // Every device publishes all its events at once, in sequence order (QoS 1, pipelined);
    // answers when the broker acknowledged the last one (after commit, on the embedded broker).
    go: async () => {
      const t0 = performance.now();
      await Promise.all([...clients].map(([dev, c]) => Promise.all((payloads[dev] ?? []).map((p) => c.publishAsync(upTopic(dev, 'ev'), p, { qos: 1 })))));
      return performance.now() - t0;
    },
    close: async () => {
      await Promise.all([...clients.values()].map((c) => c.endAsync()));
      return true;
    },
  });
  emit('ready', { pid: process.pid });
}

const role = process.argv[2];
const roles: Record<string, () => Promise<void>> = { server: serverRole, fleet: fleetRole, publish: publishRole };
if (!roles[role ?? '']) throw new Error(`unknown role ${role}`);
await roles[role!]!();
