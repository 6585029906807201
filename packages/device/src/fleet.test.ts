import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from './fleet.js';
import { startBroker, TestPlatform, type TestBroker } from './testing.js';

let broker: TestBroker;
let platform: TestPlatform;
const dir = mkdtempSync(path.join(tmpdir(), 'cz-fleet-'));

beforeAll(async () => {
  broker = await startBroker();
  platform = new TestPlatform();
  await platform.connect(broker.url);
});
afterAll(async () => {
  await platform.close();
  await broker.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Fleet', () => {
  it('200 light devices connect, say hello and heartbeat; counters add up; the sequence counters survive a fleet restart', async () => {
    const bundles = Array.from({ length: 200 }, () => platform.provision(broker.url));
    const seqFile = path.join(dir, 'seqs.json');
    const fleet = new Fleet(bundles, { hbS: 5, firstBeatWithinMs: 800, connectRate: 2000, seqFile });
    await fleet.start();
    await fleet.allConnected(8000);
    expect(fleet.counters()).toMatchObject({ devices: 200, started: 200, connected: 200, connects: 200 });

    await platform.waitFor(() => platform.received.filter((r) => r.kind === 'hb').length >= 200 && platform.received.filter((r) => r.kind === 'ev').length >= 200, 6000, '200 hellos and 200 heartbeats');
    const heartbeats = platform.received.filter((r) => r.kind === 'hb');
    expect(new Set(heartbeats.map((r) => r.dev)).size).toBe(200);
    expect(platform.problems).toEqual([]);

    // A command reaches one device of the fleet and is acknowledged.
    const target = bundles[17]!.dev;
    const lock = platform.command(target, 'lock', { reason: '压力测试' });
    await platform.send(lock);
    await platform.waitFor(() => platform.ackFor(target, lock.id));
    expect(fleet.device(target)!.status().state).toBe('alarm_locked');

    const c = fleet.counters();
    expect(c.heartbeats).toBeGreaterThanOrEqual(200);
    expect(c.commands).toBe(1);
    await platform.waitFor(() => fleet.counters().acked === fleet.counters().sent);
    expect(fleet.counters().sent).toBe(c.heartbeats + c.events);

    const before = platform.received.length;
    await fleet.stop();
    expect(fleet.counters().connected).toBe(0);
    const seqs = JSON.parse(readFileSync(seqFile, 'utf8')) as Record<string, number>;
    expect(Object.keys(seqs)).toHaveLength(200);
    // A clean stop sends DISCONNECT: no wills.
    await new Promise((r) => setTimeout(r, 100));
    expect(platform.received.slice(before).filter((r) => r.kind === 'will')).toEqual([]);

    const again = new Fleet(bundles.slice(0, 3), { hbS: 60, seqFile: path.join(dir, 'seqs.json') });
    await again.start();
    await again.allConnected(5000);
    const first = bundles[0]!.dev;
    await platform.waitFor(() => platform.events(first, 'hello').length === 2);
    expect(platform.events(first, 'hello')[1]!.seq).toBe(seqs[first]! + 1);
    await again.stop();
  });
});
