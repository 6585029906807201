import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatedDevice } from './device.js';
import { startBroker, TestPlatform, type TestBroker } from './testing.js';

let broker: TestBroker;
let platform: TestPlatform;
let dir: string;

beforeAll(async () => {
  broker = await startBroker();
  platform = new TestPlatform();
  await platform.connect(broker.url);
  dir = await mkdtemp(path.join(tmpdir(), 'cz-offline-'));
});
afterAll(async () => {
  await platform.close();
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

const upOf = (dev: string) => platform.received.filter((r) => r.dev === dev);
const seqOf = (r: { kind: string; msg: unknown }) => (r.kind === 'will' ? null : (r.msg as { seq: number }).seq);

describe('offline buffer and reconnection (design §6, §7)', () => {
  it('buffers while the link is cut; on return the will has fired, the buffer arrives in order exactly once, then hello', async () => {
    const d = new EmulatedDevice({ bundle: platform.provision(broker.url), stateDir: path.join(dir, 'a'), upload: false });
    await d.start();
    await platform.waitFor(() => platform.events(d.dev, 'hello').length === 1);
    const acked: number[] = [];
    d.on('acked', ({ seq }) => acked.push(seq));

    d.goOffline();
    await platform.waitFor(() => upOf(d.dev).some((r) => r.kind === 'will'), 5000, 'the will');
    expect(d.connected).toBe(false);
    const made: number[] = [];
    d.on('up', (u) => made.push(u.message.seq));
    for (let i = 0; i < 50; i++) {
      if (i % 10 === 0) d.heartbeat();
      else d.returnSeal();
    }
    d.shock();
    expect(d.status().buffered).toBe(made.length);
    expect(made.length).toBe(52);
    const beforeReturn = upOf(d.dev).length;
    const offline = [...made];

    d.goOnline();
    await platform.waitFor(() => platform.events(d.dev, 'hello').length === 2, 5000, 'second hello');
    await platform.waitFor(() => d.status().buffered === 0, 5000, 'buffer drained');

    const after = upOf(d.dev).slice(beforeReturn);
    const seqs = after.map(seqOf);
    const helloAt = after.findIndex((r) => r.kind === 'ev' && (r.msg as { type: string }).type === 'hello');
    // Everything made offline, in order, once, before the hello; nothing else in between.
    expect(seqs.slice(0, offline.length)).toEqual(offline);
    expect(helloAt).toBe(offline.length);
    expect(made[offline.length]).toBe(seqs[helloAt]);
    const all = upOf(d.dev).map(seqOf).filter((s): s is number => s !== null);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(acked.slice(0, offline.length)).toEqual(offline);
    // The shock alarm-locked the device even while it was cut off.
    expect(d.status().state).toBe('alarm_locked');
    expect(platform.problems).toEqual([]);
    await d.stop();
  });

  it('a restarted device (same state dir) continues its sequence and flushes what it buffered before the restart', async () => {
    const bundle = platform.provision(broker.url);
    const stateDir = path.join(dir, 'b');
    const first = new EmulatedDevice({ bundle, stateDir, upload: false });
    await first.start();
    await platform.waitFor(() => platform.events(bundle.dev, 'hello').length === 1);
    const online = first.heartbeat();
    await platform.waitFor(() => !first.queue.has(online), 5000, 'PUBACK of the online heartbeat');
    first.goOffline();
    const offlineSeqs = [first.heartbeat(), first.heartbeat(), first.heartbeat()];
    const lastSeq = first.status().seq;
    await first.stop();

    const second = new EmulatedDevice({ bundle, stateDir, upload: false });
    expect(second.status()).toMatchObject({ seq: lastSeq, buffered: 3 });
    await second.start();
    await platform.waitFor(() => platform.events(bundle.dev, 'hello').length === 2, 5000, 'hello after restart');
    const hello2 = platform.events(bundle.dev, 'hello')[1]!;
    expect(hello2.seq).toBe(lastSeq + 1);
    const hbSeqs = platform.received.filter((r) => r.dev === bundle.dev && r.kind === 'hb').map(seqOf);
    expect(hbSeqs.slice(1)).toEqual(offlineSeqs);
    expect(second.heartbeat()).toBe(lastSeq + 2);
    await second.stop();
  });
});
