/**
 * The Mosquitto set-up of docs/mosquitto/ (password file + per-device ACL) exercised with the
 * machine's Mosquitto binary, and the platform as a client of the machine's own broker on
 * 127.0.0.1:1883 with a shared subscription (docs/device-protocol.md §15).
 */
import { lockDevice, provisionDevice, type Deps } from '@cunzhang/core';
import { EmulatedDevice } from '@cunzhang/device';
import { sign, type ProvisioningBundle } from '@cunzhang/protocol';
import mqtt from 'mqtt';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_VILLAGE } from './demo/seed.js';
import { LiveHub } from './http/live.js';
import { createMetrics } from './http/metrics.js';
import { startBroker, startDeviceLink, type DeviceLink } from './mqtt/device-link.js';
import { REPO_ROOT } from './server.js';
import { openTestEnv, type TestEnv } from './testing.js';
import { actorByPhone, demoLogin } from './usecases/support.js';

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});
const until = async (what: string, fn: () => Promise<boolean>, ms = 8000) => {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const events = (deps: Deps, id: string) => deps.uow.read((tx) => tx.devices.events(id, { limit: 100 }));

async function provision(env: TestEnv, orgCode: string, mqttUrl: string): Promise<ProvisioningBundle> {
  const actor = await actorByPhone(env.deps, demoLogin('station_officer').phone);
  const made = await provisionDevice(env.deps, { actor, input: { orgCode, label: `柜 ${orgCode.slice(-3)}` }, endpoints: { mqttUrl, httpBase: 'http://127.0.0.1:9' } });
  return made.bundle;
}

type Linked = DeviceLink & { okEvents(): Promise<number> };

async function link(env: TestEnv, url: string, group: string): Promise<Linked> {
  const config = { ...env.config, mqttUrl: url, mqttShareGroup: group, port: await freePort() };
  const metrics = createMetrics({ dbUp: async () => true, brokerUp: () => true });
  const parts = await startBroker(config, env.deps, { current: metrics });
  const l = await startDeviceLink({ deps: env.deps, live: new LiveHub(), metrics, config }, parts, null, () => undefined);
  const okEvents = async () => (await metrics.deviceMessages.get()).values.filter((v) => v.labels.kind === 'ev' && v.labels.result === 'ok').reduce((n, v) => n + v.value, 0);
  return Object.assign(l, { okEvents });
}

describe('Mosquitto with the password file and ACL of docs/mosquitto', () => {
  let env: TestEnv;
  let dir: string;
  let broker: ChildProcess;
  let port: number;
  let platform: Linked;
  let a: ProvisioningBundle;
  let b: ProvisioningBundle;
  const serverPassword = 'platform-secret-0123456789';

  beforeAll(async () => {
    env = await openTestEnv('sqlite', { demo: true });
    port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    [a, b] = [await provision(env, DEMO_VILLAGE, url), await provision(env, DEMO_OTHER_VILLAGE, url)];
    dir = mkdtempSync(path.join(tmpdir(), 'cz-mosq-'));
    chmodSync(dir, 0o755);
    const passwd = path.join(dir, 'passwd');
    writeFileSync(passwd, '');
    for (const [user, pass] of [['cunzhang', serverPassword], [a.dev, a.mqtt.password], [b.dev, b.mqtt.password]]) execFileSync('mosquitto_passwd', ['-b', passwd, user!, pass!]);
    writeFileSync(path.join(dir, 'acl'), readFileSync(path.join(REPO_ROOT, 'docs/mosquitto/acl')));
    // The documented configuration, with this test's port and files and no persistence.
    const conf = readFileSync(path.join(REPO_ROOT, 'docs/mosquitto/cunzhang.conf'), 'utf8')
      .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
      .replace(/^password_file .*$/m, `password_file ${passwd}`)
      .replace(/^acl_file .*$/m, `acl_file ${path.join(dir, 'acl')}`)
      .replace(/^persistence true$/m, 'persistence false')
      .replace(/^persistence_location .*$/m, '');
    writeFileSync(path.join(dir, 'mosquitto.conf'), conf);
    for (const f of ['passwd', 'acl', 'mosquitto.conf']) chmodSync(path.join(dir, f), 0o644);
    broker = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
    await until('mosquitto to listen', async () => {
      try {
        const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'cunzhang', password: serverPassword, reconnectPeriod: 0, connectTimeout: 1000 });
        await c.endAsync();
        return true;
      } catch {
        return false;
      }
    });
    platform = await link(env, `mqtt://cunzhang:${serverPassword}@127.0.0.1:${port}`, 'cunzhang');
  }, 60_000);

  afterAll(async () => {
    await platform?.close();
    await platform?.broker.close();
    broker?.kill('SIGTERM');
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('admits a device with its own password, takes its events and delivers its commands', async () => {
    const device = new EmulatedDevice({ bundle: a, upload: false, hbS: 3600 });
    await device.start();
    try {
      await until('the hello to be stored', async () => (await events(env.deps, a.dev)).some((e) => e.type === 'hello'));
      const lead = await actorByPhone(env.deps, demoLogin('town_leader').phone);
      await lockDevice(env.deps, { actor: lead, id: a.dev, input: { reason: '测试远程锁定' } });
      await until('the lock to be acknowledged', async () => (await env.deps.uow.read((tx) => tx.devices.get(a.dev)))?.lockCommandId === null);
      expect(device.status().state).toBe('alarm_locked');
    } finally {
      await device.stop();
    }
  });

  it('refuses anonymous clients, wrong passwords, and a device acting on another device\'s topics', async () => {
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 2000 })).rejects.toThrow(/Not authorized|Connection refused/i);
    await expect(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: a.dev, password: 'wrong-password-123456', clientId: a.dev, reconnectPeriod: 0, connectTimeout: 2000 }))
      .rejects.toThrow(/Not authorized|Bad username|Connection refused/i);

    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: a.dev, password: a.mqtt.password, clientId: a.dev, reconnectPeriod: 0, protocolVersion: 4 });
    try {
      // Another device's command topic, or a wildcard: Mosquitto 2.0 grants the subscription to an
      // MQTT 3.1.1 client but delivers nothing the ACL does not let it read.
      const heard: string[] = [];
      c.on('message', (t) => heard.push(t));
      await c.subscribeAsync([`cz/v1/d/${b.dev}/down/cmd`, 'cz/v1/d/+/down/cmd'], { qos: 1 });
      const lead = await actorByPhone(env.deps, demoLogin('town_leader').phone);
      await lockDevice(env.deps, { actor: lead, id: b.dev, input: { reason: '测试：命令只到本设备' } });
      await until('the command to B to be sent', async () => ((await env.deps.uow.read((tx) => tx.devices.commands(b.dev, 5))).find((x) => x.type === 'lock')?.attempts ?? 0) > 0);
      await new Promise((r) => setTimeout(r, 500));
      expect(heard).toEqual([]);
      // A message for B published by A on B's topic: Mosquitto drops it, the platform never sees it.
      const forged = sign({ v: 1, dev: b.dev, seq: 1, ts: new Date().toISOString(), type: 'sensor', body: { kind: 'shock', lat_e6: 0, lng_e6: 0, acc_m: 0 } }, a.private_key!);
      await c.publishAsync(`cz/v1/d/${b.dev}/up/ev`, JSON.stringify(forged), { qos: 1 });
      await new Promise((r) => setTimeout(r, 500));
      await platform.gateway.drain();
      expect(await events(env.deps, b.dev)).toEqual([]);
    } finally {
      await c.endAsync();
    }
  });
});

