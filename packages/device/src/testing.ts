import { checkMac, deviceEvent, downTopic, generateKeyPair, heartbeat, newHeartbeatKey, newNonce, parseTopic, SERVER_SUBSCRIPTION, sign, verify, type AuthToken, type CommandType, type DeviceEvent, type Heartbeat, type KeyPair, type ProvisioningBundle, otpDigest } from '@cunzhang/protocol';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';

/**
 * Test support: a real Aedes broker on a free port and a stand-in for the platform (signs
 * commands and tokens with a test key, verifies what devices publish). Used by this package's
 * tests; the server's tests may use it too.
 */
export interface TestBroker {
  url: string;
  port: number;
  aedes: Aedes;
  close(): Promise<void>;
}

export async function startBroker(opts: { authenticate?: (user: string, pass: string) => boolean } = {}): Promise<TestBroker> {
  const aedes = await Aedes.createBroker(
    opts.authenticate
      ? { authenticate: (_c, user, pass, done) => (opts.authenticate!(user ?? '', pass?.toString() ?? '') ? done(null, true) : done(Object.assign(new Error('not authorized'), { returnCode: 5 as const }), false)) }
      : {},
  );
  const server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    aedes,
    close: () =>
      // Aedes closes its clients' connections, so the server's close does not wait for them.
      new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve()))),
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export function newDeviceId(): string {
  let id = 'CZ';
  for (const b of randomBytes(10)) id += CROCKFORD[b % 32];
  return id;
}

export interface TestDeviceKeys {
  bundle: ProvisioningBundle;
  keys: KeyPair;
}

export function makeBundle(url: string, platform: KeyPair, http = 'http://127.0.0.1:9'): TestDeviceKeys {
  const keys = generateKeyPair();
  const dev = newDeviceId();
  return {
    keys,
    bundle: { v: 1, dev, mqtt: { url, username: dev, password: randomBytes(12).toString('hex') }, http, hb_key: newHeartbeatKey(), platform_key: platform.publicKey, private_key: keys.privateKey },
  };
}

export type Received = { topic: string; dev: string; kind: string; raw: string } & ({ kind: 'ev'; msg: DeviceEvent } | { kind: 'hb'; msg: Heartbeat } | { kind: 'will'; msg: unknown });

const iso = (ms: number) => new Date(ms).toISOString();

/** The platform's side of the broker in a test. */
export class TestPlatform {
  readonly keys: KeyPair = generateKeyPair();
  readonly received: Received[] = [];
  readonly problems: string[] = [];
  private client: mqtt.MqttClient | null = null;
  private readonly devices = new Map<string, { publicKey: string; hbKey: string }>();
  private counter = 0;

  async connect(url: string): Promise<void> {
    this.client = await mqtt.connectAsync(url, { clientId: `platform-${randomBytes(4).toString('hex')}`, protocolVersion: 4 });
    await this.client.subscribeAsync(SERVER_SUBSCRIPTION, { qos: 1 });
    this.client.on('message', (topic, payload) => this.take(topic, payload.toString()));
  }

  /** Registers a device so its events are checked; returns its bundle. */
  provision(url: string, http?: string): ProvisioningBundle {
    const { bundle, keys } = makeBundle(url, this.keys, http);
    this.devices.set(bundle.dev, { publicKey: keys.publicKey, hbKey: bundle.hb_key });
    return bundle;
  }

  async close(): Promise<void> {
    await this.client?.endAsync();
  }

  /** A command signed by `signer` (the platform key by default); `override` replaces envelope fields before signing. */
  command<T extends CommandType>(dev: string, type: T, body: unknown, override: Record<string, unknown> = {}, signer = this.keys.privateKey) {
    const now = Date.now();
    return sign({ v: 1, id: `cmd${++this.counter}_${randomBytes(3).toString('hex')}`, dev, type, nonce: newNonce(), iat: iso(now), exp: iso(now + 600_000), body, ...override }, signer);
  }

  /** Publishes a command on the command topic of `to` (default: the command's dev). */
  async send(cmd: Record<string, unknown> & { dev: string }, to = cmd.dev): Promise<void> {
    await this.sendRaw(to, JSON.stringify(cmd));
  }

  async sendRaw(to: string, text: string): Promise<void> {
    await this.client!.publishAsync(downTopic(to), text, { qos: 1 });
  }

  token(dev: string, code: string, fields: Partial<AuthToken> = {}): AuthToken {
    const now = Date.now();
    const auth = fields.auth ?? `auth${++this.counter}`;
    const t = { v: 1 as const, auth, app: 'app1', dev, seal: 'seal1', n: 2, from: iso(now - 60_000), until: iso(now + 3_600_000), pages: [], otp: otpDigest(auth, code, this.devices.get(dev)?.hbKey ?? newHeartbeatKey()), ...fields };
    const { sig: _s, ...unsigned } = t as AuthToken;
    return sign(unsigned, this.keys.privateKey) as AuthToken;
  }

  events(dev: string, type?: string): DeviceEvent[] {
    return this.received.filter((r): r is Received & { kind: 'ev' } => r.kind === 'ev' && r.dev === dev && (!type || r.msg.type === type)).map((r) => r.msg);
  }

  async waitFor<T>(probe: () => T | undefined | false | null, timeoutMs = 5000, what = 'condition'): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  ackFor(dev: string, cmdId: string): DeviceEvent | undefined {
    return this.events(dev, 'ack').find((e) => e.type === 'ack' && e.body.cmd === cmdId);
  }

  private take(topic: string, raw: string): void {
    const t = parseTopic(topic);
    if (!t.ok || t.direction !== 'up') return void this.problems.push(`bad topic ${topic}`);
    const json = JSON.parse(raw) as unknown;
    const known = this.devices.get(t.deviceId);
    if (t.kind === 'ev') {
      const p = deviceEvent.safeParse(json);
      if (!p.success) this.problems.push(`${topic}: schema ${p.error.issues[0]?.path.join('.')}: ${p.error.issues[0]?.message}`);
      else if (known && !verify(p.data, known.publicKey)) this.problems.push(`${topic}: bad signature`);
      else if (p.data.dev !== t.deviceId) this.problems.push(`${topic}: dev mismatch`);
      if (p.success) this.received.push({ topic, dev: t.deviceId, kind: 'ev', raw, msg: p.data });
    } else if (t.kind === 'hb') {
      const p = heartbeat.safeParse(json);
      if (!p.success) this.problems.push(`${topic}: heartbeat schema ${p.error.issues[0]?.path.join('.')}`);
      else if (known && !checkMac(p.data, known.hbKey)) this.problems.push(`${topic}: bad mac`);
      if (p.success) this.received.push({ topic, dev: t.deviceId, kind: 'hb', raw, msg: p.data });
    } else {
      this.received.push({ topic, dev: t.deviceId, kind: 'will', raw, msg: json });
    }
  }
}
