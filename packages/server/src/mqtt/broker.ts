import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { ConfigError } from '../config.js';

/** The device gateway's link to MQTT: an embedded broker, or a client of an external one. */
export interface Broker {
  mode: 'embedded' | 'external';
  /** Bound port of the embedded broker (null when external). */
  port: number | null;
  connected(): boolean;
  close(): Promise<void>;
}

/**
 * Embedded Aedes (MQTT 3.1.1). Devices get their credentials from the device registry; until a
 * device is provisioned, every connection attempt is refused as "not authorized".
 */
export async function startEmbeddedBroker(opts: { port: number; host: string; authenticate?: (user: string, pass: Buffer | undefined) => Promise<boolean> }): Promise<Broker> {
  const aedes = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => {
      const check = opts.authenticate ?? (async () => false);
      check(username ?? '', password).then(
        (ok) => done(ok ? null : Object.assign(new Error('not authorized'), { returnCode: 5 }), ok),
        () => done(Object.assign(new Error('not authorized'), { returnCode: 5 }), false),
      );
    },
  });
  const server: Server = createServer(aedes.handle);
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
    close: () => new Promise<void>((resolve) => aedes.close(() => server.close(() => resolve()))),
  };
}

export async function connectExternalBroker(url: string): Promise<Broker> {
  const safe = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  let client: mqtt.MqttClient;
  try {
    client = await mqtt.connectAsync(url, { protocolVersion: 4, connectTimeout: 5000, reconnectPeriod: 0, clientId: `cunzhang-server-${process.pid}-${Date.now().toString(36)}` });
  } catch (e) {
    throw new ConfigError('CUNZHANG_MQTT_URL', `cannot connect to ${safe} (${(e as Error).message}); start the broker or fix the URL, or unset it to use the embedded broker`);
  }
  // After a good start, outages are survived by reconnecting in the background.
  client.options.reconnectPeriod = 2000;
  client.on('error', () => undefined);
  return {
    mode: 'external',
    port: null,
    connected: () => client.connected,
    close: () => client.endAsync(),
  };
}
