import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { ConfigError, type Config } from './config.js';
import { seedDemo } from './demo/seed.js';
import { AlarmWebhooks } from './alarm-webhooks.js';
import { VirtualDevices } from './demo/virtual-devices.js';
import { buildApp } from './http/app.js';
import { LiveHub } from './http/live.js';
import { startSweeper } from './sweeper.js';
import { createMetrics } from './http/metrics.js';
import type { Broker } from './mqtt/broker.js';
import { startBroker, startDeviceLink, type DeviceLink } from './mqtt/device-link.js';
import type { Metrics } from './http/metrics.js';
import { openRuntime, type Runtime } from './runtime.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../../..');
export const HESHAN_CSV = path.join(REPO_ROOT, 'divisions', 'heshan-villages.csv');
export const WEB_ROOT = path.join(REPO_ROOT, 'packages', 'web', 'dist');

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  broker: Broker;
  devices: DeviceLink;
  url: string;
  seeded: boolean;
  close(): Promise<void>;
}

/** Starts the whole product: storage, broker, HTTP. Any ConfigError names the variable to fix. */
export async function startServer(config: Readonly<Config>, opts: { logger?: boolean | object; webRoot?: string | null } = {}): Promise<RunningServer> {
  const runtime = await openRuntime(config);
  let broker: Broker | null = null;
  let directory: { close(): Promise<void> } | null = null;
  try {
    const log = opts.logger === false ? () => undefined : (m: string) => pino({ level: config.logLevel }).info(m);
    // The broker first: a port already taken stops start-up before anything is written.
    const metricsRef: { current: Metrics | null } = { current: null };
    const deviceLog = pino({ level: config.logLevel });
    const parts = await startBroker(config, runtime.deps, metricsRef, (m) => deviceLog.warn(m));
    broker = parts.broker;
    directory = parts.directory;
    const seeded = config.demo ? await seedDemo(runtime.deps, { csvPath: HESHAN_CSV, log }) : false;
    const b = broker;
    const metrics = createMetrics({ dbUp: () => runtime.database.ping(), brokerUp: () => b.connected(), devicesConnected: () => b.clientCount() });
    metricsRef.current = metrics;
    const live = new LiveHub();
    const webhooks = config.alarmWebhooks.length
      ? new AlarmWebhooks({ targets: config.alarmWebhooks, deps: runtime.deps, publicUrl: config.publicUrl, timeZone: config.tz, onOutcome: (o) => metrics.webhooks.inc({ kind: o.kind, outcome: o.ok ? 'delivered' : 'failed' }) })
      : null;
    const devices = await startDeviceLink({ deps: runtime.deps, live, metrics, config }, parts, webhooks, (msg, err) => (err ? deviceLog.error({ err }, msg) : deviceLog.info(msg)));
    const virtual = config.demo && config.virtualDevices
      ? new VirtualDevices({ deps: runtime.deps, blobs: runtime.blobs, dataDir: config.dataDir, log: (m, err) => (err ? pino({ level: config.logLevel }).warn({ err }, m) : pino({ level: config.logLevel }).info(m)) })
      : null;
    const app = await buildApp({ config, deps: runtime.deps, blobs: runtime.blobs, database: runtime.database, broker, metrics, live, virtual, announcer: devices.announcer, webRoot: opts.webRoot === undefined ? WEB_ROOT : opts.webRoot }, { logger: opts.logger ?? { level: config.logLevel } });
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (e) {
      await app.close();
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new ConfigError('CUNZHANG_PORT', `port ${config.port} is already in use; stop the other program or set CUNZHANG_PORT to a free port`);
      if (code === 'EACCES') throw new ConfigError('CUNZHANG_PORT', `no permission to listen on port ${config.port}; use a port above 1024`);
      throw e;
    }
    if (virtual) {
      const addr0 = app.server.address();
      const httpPort = typeof addr0 === 'object' && addr0 ? addr0.port : config.port;
      // The platform's own broker log-in stays out of the devices' bundles.
      const endpoints = { mqttUrl: config.mqttUrl?.replace(/\/\/[^@/]*@/, '//') ?? `mqtt://127.0.0.1:${b.port ?? config.mqttPort}`, httpBase: `http${config.tls ? 's' : ''}://127.0.0.1:${httpPort}` };
      await virtual.ensureProvisioned(endpoints);
      await virtual.start(endpoints);
    }
    const stopSweeper = startSweeper({ deps: runtime.deps, live, metrics, config, announcer: devices.announcer }, (msg, err) => (err ? app.log.error({ err }, msg) : app.log.info(msg)));
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const url = `${config.tls ? 'https' : 'http'}://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    return {
      app, runtime, broker, devices, url, seeded,
      close: async () => {
        stopSweeper();
        await virtual?.stop();
        await app.close();
        await devices.close();
        await b.close();
        // Messages that came in while the broker was closing; their signatures are checked by
        // the directory's threads, which go last, before the database.
        await devices.gateway.drain();
        await parts.directory.close();
        await runtime.close();
      },
    };
  } catch (e) {
    await broker?.close().catch(() => undefined);
    await directory?.close().catch(() => undefined);
    await runtime.close().catch(() => undefined);
    throw e;
  }
}
