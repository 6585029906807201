import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, TEST_DIALECTS } from '@cunzhang/store';
import { ConfigError, loadConfig } from './config.js';
import { REPO_ROOT, startServer, type RunningServer } from './server.js';

/** Holds a TCP port on 127.0.0.1, as another program would. */
async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

async function startFails(env: Record<string, string>): Promise<ConfigError> {
  try {
    const s = await startServer(loadConfig(env), { logger: false, webRoot: null });
    await s.close();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).not.toContain('\n');
    return e as ConfigError;
  }
  throw new Error('the server started although it should not have');
}

describe('startServer', () => {
  let dataDir: string;
  let base: Record<string, string>;
  const running: RunningServer[] = [];
  const held: Server[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'cz-start-'));
    base = { CUNZHANG_DATA_DIR: dataDir, CUNZHANG_DEMO: 'false', CUNZHANG_HOST: '127.0.0.1', CUNZHANG_PORT: '0', CUNZHANG_MQTT_PORT: '0', CUNZHANG_LOG_LEVEL: 'silent' };
  });
  afterEach(async () => {
    for (const s of running.splice(0)) await s.close();
    for (const s of held.splice(0)) await new Promise((resolve) => s.close(resolve));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts with the embedded broker and answers /healthz', async () => {
    const s = await startServer(loadConfig(base), { logger: false, webRoot: null });
    running.push(s);
    expect(s.seeded).toBe(false);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    const body = await res.json() as { status: string; database: { ok: boolean; dialect: string }; broker: { mode: string; ok: boolean; port: number | null } };
    expect(body).toMatchObject({ status: 'ok', database: { ok: true, dialect: 'sqlite' }, broker: { mode: 'embedded', ok: true } });
    expect(body.broker.port).toBeGreaterThan(0);
    expect(body.broker.port).toBe(s.broker.port);
    // The embedded broker really listens: an unprovisioned device is refused, not ignored.
    const refused = await new Promise<boolean>((resolve) => {
      const c = createServer();
      c.once('error', () => resolve(true));
      c.listen(body.broker.port!, '127.0.0.1', () => c.close(() => resolve(false)));
    });
    expect(refused).toBe(true);
  });

  for (const dialect of TEST_DIALECTS.filter((d) => d !== 'sqlite')) {
    it(`starts on ${dialect} and /healthz reports it`, async () => {
      const db = await openTestDatabase(dialect);
      try {
        const s = await startServer(loadConfig({ ...base, CUNZHANG_DATABASE_URL: db.url! }), { logger: false, webRoot: null });
        running.push(s);
        const res = await fetch(`${s.url}/healthz`);
        expect(await res.json()).toMatchObject({ status: 'ok', database: { dialect, ok: true }, broker: { mode: 'embedded', ok: true } });
        await running.pop()!.close();
      } finally {
        await db.cleanup();
      }
    });
  }

  it('connects to an external broker (the machine\'s Mosquitto) when CUNZHANG_MQTT_URL is set', async () => {
    const s = await startServer(loadConfig({ ...base, CUNZHANG_MQTT_URL: 'mqtt://127.0.0.1:1883' }), { logger: false, webRoot: null });
    running.push(s);
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', database: { ok: true }, broker: { mode: 'external', ok: true, port: null } });
  });

  it('names CUNZHANG_PORT when the HTTP port is taken, and frees the broker port it had opened', async () => {
    const { port, server } = await occupyPort();
    held.push(server);
    const mqtt = await occupyPort();
    await new Promise((resolve) => mqtt.server.close(resolve));
    const e = await startFails({ ...base, CUNZHANG_PORT: String(port), CUNZHANG_MQTT_PORT: String(mqtt.port) });
    expect(e.variable).toBe('CUNZHANG_PORT');
    expect(e.message).toBe(`CUNZHANG_PORT: port ${port} is already in use; stop the other program or set CUNZHANG_PORT to a free port`);
    // Nothing is left listening: the same broker port can be taken again at once.
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(mqtt.port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => again.close(resolve));
  });

  it('names CUNZHANG_MQTT_PORT when the embedded broker\'s port is taken', async () => {
    const { port, server } = await occupyPort();
    held.push(server);
    const e = await startFails({ ...base, CUNZHANG_MQTT_PORT: String(port) });
    expect(e.variable).toBe('CUNZHANG_MQTT_PORT');
    expect(e.message).toMatch(new RegExp(`^CUNZHANG_MQTT_PORT: port ${port} is already in use; .*CUNZHANG_MQTT_URL`));
  });

  it('names CUNZHANG_DATABASE_URL with a fix when PostgreSQL cannot be reached', async () => {
    const e = await startFails({ ...base, CUNZHANG_DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/x' });
    expect(e.variable).toBe('CUNZHANG_DATABASE_URL');
    expect(e.message).toMatch(/^CUNZHANG_DATABASE_URL: cannot reach postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x \(ECONNREFUSED\); start PostgreSQL or fix the URL/);
    expect(e.message).not.toContain('secret');
  });

  it('names CUNZHANG_MQTT_URL when the external broker cannot be reached', async () => {
    const e = await startFails({ ...base, CUNZHANG_MQTT_URL: 'mqtt://127.0.0.1:1' });
    expect(e.variable).toBe('CUNZHANG_MQTT_URL');
    expect(e.message).toMatch(/^CUNZHANG_MQTT_URL: cannot connect to mqtt:\/\/127\.0\.0\.1:1 .*start the broker or fix the URL/);
  });

  it('the main entry prints one line naming the bad variable and exits 1', async () => {
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CUNZHANG_')));
    // `npx tsx packages/server/src/main.ts`, without npx's own start-up time.
    const child = spawn(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['packages/server/src/main.ts'], { cwd: REPO_ROOT, env: { ...env, CUNZHANG_PORT: 'abc' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cunzhang: cannot start: CUNZHANG_PORT: "abc" /);
  });
});
