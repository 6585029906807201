import { upTopic } from '@cunzhang/protocol';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type Broker } from './broker.js';

const DEV = 'CZ0000000001';
const OTHER = 'CZ0000000002';

/**
 * The embedded broker's promise to devices (device-protocol §2, §12): a QoS 1 PUBACK means the
 * platform has handled (stored) the message, so a device may drop it from its buffer. If the
 * PUBACK went out first, a crash between the two would lose a message the device was told
 * was received.
 */
describe('embedded broker', () => {
  let broker: Broker | null = null;
  const clients: mqtt.MqttClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true).catch(() => undefined);
    await broker?.close();
    broker = null;
  });

  const start = async (handler: (topic: string, payload: Buffer) => Promise<void>, refused: string[] = []) => {
    broker = await startEmbeddedBroker({ port: 0, host: '127.0.0.1', access: { authenticate: async (u, p) => p?.toString() === `pw-${u}`, refused: (d, what, topic) => refused.push(`${d} ${what} ${topic}`) } });
    await broker.onDeviceMessage(handler);
    return broker;
  };
  const device = async (id: string, opts: mqtt.IClientOptions = {}) => {
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker!.port}`, { clientId: id, username: id, password: `pw-${id}`, protocolVersion: 4, reconnectPeriod: 0, ...opts });
    clients.push(c);
    return c;
  };

  it('acknowledges a device\'s QoS 1 message only after the platform\'s handler has finished with it', async () => {
    const log: string[] = [];
    await start(async (topic, payload) => {
      log.push(`start ${payload.toString()}`);
      await new Promise((r) => setTimeout(r, 300));
      log.push(`stored ${payload.toString()}`);
    });
    const c = await device(DEV);
    await c.publishAsync(upTopic(DEV, 'ev'), 'one', { qos: 1 });
    log.push('puback one');
    expect(log).toEqual(['start one', 'stored one', 'puback one']);
  });

  it('hands over each message once, the last will too; refuses other devices\' topics without handing them over', async () => {
    const seen: string[] = [];
    const refused: string[] = [];
    await start(async (topic, payload) => { seen.push(`${topic} ${payload.toString()}`); }, refused);
    const c = await device(DEV, { will: { topic: upTopic(DEV, 'will'), payload: Buffer.from('gone'), qos: 1, retain: false } });
    await c.publishAsync(upTopic(DEV, 'hb'), 'beat', { qos: 1 });
    expect(seen).toEqual([`${upTopic(DEV, 'hb')} beat`]);
    // The link drops without DISCONNECT: the broker publishes the will to the platform.
    c.stream.destroy();
    for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([`${upTopic(DEV, 'hb')} beat`, `${upTopic(DEV, 'will')} gone`]);
    const intruder = await device(OTHER);
    await Promise.race([intruder.publishAsync(upTopic(DEV, 'ev'), 'forged', { qos: 1 }).catch(() => undefined), new Promise((r) => setTimeout(r, 500))]);
    expect(refused).toEqual([`${OTHER} publish ${upTopic(DEV, 'ev')}`]);
    expect(seen).toHaveLength(2);
  });
});
