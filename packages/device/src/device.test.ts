import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmulatedDevice } from './device.js';
import { startBroker, TestPlatform, type TestBroker } from './testing.js';

let broker: TestBroker;
let platform: TestPlatform;
const devices: EmulatedDevice[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  broker = await startBroker();
  platform = new TestPlatform();
  await platform.connect(broker.url);
});
afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.stop()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
afterAll(async () => {
  await platform.close();
  await broker.close();
});

async function device(opts: Partial<ConstructorParameters<typeof EmulatedDevice>[0]> = {}): Promise<EmulatedDevice> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cz-dev-'));
  dirs.push(dir);
  const d = new EmulatedDevice({ bundle: platform.provision(broker.url), stateDir: dir, upload: false, ...opts });
  devices.push(d);
  await d.start();
  await platform.waitFor(() => platform.events(d.dev, 'hello').length > 0, 5000, 'hello');
  return d;
}

async function command(d: EmulatedDevice, type: Parameters<TestPlatform['command']>[1], body: unknown) {
  const cmd = platform.command(d.dev, type, body);
  await platform.send(cmd);
  return platform.waitFor(() => platform.ackFor(d.dev, cmd.id), 5000, `ack of ${type}`);
}

const states = (dev: string) => platform.events(dev, 'state').map((e) => (e.type === 'state' ? `${e.body.from}>${e.body.to}:${e.body.reason}` : ''));