describe('the platform as a client of the machine\'s Mosquitto on 127.0.0.1:1883', () => {
  it('splits the device traffic between two servers of one shared-subscription group, each event stored once', async () => {
    const env = await openTestEnv('sqlite', { demo: true });
    const group = `cz${Date.now().toString(36)}`;
    const [one, two] = [await link(env, 'mqtt://127.0.0.1:1883', group), await link(env, 'mqtt://127.0.0.1:1883', group)];
    const bundle = await provision(env, DEMO_VILLAGE, 'mqtt://127.0.0.1:1883');
    const device = new EmulatedDevice({ bundle, upload: false, hbS: 3600 });
    try {
      await device.start();
      for (let i = 0; i < 20; i++) device.shock();
      // The first shock also alarm-locks the device (a state event, later the lock's ack).
      await until('the 20 shocks', async () => (await events(env.deps, bundle.dev)).filter((e) => e.type === 'sensor').length === 20);
      await until('the lock ack', async () => (await events(env.deps, bundle.dev)).some((e) => e.type === 'ack'));
      const stored = (await events(env.deps, bundle.dev)).length;
      // Each message went to one server of the group, not to both.
      expect((await one.okEvents()) + (await two.okEvents())).toBe(stored);
    } finally {
      await device.stop();
      for (const l of [one, two]) {
        await l.close();
        await l.broker.close();
      }
      await env.close();
    }
  }, 30_000);
});
