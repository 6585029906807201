/**
 * Shared by the device benchmarks (device-ingest, device-fleet, device-lock): results file,
 * machine load, free ports, a throw-away Mosquitto and PostgreSQL database, the server in this
 * process or in a child, /metrics counters and small statistics. The world the benches need
 * (villages, seals, people, devices, approved applications) is made in device-world.ts; the
 * child processes (server, fleet, publishers) are in device-child.ts.
 */
import { loadConfig, startServer, type RunningServer } from '@cunzhang/server';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const RESULTS = path.join(BENCH_DIR, 'results.json');
export const PG_ADMIN_URL = process.env.CUNZHANG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface Figure { value: number; unit: string; baseline: number; ratio: number }

/** Merges figures into bench/results.json (read just before writing: other benches write it too). BENCH_DRY=1: print only. */
export function mergeResults(entries: Record<string, Figure>): void {
  if (process.env.BENCH_DRY === '1') {
    console.log(`BENCH_DRY: not written: ${JSON.stringify(entries)}`);
    return;
  }
  const current: Record<string, unknown> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
  Object.assign(current, entries);
  writeFileSync(RESULTS, `${JSON.stringify(current, null, 2)}\n`);
  console.log(`written to ${RESULTS}: ${Object.keys(entries).join(', ')}`);
}

/** Cores and load: other benches and tests may share this machine; every figure says how busy it was. */
export const loadNote = (): string => `${availableParallelism()} cores, load ${loadavg().map((l) => l.toFixed(1)).join('/')}`;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const round = (n: number, digits = 1): number => Number(n.toFixed(digits));
/** Nearest-rank percentile of an ascending array. */
export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

export async function waitFor<T>(what: string, probe: () => Promise<T> | T, ms: number, every = 20): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const portOpen = (port: number): Promise<boolean> => new Promise((resolve) => {
  const c = connect(port, '127.0.0.1');
  c.once('connect', () => { c.destroy(); resolve(true); });
  c.once('error', () => resolve(false));
});

/** Resident memory of a process in MB (VmRSS), and its peak (VmHWM). */
export function rssOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rssMb: round(kb('VmRSS') / 1024), peakMb: round(kb('VmHWM') / 1024) };
}

export interface Mosquitto {
  url: string;
  port: number;
  pid(): number;
  /** Stops the process (to start it again: a broker restart). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its configuration. */
  close(): Promise<void>;
}

/**
 * Our own Mosquitto on a free port (the machine's own one on 1883 may be serving tests): the
 * settings of docs/mosquitto/cunzhang.conf that shape throughput (packet size, QoS, queues),
 * but anonymous log-in (no password file to keep in step) and no persistence. `queued` is the
 * per-client queue bound: 0 (none) unless given. `noDelay` (default on; BENCH_MOSQUITTO_NODELAY=0
 * turns it off) sets set_tcp_nodelay: with Mosquitto's default (off) a small packet written while
 * the previous one is unacknowledged waits for the peer's delayed ACK, ~40 ms per hop.
 */
export async function startMosquitto(opts: { queued?: number; noDelay?: boolean } = {}): Promise<Mosquitto> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'cz-bench-mosq-'));
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_packet_size 20480', 'retain_available false', 'max_qos 1',
    `max_queued_messages ${opts.queued ?? 0}`, `set_tcp_nodelay ${opts.noDelay ?? process.env.BENCH_MOSQUITTO_NODELAY !== '0'}`, 'log_type error', 'log_dest stderr', '',
  ].join('\n'));
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitFor(`mosquitto on ${port}`, () => portOpen(port), 10_000, 50);
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((r) => { p.once('exit', () => r()); p.kill('SIGTERM'); });
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`, port, pid: () => proc!.pid!, start, stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh PostgreSQL database (dropped by `drop`), or null when the server does not answer. */
export async function freshPostgres(): Promise<{ url: string; drop(): Promise<void> } | null> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    return null;
  }
  const name = `cz_bench_${process.pid}_${Date.now().toString(36)}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** The server's settings for a bench: quiet, no demo data or in-server devices, 1000 impressions per application. */
