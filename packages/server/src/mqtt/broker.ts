import { mayPublish, maySubscribe } from '@cunzhang/protocol';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { ConfigError } from '../config.js';

/** Handles one device message; the broker acknowledges it (PUBACK) when the promise settles. */
export type MessageHandler = (topic: string, payload: Buffer) => Promise<void>;

/** The device gateway's link to MQTT: an embedded broker, or a client of an external one. */
export interface Broker {
  mode: 'embedded' | 'external';
  /** Bound port of the embedded broker (null when external). */
  port: number | null;
  connected(): boolean;
  /** Receives every device message (cz/v1/d/+/up/+); on an external broker as a shared subscription. */
  onDeviceMessage(handler: MessageHandler): Promise<void>;
  /** Publishes with QoS 1; resolves when the broker has it (embedded) or acknowledged it (external). */
  publish(topic: string, payload: string | Buffer): Promise<void>;
  /** Devices connected right now (embedded only; null when external). */
  clientCount(): number | null;
  close(): Promise<void>;
}

/** What the embedded broker asks the device registry (device-protocol §4.3). */
export interface DeviceAccess {
  authenticate(username: string, password: Buffer | undefined): Promise<boolean>;
  /** Called for each refused publish or subscribe: counted, and alarmed where it suggests an attack. */
  refused(deviceId: string, what: 'publish' | 'subscribe', topic: string): void;
  /** A device's connection ended (cleanly or not): it is offline from now (§7.2). */
  disconnected?(deviceId: string): void;
}

const SUBSCRIPTION = 'cz/v1/d/+/up/+';

/**
 * Embedded Aedes (MQTT 3.1.1). A device logs in with its id as client id and username and
 * its password from provisioning; it may publish only under its own `up/` and subscribe only
 * to its own `down/cmd` (§4.3). The platform itself is inside the broker, not a client.
 */
export async function startEmbeddedBroker(opts: { port: number; host: string; access?: DeviceAccess }): Promise<Broker> {
  const access = opts.access;
  let setHandler: (h: MessageHandler) => void = () => undefined;
  const handler = new Promise<MessageHandler>((resolve) => { setHandler = resolve; });
  const refuse = () => Object.assign(new Error('not authorized'), { returnCode: 5 as const });
  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      if (!access || !username || client.id !== username) return done(refuse(), false);
      access.authenticate(username, password).then((ok) => done(ok ? null : refuse(), ok), () => done(refuse(), false));
    },
    authorizePublish: (client, packet, done) => {
      // client is null for the platform's own publishes (commands).
      if (!client) return done(null);
      if (!mayPublish(client.id, packet.topic)) {
        access?.refused(client.id, 'publish', packet.topic);
        return done(new Error(`device ${client.id} may not publish to ${packet.topic}`));
      }
      // Aedes writes a QoS 1 PUBACK before it delivers to subscribers, but only after this
      // check: the message is handed to the platform here, so the device hears PUBACK only once
      // it is stored (a crash in between would otherwise lose a message the device dropped
      // from its buffer). The will passes here too. Messages that come before the gateway has
      // started wait for it.
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      // Not stored (the database failed): refused, so Aedes closes the connection without a
      // PUBACK and the device sends the message again after reconnecting (§12).
      void handler.then((h) => h(packet.topic, payload)).then(() => done(null), (e: unknown) => done(e instanceof Error ? e : new Error(String(e))));
    },
    authorizeSubscribe: (client, sub, done) => {
      if (maySubscribe(client.id, sub.topic)) return done(null, sub);
      access?.refused(client.id, 'subscribe', sub.topic);
      done(new Error(`device ${client.id} may not subscribe to ${sub.topic}`));
    },
  });
  // TCP_NODELAY: a command and a PUBACK are small packets; with Nagle on, one written while the
  // device has not yet acknowledged the previous one waits for its delayed ACK (~40 ms on Linux).
  // A clean DISCONNECT sends no last will: the broker itself says the device left.
  aedes.on('clientDisconnect', (client) => { if (client.id) access?.disconnected?.(client.id); });
  const server: Server = createServer({ noDelay: true }, aedes.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      aedes.close();
      reject(e.code === 'EADDRINUSE'
        ? new ConfigError('CUNZHANG_MQTT_PORT', `port ${opts.port} is already in use; stop the other MQTT broker or set CUNZHANG_MQTT_PORT to a free port (or CUNZHANG_MQTT_URL to use that broker)`)
        : new ConfigError('CUNZHANG_MQTT_PORT', `cannot listen on port ${opts.port} (${e.code ?? e.message})`));
    });
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    mode: 'embedded',
    port: (server.address() as AddressInfo).port,
    connected: () => server.listening && !aedes.closed,
    onDeviceMessage: async (h) => setHandler(h),
    publish: (topic, payload) => new Promise<void>((resolve, reject) => {
      aedes.publish({ cmd: 'publish', topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, qos: 1, retain: false, dup: false }, (e) => (e ? reject(e) : resolve()));
    }),
    clientCount: () => aedes.connectedClients,
    // Closing the broker ends the devices' connections, which would keep the listener open.
    close: () => new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve()))),
  };
}

