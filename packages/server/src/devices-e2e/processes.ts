/**
 * Real processes for the fault suites (not a test file itself): a Mosquitto broker of our own on
 * a free port (anonymous, no persistence) that can be killed and started again on the same
 * port, and the cunzhang server in a child process (`node --import tsx …/main.ts`) that can be
 * SIGKILLed mid-work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../server.js';

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

async function until(what: string, probe: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const exited = (p: ChildProcess): Promise<void> =>
  p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((resolve) => p.once('exit', () => resolve()));

export interface Mosquitto {
  port: number;
  url: string;
  /** Ends the broker (SIGKILL by default: a crash, nothing saved) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Mosquitto 2 on a free port of 127.0.0.1 with its own config: anonymous clients, persistence
 * off — or on, saved at every change (`autosave_on_changes`), so even a SIGKILL loses nothing.
 */
export async function startMosquitto(opts: { persistence?: boolean } = {}): Promise<Mosquitto> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cz-mosq-'));
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  const persistence = opts.persistence
    ? ['persistence true', `persistence_location ${dir}/`, 'autosave_on_changes true', 'autosave_interval 1']
    : ['persistence false'];
  // Started as root, Mosquitto would switch to the user `mosquitto`, who cannot write our folder.
  await writeFile(conf, [`listener ${port} 127.0.0.1`, `user ${userInfo().username}`, 'allow_anonymous true', ...persistence, 'max_queued_messages 10000', 'log_dest none', ''].join('\n'));
  let proc: ChildProcess | null = null;
  const start = async () => {
    const p = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    proc = p;
    // Never outlive the test process, even when a test hangs and is cut off.
    process.once('exit', () => p.kill('SIGKILL'));
    await until(`mosquitto on port ${port}`, async () => {
      if (p.exitCode !== null) throw new Error(`mosquitto exited with ${p.exitCode} (port ${port})`);
      return listening(port);
    }, 5000);
  };
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const p = proc;
    proc = null;
    if (!p) return;
    p.kill(signal);
    await exited(p);
  };
  await start();
  return {
    port, url: `mqtt://127.0.0.1:${port}`, kill, start,
    close: async () => {
      await kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The server's main entry in a child process; resolves once it prints its address. */
export async function spawnServer(env: Record<string, string>): Promise<ChildServer> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CUNZHANG_') || k.startsWith('CUNZHANG_TEST_')));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], { cwd: REPO_ROOT, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  process.once('exit', () => proc.kill('SIGKILL'));
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 30 s:\n${out}`)), 30_000);
    const look = () => {
      const m = /is running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', look);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the server exited with ${code}:\n${out}`)); });
  });
  return {
    proc, url, output: () => out,
    kill: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      await exited(proc);
    },
  };
}