export const benchEnv = (dataDir: string, extra: Record<string, string | undefined> = {}): Record<string, string> => Object.fromEntries(Object.entries({
  CUNZHANG_DATA_DIR: dataDir, CUNZHANG_HOST: '127.0.0.1', CUNZHANG_PORT: '0', CUNZHANG_MQTT_PORT: '0', CUNZHANG_LOG_LEVEL: 'silent',
  CUNZHANG_DEMO: 'false', CUNZHANG_VIRTUAL_DEVICES: 'false', CUNZHANG_MAX_IMPRESSIONS: '1000',
  // The signature threads under test, when given (e.g. CUNZHANG_VERIFY_THREADS=2 npm run bench device).
  CUNZHANG_VERIFY_THREADS: process.env.CUNZHANG_VERIFY_THREADS, ...extra,
}).filter((e): e is [string, string] => e[1] !== undefined));

export interface BenchServer {
  server: RunningServer;
  dataDir: string;
  /** Where devices connect: the embedded broker's port or the external broker. */
  mqttUrl: string;
  dbUrl: string | null;
  close(): Promise<void>;
}

/** The whole product in this process, on SQLite in a temporary directory or on a fresh PostgreSQL database. */
export async function startBenchServer(opts: { postgres?: boolean; mqttUrl?: string; env?: Record<string, string> } = {}): Promise<BenchServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cz-bench-dev-'));
  const db = opts.postgres ? await freshPostgres() : null;
  if (opts.postgres && !db) throw new Error(`PostgreSQL does not answer at ${PG_ADMIN_URL}`);
  const server = await startServer(loadConfig(benchEnv(dataDir, { CUNZHANG_DATABASE_URL: db?.url, CUNZHANG_MQTT_URL: opts.mqttUrl, ...opts.env })), { logger: false, webRoot: null });
  return {
    server, dataDir, dbUrl: db?.url ?? null,
    mqttUrl: opts.mqttUrl ?? `mqtt://127.0.0.1:${server.broker.port}`,
    close: async () => {
      await server.close().catch((e: unknown) => console.error('server close failed', e));
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The device message counters of /metrics as `kind/result` → count. */
export async function deviceCounters(httpUrl: string): Promise<Record<string, number>> {
  const body = await (await fetch(`${httpUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of body.matchAll(/^cunzhang_device_messages_total\{kind="([^"]*)",result="([^"]*)"\} (\d+)/gm)) out[`${m[1]}/${m[2]}`] = Number(m[3]);
  return out;
}

/** A child process of device-child.ts playing `role`, with request/answer messages over IPC. */
export class Child {
  readonly proc: ChildProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(event: string, data: unknown) => void>();
  readonly exited: Promise<number | null>;
  /** What the child said when it was ready (the server child: its HTTP address and broker port). */
  readonly ready: Promise<Record<string, unknown>>;

  constructor(role: string, env: Record<string, string> = {}, execArgv: string[] = []) {
    this.proc = fork(path.join(BENCH_DIR, 'device-child.ts'), [role], {
      execArgv: ['--import', 'tsx', ...execArgv], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      const off = this.on((event, data) => { if (event === 'ready') { off(); resolve(data as Record<string, unknown>); } });
      this.proc.once('exit', (code) => reject(new Error(`child ${role} exited (${code}) before it was ready`)));
    });
    this.proc.on('message', (m: { id?: number; ok?: boolean; result?: unknown; error?: string; event?: string; data?: unknown }) => {
      if (m.event) for (const l of this.listeners) l(m.event, m.data);
      if (m.id === undefined) return;
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.ok) w?.resolve(m.result);
      else w?.reject(new Error(m.error));
    });
    this.exited = new Promise((r) => this.proc.once('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`child ${role} exited (${code})`));
      r(code);
    }));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  call<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, cmd, args });
    });
  }

  on(fn: (event: string, data: unknown) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    await this.exited;
  }
}
