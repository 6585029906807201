import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { ConfigError, type Config } from './config.js';
import { seedDemo } from './demo/seed.js';
import { buildApp } from './http/app.js';
import { LiveHub } from './http/live.js';
import { startSweeper } from './sweeper.js';
import { createMetrics } from './http/metrics.js';
import { connectExternalBroker, startEmbeddedBroker, type Broker } from './mqtt/broker.js';
import { openRuntime, type Runtime } from './runtime.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../../..');
export const HESHAN_CSV = path.join(REPO_ROOT, 'divisions', 'heshan-villages.csv');
export const WEB_ROOT = path.join(REPO_ROOT, 'packages', 'web', 'dist');

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  broker: Broker;
  url: string;
  seeded: boolean;
  close(): Promise<void>;
}

/** Starts the whole product: storage, broker, HTTP. Any ConfigError names the variable to fix. */
export async function startServer(config: Readonly<Config>, opts: { logger?: boolean | object; webRoot?: string | null } = {}): Promise<RunningServer> {
  const runtime = await openRuntime(config);
  let broker: Broker | null = null;
  try {
    const log = opts.logger === false ? () => undefined : (m: string) => pino({ level: config.logLevel }).info(m);
    // The broker first: a port already taken stops start-up before anything is written.
    broker = config.mqttUrl ? await connectExternalBroker(config.mqttUrl) : await startEmbeddedBroker({ port: config.mqttPort, host: config.host });
    const seeded = config.demo ? await seedDemo(runtime.deps, { csvPath: HESHAN_CSV, log }) : false;
    const b = broker;
    const metrics = createMetrics({ dbUp: () => runtime.database.ping(), brokerUp: () => b.connected() });
    const live = new LiveHub();
    const app = await buildApp({ config, deps: runtime.deps, blobs: runtime.blobs, database: runtime.database, broker, metrics, live, webRoot: opts.webRoot === undefined ? WEB_ROOT : opts.webRoot }, { logger: opts.logger ?? { level: config.logLevel } });
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (e) {
      await app.close();
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new ConfigError('CUNZHANG_PORT', `port ${config.port} is already in use; stop the other program or set CUNZHANG_PORT to a free port`);
      if (code === 'EACCES') throw new ConfigError('CUNZHANG_PORT', `no permission to listen on port ${config.port}; use a port above 1024`);
      throw e;
    }
    const stopSweeper = startSweeper({ deps: runtime.deps, live, metrics, config }, (msg, err) => (err ? app.log.error({ err }, msg) : app.log.info(msg)));
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const url = `${config.tls ? 'https' : 'http'}://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    return {
      app, runtime, broker, url, seeded,
      close: async () => {
        stopSweeper();
        await app.close();
        await b.close();
        await runtime.close();
      },
    };
  } catch (e) {
    await broker?.close().catch(() => undefined);
    await runtime.close().catch(() => undefined);
    throw e;
  }
}