describe('EmulatedDevice state machine (design §14)', () => {
  it('authorize → code → stamp × n → relocked, every event signed and in seq order', async () => {
    const d = await device();
    const token = platform.token(d.dev, '123456', { n: 2 });
    const ack = await command(d, 'authorize', { token });
    expect(ack.type === 'ack' && ack.body.ok).toBe(true);
    expect(d.status().state).toBe('authorized');

    expect(await d.stamp()).toEqual({ ok: false, reason: 'no_identity' });
    expect(d.enterCode('654321')).toMatchObject({ ok: false, reason: 'wrong_code', attempt: 1 });
    expect(d.enterCode('123456')).toMatchObject({ ok: true, attempt: 2 });

    const first = await d.stamp();
    expect(first).toMatchObject({ ok: true, auth: token.auth, n: 1, offline: false });
    expect(d.status().state).toBe('authorized');
    const second = await d.stamp();
    expect(second).toMatchObject({ ok: true, n: 2 });
    expect(d.status().state).toBe('locked');
    expect(await d.stamp()).toEqual({ ok: false, reason: 'locked' });

    await platform.waitFor(() => platform.events(d.dev, 'impression').length === 2 && states(d.dev).length === 5, 5000, 'impressions');
    expect(states(d.dev)).toEqual([
      'locked>authorized:authorize_command',
      'authorized>stamping:seal_down',
      'stamping>authorized:impression',
      'authorized>stamping:seal_down',
      'stamping>locked:count_used',
    ]);
    const imp = platform.events(d.dev, 'impression')[1]!;
    expect(imp.type === 'impression' && imp.body).toMatchObject({ auth: token.auth, n: 2, operator: { method: 'otp', ref: token.auth }, offline: false });
    const ids = platform.events(d.dev, 'identity').map((e) => (e.type === 'identity' ? [e.body.ok, e.body.attempt] : null));
    expect(ids).toEqual([
      [false, 1],
      [true, 2],
    ]);
    const seqs = platform.received.filter((r) => r.dev === d.dev && r.kind !== 'will').map((r) => (r.msg as { seq: number }).seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(platform.problems).toEqual([]);

    // The same token again: its impressions are used up.
    const again = await command(d, 'authorize', { token });
    expect(again.type === 'ack' && again.body).toMatchObject({ ok: false, error: 'token_used' });
  });

  it('lock while authorized → alarm_locked, stamping refused; unlock → locked', async () => {
    const d = await device();
    await command(d, 'authorize', { token: platform.token(d.dev, '111111') });
    d.enterCode('111111');
    const lock = await command(d, 'lock', { reason: '测试锁定', alarm: 'alarm1' });
    expect(lock.type === 'ack' && lock.body.ok).toBe(true);
    expect(d.status()).toMatchObject({ state: 'alarm_locked', auth: null });
    expect(await d.stamp()).toEqual({ ok: false, reason: 'alarm_locked' });
    // A token cannot bring an alarm-locked device back.
    expect(d.loadOfflineToken(platform.token(d.dev, '222222'))).toEqual({ ok: false, reason: 'state_alarm_locked' });
    await command(d, 'unlock', { reason: '核实无误' });
    expect(d.status().state).toBe('locked');
    await platform.waitFor(() => states(d.dev).length === 3);
    expect(states(d.dev)).toEqual(['locked>authorized:authorize_command', 'authorized>alarm_locked:lock_command', 'alarm_locked>locked:unlock_command']);
  });

  it('the QR path: an offline token is verified like a command; a forged one is refused', async () => {
    const d = await device();
    const forged = { ...platform.token(d.dev, '333333'), n: 50 };
    expect(d.loadOfflineToken(JSON.stringify(forged))).toEqual({ ok: false, reason: 'bad_token_signature' });
    expect(d.loadOfflineToken(platform.token('CZ0000000000', '333333'))).toEqual({ ok: false, reason: 'wrong_device' });
    expect(d.loadOfflineToken(platform.token(d.dev, '333333', { until: new Date(Date.now() - 1000).toISOString() }))).toEqual({ ok: false, reason: 'token_expired' });
    expect(d.loadOfflineToken(platform.token(d.dev, '333333'))).toEqual({ ok: true });
    expect(d.status().state).toBe('authorized');
    await platform.waitFor(() => states(d.dev).length === 1);
    expect(states(d.dev)).toEqual(['locked>authorized:token_scanned']);
  });

  it('five wrong codes lock the token and relock the device', async () => {
    const d = await device();
    const token = platform.token(d.dev, '444444');
    d.loadOfflineToken(token);
    for (let i = 1; i <= 4; i++) expect(d.enterCode('000000')).toMatchObject({ ok: false, reason: 'wrong_code', attempt: i });
    expect(d.enterCode('000000')).toMatchObject({ ok: false, reason: 'token_locked', attempt: 5 });
    expect(d.status().state).toBe('locked');
    expect(d.enterCode('444444')).toEqual({ ok: false, reason: 'no_token' });
    expect(d.loadOfflineToken(token)).toEqual({ ok: false, reason: 'token_locked' });
    await platform.waitFor(() => platform.events(d.dev, 'identity').length === 5);
  });

  it('revoke drops the current token; the window end relocks', async () => {
    const d = await device();
    const token = platform.token(d.dev, '555555');
    await command(d, 'authorize', { token });
    await command(d, 'revoke', { auth: token.auth });
    expect(d.status().state).toBe('locked');
    expect(d.loadOfflineToken(token)).toEqual({ ok: false, reason: 'token_revoked' });

    const short = platform.token(d.dev, '555555', { until: new Date(Date.now() + 300).toISOString() });
    expect(d.loadOfflineToken(short)).toEqual({ ok: true });
    await platform.waitFor(() => d.status().state === 'locked', 3000, 'window end');
    await platform.waitFor(() => states(d.dev).at(-1) === 'authorized>locked:window_ended');
  });

  it('tamper puts the device in alarm_locked; in maintenance it does not, and closing the case ends maintenance', async () => {
    const d = await device();
    const m = await command(d, 'maintenance', { kind: 'ink', until: new Date(Date.now() + 600_000).toISOString(), reason: '加墨' });
    expect(m.type === 'ack' && m.body.ok).toBe(true);
    d.setInk(5);
    d.openCase();
    d.removeSeal();
    d.returnSeal();
    expect(d.status().state).toBe('maintenance');
    d.closeCase();
    expect(d.status()).toMatchObject({ state: 'locked', ink: 100 });

    d.shock();
    expect(d.status().state).toBe('alarm_locked');
    d.openCase();
    await platform.waitFor(() => platform.events(d.dev, 'sensor').length === 7);
    const kinds = platform.events(d.dev, 'sensor').map((e) => (e.type === 'sensor' ? e.body.kind : ''));
    expect(kinds).toEqual(['ink_low', 'case_open', 'seal_removed', 'seal_returned', 'case_closed', 'shock', 'case_open']);
    await platform.waitFor(() => states(d.dev).length === 3);
    expect(states(d.dev)).toEqual(['locked>maintenance:maintenance_command', 'maintenance>locked:case_closed', 'locked>alarm_locked:tamper_shock']);
  });

  it('config: the heartbeat period, the fence (carry the device out → refused) and working hours', async () => {
    const home = { lat_e6: 36_553_000, lng_e6: 116_893_000 };
    const d = await device({ home });
    const ack = await command(d, 'config', { hb_s: 5, fence: { ...home, radius_m: 500 }, hours: null });
    expect(ack.type === 'ack' && ack.body.ok).toBe(true);
    d.loadOfflineToken(platform.token(d.dev, '666666', { n: 5 }));
    d.enterCode('666666');
    d.moveTo(36_600_000, 116_893_000);
    expect(await d.stamp()).toEqual({ ok: false, reason: 'outside_fence' });
    const seq = d.heartbeat();
    const hb = await platform.waitFor(() => platform.received.find((r) => r.kind === 'hb' && r.dev === d.dev && r.msg.seq === seq));
    expect(hb.kind === 'hb' && Math.abs(hb.msg.body.lat_e6 - 36_600_000)).toBeLessThan(200);
    expect(hb.kind === 'hb' && hb.msg.body).toMatchObject({ state: 'authorized', battery: 100, ink: 100 });
    d.moveTo(home.lat_e6, home.lng_e6);
    // Working hours that exclude now (Asia/Shanghai): a one-minute window twelve hours away.
    const later = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(Date.now() + 12 * 3_600_000));
    const [h, m] = later.split(':').map(Number) as [number, number];
    const to = `${String(h).padStart(2, '0')}:${String(Math.min(59, m + 1)).padStart(2, '0')}`;
    await command(d, 'config', { hb_s: 60, fence: null, hours: { from: later, to } });
    expect(await d.stamp()).toEqual({ ok: false, reason: 'outside_hours' });
    await command(d, 'config', { hb_s: 60, fence: null, hours: null });
    expect(await d.stamp()).toMatchObject({ ok: true, n: 1 });
    expect(d.status().hbS).toBe(60);
  });

  it('forceStamp publishes an impression without authorization and alarm-locks', async () => {
    const d = await device();
    const r = await d.forceStamp();
    expect(r).toMatchObject({ ok: true, auth: null, n: 0 });
    const imp = await platform.waitFor(() => platform.events(d.dev, 'impression')[0]);
    expect(imp.type === 'impression' && imp.body).toMatchObject({ auth: null, n: 0, operator: null });
    expect(d.status().state).toBe('alarm_locked');
  });
});
