import { describe, expect, it } from 'vitest';
import { distanceM } from '@cunzhang/core/geo';
import type { AlarmView, Me } from '../lib/types';
import { alarmSteps, batteryInk, degToE6, e6ToDeg, eventSummary, evidencePhotos, evidenceRows, evidenceSummary, fenceRelation, isHhmm, lockLabel, type Translate } from './format';

/** A translator that shows which key and values were asked for, so the tests see the wiring. */
const t: Translate = (key, opts) => {
  if (key === 'errors.sep') return '：';
  if (key === 'evi.join') return '；';
  const { defaultValue, ...vars } = opts ?? {};
  const known = !key.startsWith('evi.unknown') && !key.endsWith('.mystery');
  const base = known ? `[${key}]` : String(defaultValue ?? key);
  return Object.keys(vars).length ? `${base}${JSON.stringify(vars)}` : base;
};
const time = (iso: string) => `T(${iso})`;

describe('degrees and micro-degrees', () => {
  it('turns typed degrees into exact micro-degrees, as text, without float error', () => {
    expect(degToE6('35.794100', 90)).toBe(35_794_100);
    expect(degToE6('35.123457', 90)).toBe(35_123_457);
    expect(degToE6('116.5', 180)).toBe(116_500_000);
    expect(degToE6(' -0.000001 ', 90)).toBe(-1);
    expect(degToE6('+12', 90)).toBe(12_000_000);
    expect(degToE6('12.', 90)).toBe(12_000_000);
    // Digits past the sixth are rounded half away from zero.
    expect(degToE6('35.1234565', 90)).toBe(35_123_457);
    expect(degToE6('35.1234564', 90)).toBe(35_123_456);
    expect(degToE6('-35.1234565', 90)).toBe(-35_123_457);
    expect(degToE6('-0.0000001', 90)).toBe(0);
  });

  it('refuses what is not a coordinate within its limit', () => {
    for (const bad of ['', 'abc', '35,5', '1e5', '90.000001', '-90.5', '1234', '12.3.4']) expect(degToE6(bad, 90), bad).toBeNull();
    expect(degToE6('180', 180)).toBe(180_000_000);
    expect(degToE6('180.000001', 180)).toBeNull();
    expect(degToE6('91', 180)).toBe(91_000_000);
  });

  it('writes micro-degrees back with six decimals, and the round trip is exact', () => {
    expect(e6ToDeg(35_794_100)).toBe('35.794100');
    expect(e6ToDeg(-1)).toBe('-0.000001');
    expect(e6ToDeg(-116_553_200)).toBe('-116.553200');
    expect(e6ToDeg(0)).toBe('0.000000');
    for (const v of [1, 999_999, 35_123_457, -179_999_999, 90_000_000]) expect(degToE6(e6ToDeg(v), 180)).toBe(v);
  });

  it('measures distances like the server and places a position against a fence', () => {
    const home = { latE6: 35_794_100, lngE6: 116_553_200 };
    // 0.001° of latitude is about 111 m.
    expect(distanceM(home, { latE6: 35_795_100, lngE6: 116_553_200 })).toBeCloseTo(111.2, 0);
    const fence = { ...home, radiusM: 200 };
    expect(fenceRelation({ latE6: 35_795_100, lngE6: 116_553_200 }, fence)).toEqual({ distanceM: 111, inside: true });
    expect(fenceRelation({ latE6: 35_797_100, lngE6: 116_553_200 }, fence)).toEqual({ distanceM: 334, inside: false });
    expect(fenceRelation({ latE6: 0, lngE6: 0 }, fence)).toBeNull();
    expect(fenceRelation(home, null)).toBeNull();
  });

  it('writes battery and ink with a dash for what was not reported', () => {
    expect(batteryInk({ battery: 80, ink: 0 })).toBe('80% / 0%');
    expect(batteryInk({ battery: null, ink: 35 })).toBe('— / 35%');
  });

  it('knows a 24-hour time', () => {
    expect(isHhmm('08:00')).toBe(true);
    expect(isHhmm('23:59')).toBe(true);
    expect(isHhmm('24:00')).toBe(false);
    expect(isHhmm('8:00')).toBe(false);
  });
});

