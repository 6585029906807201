import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BundleError, bundleFromJson, bundlesFromJsonl } from './bundle.js';
import { pagesDirSource } from './camera.js';
import { interpret, SESSION_HELP, watch } from './cli-run.js';
import { EmulatedDevice } from './device.js';
import { Fleet } from './fleet.js';

export const HELP = `cunzhang-device — emulated smart-seal device (device protocol v1)

  cunzhang-device run --bundle BUNDLE.json [--state-dir DIR] [--pages-dir DIR] [--verbose]
      one device; type commands on standard input (help lists them). The device's memory
      (sequence counter, offline buffer, photos waiting for upload) is kept in DIR
      (default ./.cunzhang-device/<device id>). --pages-dir holds approved page images named by
      their SM3 (<sm3>.jpg, or a blob-store tree ab/cd/<sm3>); without it pages are synthesized.
      End of input leaves the device running; Ctrl-C or "quit" disconnects it.

  cunzhang-device fleet --bundles BUNDLES.jsonl [--heartbeat S] [--jitter S] [--reconnect S]
                        [--rate N] [--seq-file FILE] [--report S]
      N light devices in one process (one bundle per line): heartbeat every S seconds
      (default 60), up to --jitter seconds late, reconnect after about --reconnect seconds,
      --rate new connections per second (default 500); counters every --report seconds.

${SESSION_HELP.replace(/^/gm, '  ')}`;

export class UsageError extends Error {}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Lines typed by the operator (stdin). */
  lines: AsyncIterable<string>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  interrupted: Promise<void>;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the ${what} ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

const seconds = (v: unknown, name: string, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`--${name} must be a number from ${min} to ${max}`);
  return n;
};

async function runCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { bundle: { type: 'string' }, 'state-dir': { type: 'string' }, 'pages-dir': { type: 'string' }, verbose: { type: 'boolean', default: false } }, strict: true });
  if (!values.bundle) throw new UsageError('give --bundle BUNDLE.json');
  const bundle = bundleFromJson(await readText(values.bundle, 'bundle file'), values.bundle);
  const device = new EmulatedDevice({
    bundle,
    stateDir: values['state-dir'] ?? path.join('.cunzhang-device', bundle.dev),
    pages: values['pages-dir'] ? pagesDirSource(values['pages-dir']) : null,
  });
  watch(device, io.out, values.verbose);
  io.out(`device ${bundle.dev}: connecting to ${bundle.mqtt.url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')} …`);
  try {
    await device.start();
  } catch (e) {
    await device.stop();
    throw e;
  }
  io.out(`state ${device.status().state}, seq ${device.status().seq}; type help for commands`);
  let quit = false;
  const session = (async () => {
    for await (const line of io.lines) {
      let reply: string | null;
      try {
        reply = await interpret(device, line);
      } catch (e) {
        reply = `error: ${(e as Error).message}`;
      }
      if (reply === null) {
        quit = true;
        return;
      }
      if (reply) io.out(reply);
    }
  })();
  await Promise.race([session.then(() => (quit ? undefined : io.interrupted)), io.interrupted]);
  await device.stop();
  io.out('disconnected');
  return 0;
}

async function fleetCommand(args: string[], io: Io): Promise<number> {
  const options: ParseArgsConfig['options'] = { bundles: { type: 'string' }, heartbeat: { type: 'string' }, jitter: { type: 'string' }, reconnect: { type: 'string' }, rate: { type: 'string' }, 'seq-file': { type: 'string' }, report: { type: 'string' } };
  const { values } = parseArgs({ args, options, strict: true });
  if (typeof values.bundles !== 'string') throw new UsageError('give --bundles BUNDLES.jsonl');
  const bundles = bundlesFromJsonl(await readText(values.bundles, 'bundles file'), values.bundles);
  if (bundles.length === 0) throw new UsageError(`${values.bundles} holds no bundle`);
  const hbS = seconds(values.heartbeat, 'heartbeat', 5, 3600) ?? 60;
  const jitter = seconds(values.jitter, 'jitter', 0, 3600);
  const reconnect = seconds(values.reconnect, 'reconnect', 0.1, 3600);
  const report = seconds(values.report, 'report', 1, 86_400) ?? 10;
  const fleet = new Fleet(bundles, {
    hbS,
    ...(jitter !== undefined ? { jitterMs: jitter * 1000 } : {}),
    ...(reconnect !== undefined ? { reconnectMs: reconnect * 1000 } : {}),
    connectRate: seconds(values.rate, 'rate', 1, 100_000) ?? 500,
    seqFile: typeof values['seq-file'] === 'string' ? values['seq-file'] : null,
  });
  const line = () => {
    const c = fleet.counters();
    const mb = Math.round(process.memoryUsage().rss / 1e6);
    return `connected ${c.connected}/${c.devices}  sent ${c.sent}  acked ${c.acked}  heartbeats ${c.heartbeats}  events ${c.events}  commands ${c.commands}  reconnects ${Math.max(0, c.connects - c.connected)}  rss ${mb} MB`;
  };
  io.out(`fleet of ${bundles.length} devices, heartbeat ${hbS} s`);
  const started = Date.now();
  await fleet.start();
  const timer = setInterval(() => io.out(line()), report * 1000);
  // Nobody got through: say why and stop, rather than retry silently forever. A refused
  // password will not fix itself; an unreachable broker gets 15 s.
  const failure = new Promise<string | null>((resolve) => {
    const probe = setInterval(() => {
      if (fleet.counters().connects > 0) return clearInterval(probe);
      const e = fleet.lastError;
      if (e && (e.includes('refused') || Date.now() - started > 15_000)) {
        clearInterval(probe);
        resolve(e);
      }
    }, 200);
    void io.interrupted.then(() => clearInterval(probe));
  });
  const failed = await Promise.race([io.interrupted.then(() => null), failure]);
  clearInterval(timer);
  await fleet.stop();
  if (failed) {
    io.err(`no device connected: ${failed}`);
    return 1;
  }
  io.out(line());
  return 0;
}

/** Runs the command line; returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest, io);
      case 'fleet':
        return await fleetCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; run cunzhang-device --help`);
    }
  } catch (e) {
    const usage = e instanceof UsageError || e instanceof BundleError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.err(`cunzhang-device ${command ?? ''}: ${e instanceof Error ? e.message : String(e)}`);
    return usage ? 2 : 1;
  }
}

/** Standard input as lines, and SIGINT/SIGTERM as a promise. */
export function processIo(): Io {
  const rl = createInterface({ input: process.stdin, terminal: false });
  // Created now, so lines typed while the device is still connecting are kept, not lost.
  const iterator = rl[Symbol.asyncIterator]();
  const lines: AsyncIterable<string> = { [Symbol.asyncIterator]: () => iterator };
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  return { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`), lines, interrupted };
}
