import { forgedMessage, markOffline, type Alarm } from '@cunzhang/core';
import { hostname } from 'node:os';
import type { Config } from '../config.js';
import type { AppContext } from '../http/context.js';
import type { Metrics } from '../http/metrics.js';
import { Announcer, type AlarmNotifier } from './announcer.js';
import { connectExternalBroker, startEmbeddedBroker, type Broker } from './broker.js';
import { DeviceDirectory } from './device-directory.js';
import { createVerifier } from './verifier.js';
import { Gateway } from './gateway.js';
import { Outbox } from './outbox.js';

export interface DeviceLink {
  broker: Broker;
  directory: DeviceDirectory;
  outbox: Outbox;
  gateway: Gateway;
  announcer: Announcer;
  close(): Promise<void>;
}

/**
 * Starts the broker side of the device gateway: the embedded broker (with device log-in and
 * the per-device ACL) or a client of the external one, the dispatcher and the outbox.
 * `ctx` is completed by the caller once the HTTP app exists (live hub and metrics).
 */
export interface BrokerParts {
  broker: Broker;
  directory: DeviceDirectory;
  /** Filled once the announcer exists: alarms raised by the broker's own refusals are pushed too. */
  onAlarm: { current: ((a: Alarm[]) => Promise<void>) | null };
  /** Likewise for a device that went offline. */
  onDevice: { current: ((deviceId: string) => Promise<void>) | null };
}

export async function startBroker(config: Readonly<Config>, deps: AppContext['deps'], metricsRef: { current: Metrics | null }, log: (msg: string) => void = () => undefined): Promise<BrokerParts> {
  const onAlarm: BrokerParts['onAlarm'] = { current: null };
  const onDevice: BrokerParts['onDevice'] = { current: null };
  const directory = new DeviceDirectory(deps, createVerifier(config.verifyThreads, {}, (why) => log(`signature check thread stopped (${why}); started again`)));
  const broker = config.mqttUrl
    ? await connectExternalBroker(config.mqttUrl, { shareGroup: config.mqttShareGroup ?? undefined, clientId: `cunzhang-${hostname()}-${config.port}` })
    : await startEmbeddedBroker({
      port: config.mqttPort, host: config.host,
      access: {
        authenticate: async (user, pass) => (await directory.authenticate(user, pass)) !== null,
        refused: (deviceId, what, topic) => {
          // Its own branch with a wrong kind (up/event for up/ev) is a mistake, not an attack.
          const own = topic.startsWith(`cz/v1/d/${deviceId}/`);
          metricsRef.current?.deviceMessages.inc({ kind: what === 'publish' ? 'topic' : 'subscribe', result: own ? 'bad_topic' : 'foreign_topic' });
          log(`device ${deviceId}: ${what} on ${topic} refused (${own ? 'not a protocol topic, see device-protocol §3' : 'another device\'s topic'})`);
          if (own) return;
          void forgedMessage(deps, { deviceId, reason: 'foreign_topic', topic, detail: `${what} on ${topic}` })
            .then((a) => (a ? onAlarm.current?.([a]) : undefined)).catch(() => undefined);
        },
        disconnected: (deviceId) => {
          void markOffline(deps, { deviceId, at: deps.clock.now().toISOString() })
            .then((d) => (d ? onDevice.current?.(deviceId) : undefined)).catch(() => undefined);
        },
      },
    });
  return { broker, directory, onAlarm, onDevice };
}

export async function startDeviceLink(
  ctx: Pick<AppContext, 'deps' | 'live' | 'metrics' | 'config'>,
  parts: BrokerParts,
  webhooks: AlarmNotifier | null,
  log: (msg: string, err?: unknown) => void,
): Promise<DeviceLink> {
  const outbox = new Outbox({ deps: ctx.deps, broker: parts.broker, metrics: ctx.metrics, log });
  const announcer = new Announcer(ctx, outbox, webhooks);
  const gateway = new Gateway({ deps: ctx.deps, config: ctx.config, broker: parts.broker, directory: parts.directory, metrics: ctx.metrics, live: ctx.live, announcer, log });
  ctx.deps.signals = { commandQueued: () => outbox.kick() };
  parts.onAlarm.current = (a) => announcer.alarms(a);
  parts.onDevice.current = (id) => announcer.device(id);
  await gateway.start();
  outbox.start();
  return {
    ...parts, outbox, gateway, announcer,
    close: async () => {
      outbox.stop();
      await gateway.drain();
      await outbox.idle();
    },
  };
}