/**
 * The platform as a client of an external broker (Mosquitto, EMQX). The broker enforces the
 * per-device ACL (docs/mosquitto/); the platform subscribes as `$share/<group>/…` so several
 * server processes split the device traffic, each message to one of them.
 */
export async function connectExternalBroker(url: string, opts: { shareGroup?: string; clientId?: string } = {}): Promise<Broker> {
  const safe = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  let handler: MessageHandler | null = null;
  // A persistent session gets its queued messages right after CONNACK, before the gateway has
  // started: they wait for it (acknowledging them unhandled would lose them for good).
  let setReady: (h: MessageHandler) => void = () => undefined;
  const ready = new Promise<MessageHandler>((resolve) => { setReady = resolve; });
  // mqtt.js acknowledges a QoS 1 message when handleMessage calls back, one message at a time.
  // Events (evidence) are acknowledged once stored; heartbeats (liveness only) at once, so a
  // flood of buffered heartbeats after a restart is not taken one commit at a time.
  const handleMessage: mqtt.MqttClient['handleMessage'] = (packet, callback) => {
    const topic = packet.cmd === 'publish' ? packet.topic : '';
    const payload = packet.cmd === 'publish' ? (Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)) : Buffer.alloc(0);
    const work = !topic ? Promise.resolve() : handler ? handler(topic, payload) : ready.then((h) => h(topic, payload));
    if (topic.endsWith('/up/hb')) {
      void work.catch(() => undefined);
      callback();
      return;
    }
    // Not stored: no PUBACK. The connection is dropped so that the broker delivers the message
    // again on the next session (mqtt.js would otherwise wait for this callback for ever).
    void work.then(() => callback(), () => { client?.stream?.destroy(); });
  };
  let client: mqtt.MqttClient;
  try {
    client = await new Promise<mqtt.MqttClient>((resolve, reject) => {
      const c = mqtt.connect(url, {
        protocolVersion: 4, connectTimeout: 5000, reconnectPeriod: 0,
        // We subscribe ourselves on every (re)connect. mqtt.js's own resubscribe would skip that
        // SUBSCRIBE as a repeat, and a broker that restored the session from its persistence
        // (Mosquitto 2.0) then delivers nothing to the restored shared subscription.
        resubscribe: false,
        // A persistent session with a stable client id: messages in flight when this process
        // died are delivered again when it comes back (acknowledged only after they are stored).
        clean: !opts.clientId, clientId: opts.clientId ?? `cunzhang-server-${process.pid}-${Date.now().toString(36)}`,
      });
      // Installed before any packet can arrive (mqtt.connectAsync resolves only after the broker
      // may already have delivered the session's queued messages to the default handler, which
      // acknowledges and drops them).
      c.handleMessage = handleMessage;
      const settle = (e: Error | null) => {
        c.off('connect', onConnect).off('error', onError).off('close', onClose);
        if (!e) return resolve(c);
        c.on('error', () => undefined);
        c.end(true);
        reject(e);
      };
      const onConnect = () => settle(null);
      const onError = (e: Error) => settle(e);
      const onClose = () => settle(new Error('the connection closed before the broker accepted it'));
      c.on('connect', onConnect).on('error', onError).on('close', onClose);
    });
  } catch (e) {
    throw new ConfigError('CUNZHANG_MQTT_URL', `cannot connect to ${safe} (${(e as Error).message}); start the broker or fix the URL, or unset it to use the embedded broker`);
  }
  // After a good start, outages are survived by reconnecting in the background.
  client.options.reconnectPeriod = 2000;
  client.on('error', () => undefined);
  // TCP_NODELAY, as on the embedded broker: mqtt.js leaves Nagle on, so a command written while
  // the broker has not yet acknowledged our previous packet (a PUBACK) waits for its delayed ACK.
  const noDelay = () => { (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true); };
  noDelay();
  client.on('connect', noDelay);
  const filter = opts.shareGroup ? `$share/${opts.shareGroup}/${SUBSCRIPTION}` : SUBSCRIPTION;
  // A clean session loses subscriptions on reconnect: subscribe again each time.
  // Connected counts only once subscribed again: until the SUBACK, device messages pass us by.
  let subscribed = false;
  client.on('connect', () => {
    subscribed = false;
    if (handler) client.subscribe(filter, { qos: 1 }, (err) => { subscribed = !err; });
  });
  return {
    mode: 'external',
    port: null,
    connected: () => client.connected && (handler === null || subscribed),
    onDeviceMessage: async (h) => {
      handler = h;
      setReady(h);
      await client.subscribeAsync(filter, { qos: 1 });
      subscribed = true;
    },
    publish: async (topic, payload) => {
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    clientCount: () => null,
    close: () => client.endAsync(),
  };
}

