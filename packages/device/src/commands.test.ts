import { generateKeyPair, type DeviceEvent } from '@cunzhang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatedDevice } from './device.js';
import { startBroker, TestPlatform, type TestBroker } from './testing.js';

let broker: TestBroker;
let platform: TestPlatform;
let d: EmulatedDevice;
const notes: { id: string | null; outcome: string; error?: string }[] = [];

beforeAll(async () => {
  broker = await startBroker();
  platform = new TestPlatform();
  await platform.connect(broker.url);
  d = new EmulatedDevice({ bundle: platform.provision(broker.url), upload: false });
  d.on('command', (n) => notes.push(n));
  await d.start();
});
afterAll(async () => {
  await d.stop();
  await platform.close();
  await broker.close();
});

const iso = (ms: number) => new Date(ms).toISOString();

async function ackOf(cmd: { id: string; dev: string }, to = d.dev): Promise<Extract<DeviceEvent, { type: 'ack' }>['body']> {
  await platform.send(cmd, to);
  const ev = await platform.waitFor(() => platform.ackFor(d.dev, cmd.id), 5000, `ack of ${cmd.id}`);
  if (ev.type !== 'ack') throw new Error('not an ack');
  return ev.body;
}

describe('command verification (design §9)', () => {
  it('refuses a command signed by another key', async () => {
    const forged = platform.command(d.dev, 'lock', { reason: 'x' }, {}, generateKeyPair().privateKey);
    expect(await ackOf(forged)).toEqual({ cmd: forged.id, ok: false, error: 'bad_signature' });
    // A field changed after signing is the same thing.
    const edited = { ...platform.command(d.dev, 'config', { hb_s: 60, fence: null, hours: null }), body: { hb_s: 5, fence: null, hours: null } };
    expect(await ackOf(edited)).toMatchObject({ ok: false, error: 'bad_signature' });
    expect(d.status()).toMatchObject({ state: 'locked', hbS: 60 });
  });

  it('refuses a command for another device', async () => {
    const other = platform.command('CZ0000000000', 'lock', { reason: 'x' });
    expect(await ackOf(other, d.dev)).toEqual({ cmd: other.id, ok: false, error: 'wrong_device' });
    expect(d.status().state).toBe('locked');
  });

  it('refuses an expired command and one issued too far in the future', async () => {
    const now = Date.now();
    const old = platform.command(d.dev, 'lock', { reason: 'x' }, { iat: iso(now - 120_000), exp: iso(now - 1000) });
    expect(await ackOf(old)).toMatchObject({ ok: false, error: 'expired' });
    const future = platform.command(d.dev, 'lock', { reason: 'x' }, { iat: iso(now + 400_000), exp: iso(now + 900_000) });
    expect(await ackOf(future)).toMatchObject({ ok: false, error: 'not_yet_valid' });
    expect(d.status().state).toBe('locked');
  });

  it('refuses a replayed nonce under a new id', async () => {
    const first = platform.command(d.dev, 'config', { hb_s: 30, fence: null, hours: null });
    expect(await ackOf(first)).toEqual({ cmd: first.id, ok: true });
    const replay = platform.command(d.dev, 'config', { hb_s: 45, fence: null, hours: null }, { nonce: first.nonce });
    expect(await ackOf(replay)).toMatchObject({ ok: false, error: 'replayed' });
    expect(d.status().hbS).toBe(30);
  });

  it('acks a re-sent command again without executing it again', async () => {
    const lock = platform.command(d.dev, 'lock', { reason: '异常' });
    expect(await ackOf(lock)).toEqual({ cmd: lock.id, ok: true });
    const unlock = platform.command(d.dev, 'unlock', { reason: '解除' });
    expect(await ackOf(unlock)).toEqual({ cmd: unlock.id, ok: true });
    expect(d.status().state).toBe('locked');
    await platform.send(lock);
    await platform.waitFor(() => platform.events(d.dev, 'ack').filter((e) => e.type === 'ack' && e.body.cmd === lock.id).length === 2, 5000, 're-ack');
    expect(d.status().state).toBe('locked');
    expect(notes.filter((n) => n.id === lock.id).map((n) => n.outcome)).toEqual(['executed', 'reacked']);
    const lockStates = platform.events(d.dev, 'state').filter((e) => e.type === 'state' && e.body.to === 'alarm_locked');
    expect(lockStates).toHaveLength(1);
  });

  it('acks unreadable commands as invalid when they carry an id, and ignores them otherwise', async () => {
    await platform.sendRaw(d.dev, JSON.stringify({ v: 1, id: 'bad_1', dev: d.dev, type: 'explode' }));
    const ack = await platform.waitFor(() => platform.ackFor(d.dev, 'bad_1'));
    expect(ack.type === 'ack' && ack.body).toEqual({ cmd: 'bad_1', ok: false, error: 'invalid' });
    await platform.sendRaw(d.dev, 'not json');
    await platform.waitFor(() => notes.some((n) => n.id === null && n.error === 'invalid'));
  });

  it('the time command corrects the clock even when the device clock is far off, once', async () => {
    const now = Date.now();
    // Set two hours back, the device sees every normal command as issued in its future.
    const skewed = platform.command(d.dev, 'time', { now: iso(now - 7_200_000) });
    expect(await ackOf(skewed)).toEqual({ cmd: skewed.id, ok: true });
    expect(d.status().clockOffsetMs).toBeLessThan(-7_100_000);
    const normal = platform.command(d.dev, 'config', { hb_s: 60, fence: null, hours: null });
    expect(await ackOf(normal)).toMatchObject({ ok: false, error: 'not_yet_valid' });
    const fix = platform.command(d.dev, 'time', { now: iso(Date.now()) });
    expect(await ackOf(fix)).toEqual({ cmd: fix.id, ok: true });
    expect(Math.abs(d.status().clockOffsetMs)).toBeLessThan(2000);
    // A time command no newer than the last one applied is a replay, whatever its id and nonce.
    const stale = platform.command(d.dev, 'time', { now: iso(now - 7_200_000) }, { iat: skewed.iat });
    expect(await ackOf(stale)).toMatchObject({ ok: false, error: 'replayed' });
  });
});