const SM3A = 'a'.repeat(64);
const SM3B = 'b'.repeat(64);

describe('alarm evidence in words', () => {
  const impression = {
    auth: null, n: 0, deviceTime: '2026-05-01T01:02:03.000Z', receivedAt: '2026-05-01T01:02:04.000Z',
    position: { latE6: 35_794_100, lngE6: 116_553_200, accM: 8 }, photos: { before: SM3A, after: SM3B }, offline: false, reason: 'no_authorization',
  };

  it('puts the reason first, translates code words, writes times and positions readably, and leaves photos out', () => {
    const rows = evidenceRows(impression, t, time);
    expect(rows[0]).toEqual({ key: 'reason', label: '[evi.reason]', value: '[eviReason.no_authorization]' });
    const byKey = new Map(rows.map((r) => [r.key, r.value]));
    expect(byKey.get('deviceTime')).toBe('T(2026-05-01T01:02:03.000Z)');
    expect(byKey.get('position')).toBe('[evi.positionAcc]{"lat":"35.794100","lon":"116.553200","acc":8}');
    expect(byKey.get('offline')).toBe('[evi.no]');
    expect(byKey.get('auth')).toBe('[common.none]');
    // No authorization: its impression number (always 0) is left out; so are empty readings.
    expect(byKey.has('n')).toBe(false);
    expect(evidenceRows({ kind: 'shock', value: null }, t, time).map((r) => r.key)).toEqual(['kind']);
    expect(byKey.has('photos')).toBe(false);
    expect(rows.map((r) => r.key).indexOf('deviceTime')).toBeLessThan(rows.map((r) => r.key).indexOf('position'));
  });

  it('shows fences, hours, metres, seconds and unknown keys', () => {
    const rows = evidenceRows({
      zeta: { a: 1 }, fence: { latE6: 1, lngE6: -2, radiusM: 300 }, hours: { from: '08:00', to: '18:00' }, beyondM: 42, skewMs: -301_540, kind: 'case_open', mystery: 'x',
    }, t, time);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    expect(byKey.get('fence')!.value).toBe('[evi.fenceV]{"lat":"0.000001","lon":"-0.000002","r":300}');
    expect(byKey.get('hours')!.value).toBe('08:00–18:00');
    expect(byKey.get('beyondM')!.value).toBe('[evi.metres]{"n":42}');
    expect(byKey.get('skewMs')!.value).toBe('[evi.seconds]{"n":-301.5}');
    expect(byKey.get('kind')!.value).toBe('[sensor.case_open]');
    // Keys with no label come last, under their own name (the translator's default).
    expect(rows.slice(-2).map((r) => r.key)).toEqual(['mystery', 'zeta']);
    expect(byKey.get('zeta')!.value).toBe('{"a":1}');
  });

  it('finds the photos by their SM3 keys, wherever they sit, once each', () => {
    expect(evidencePhotos(impression, t)).toEqual([
      { key: 'photos.before', label: '[eviPhoto.before]', sm3: SM3A },
      { key: 'photos.after', label: '[eviPhoto.after]', sm3: SM3B },
    ]);
    expect(evidencePhotos({ after: { sm3: SM3B, phash: '0'.repeat(16) }, again: SM3B, note: 'abc' }, t)).toEqual([
      { key: 'after.sm3', label: '[eviPhoto.after]', sm3: SM3B },
    ]);
    expect(evidencePhotos({ battery: 12 }, t)).toEqual([]);
  });

  it('sums an alarm up by its telling facts, skipping times and empty values', () => {
    expect(evidenceSummary({ seq: 9, deviceTime: '2026-05-01T01:02:03.000Z', battery: 12, threshold: 20 }, t, time)).toBe('[evi.battery]：12%');
    expect(evidenceSummary({ kind: 'shock', value: null, deviceTime: '2026-05-01T01:02:03.000Z' }, t, time)).toBe('[evi.kind]：[sensor.shock]');
    expect(evidenceSummary({ reason: 'over_count', distance: 28, threshold: 20 }, t, time)).toBe('[evi.reason]：[eviReason.over_count]；[evi.distance]：28');
    // Nothing telling: the first plain values.
    expect(evidenceSummary({ mystery: 'x', position: { latE6: 1, lngE6: 2 }, bar: 3 }, t, time)).toBe('mystery：x；[evi.bar]：3');
  });

  it('says a fact once, and writes the missing ranges of a sequence gap', () => {
    const label: Translate = (k) => (k === 'evi.auth' || k === 'evi.authorizationId' ? '授权编号' : `[${k}]`);
    const rows = evidenceRows({ auth: 'A1', authorizationId: 'A1', ranges: [{ from: 41, to: 43, seenAt: 'x' }, { from: 57, to: 57, seenAt: 'y' }] }, label, time);
    expect(rows.map((r) => r.key)).toEqual(['auth', 'ranges']);
    expect(rows[1]!.value).toBe('41–43、57–57');
  });
});

describe('device events in words', () => {
  it('says what each event type reports', () => {
    expect(eventSummary('impression', { auth: 'A1', n: 2, offline: true, operator: { method: 'otp', ref: 'x' } }, t))
      .toBe('[devEv.impressionAuth]{"auth":"A1","n":2} · [devEv.offline] · [devEv.operator]{"method":"[devEv.method_otp]"}');
    expect(eventSummary('impression', { auth: null, n: 0, offline: false, operator: null }, t)).toBe('[devEv.impressionForced]');
    expect(eventSummary('sensor', { kind: 'shock', value: 7 }, t)).toBe('[sensor.shock]（7）');
    expect(eventSummary('state', { from: 'locked', to: 'alarm_locked', reason: 'tamper' }, t)).toBe('[devState.locked] → [devState.alarm_locked]（tamper）');
    expect(eventSummary('ack', { cmd: 'C1', ok: false, error: 'expired' }, t)).toBe('[devEv.ackRefused]{"cmd":"C1","error":"expired"}');
    expect(eventSummary('weird', { a: 1 }, t)).toBe('{"a":1}');
  });
});

const VILLAGE = '371722106201';
const me = (...permissions: string[]): Me => ({ permissions: permissions.map((permission) => ({ orgCode: '371722106', permission })) } as unknown as Me);
const alarm = (status: AlarmView['status'], deviceId: string | null = 'D1', orgCode = VILLAGE): AlarmView =>
  ({ id: 'A1', status, deviceId, orgCode, rule: 'unauthorized_impression' } as unknown as AlarmView);

describe('the steps open on an alarm', () => {
  it('follows the reader\'s permissions in the alarm\'s unit without a list from the server', () => {
    const handler = me('alarm.handle', 'device.lock');
    expect(alarmSteps(alarm('open'), handler)).toEqual({ acknowledge: true, resolve: true, lock: true });
    expect(alarmSteps(alarm('acknowledged'), handler)).toEqual({ acknowledge: false, resolve: true, lock: true });
    expect(alarmSteps(alarm('resolved', null), handler)).toEqual({ acknowledge: false, resolve: false, lock: false });
    expect(alarmSteps(alarm('open'), me('alarm.read'))).toEqual({ acknowledge: false, resolve: false, lock: false });
    // Another town's alarm: the grant does not reach it.
    expect(alarmSteps(alarm('open', 'D1', '371723100201'), handler)).toEqual({ acknowledge: false, resolve: false, lock: false });
  });

  it('takes the server\'s list when there is one (the lock still goes by permission)', () => {
    expect(alarmSteps(alarm('open'), me('device.lock'), ['resolve'])).toEqual({ acknowledge: false, resolve: true, lock: true });
    expect(alarmSteps(alarm('open'), me('alarm.handle'), [])).toEqual({ acknowledge: false, resolve: false, lock: false });
  });
});

describe('the one-tap lock button', () => {
  const t: Translate = (k) => k;
  it('says what the lock is doing, "locking" while the request is on its way', () => {
    expect(lockLabel('unlocked', false, t)).toBe('dev.oneTap');
    expect(lockLabel(undefined, false, t)).toBe('dev.oneTap');
    expect(lockLabel('unlocked', true, t)).toBe('lock.locking');
    expect(lockLabel('locking', false, t)).toBe('lock.locking');
    expect(lockLabel('locked', false, t)).toBe('lock.locked');
    expect(lockLabel('unlocking', false, t)).toBe('lock.unlocking');
  });
});
