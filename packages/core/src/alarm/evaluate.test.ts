import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Authorization } from '../application/records.js';
import { evaluateImpression, isBurst, type ImpressionBody, type ImpressionFacts } from './evaluate-impression.js';
import { evaluateHeartbeat, evaluateSensor } from './evaluate-telemetry.js';
import { beyondFence, distanceM } from './geo.js';
import { localMinutesOf, outsideHours } from './hours.js';
import { ALARM_RULES } from './records.js';
import { mergeRules, RULE_DEFAULTS } from './rules.js';

const rules = mergeRules([]);
const FENCE = { latE6: 35_770_000, lngE6: 116_790_000, radiusM: 200 };
const T = '2026-11-27T02:00:00.000Z'; // 10:00 in Shanghai
const body = (o: Partial<ImpressionBody> = {}): ImpressionBody => ({
  auth: 'AUTH1', n: 1, lat_e6: FENCE.latE6, lng_e6: FENCE.lngE6, acc_m: 5, before: { sm3: '9'.repeat(64), phash: '9'.repeat(16), bytes: 10 },
  after: { sm3: 'a'.repeat(64), phash: 'a'.repeat(16), bytes: 10 }, operator: null, offline: false, ...o,
});
const auth = (o: Partial<Authorization> = {}): Authorization => ({
  id: 'AUTH1', applicationId: 'APP1', sealId: 'S1', deviceId: 'CZ0000000001', impressionsAllowed: 2, impressionsUsed: 0, validFrom: '2026-11-27T01:00:00.000Z',
  validUntil: '2026-11-27T16:00:00.000Z', status: 'active', revokedAt: null, pages: [{ pageNo: 1, sm3: 'a'.repeat(64), phash: 'a'.repeat(16) }], createdAt: T, version: 1, ...o,
});
const facts = (o: Partial<ImpressionFacts> = {}): ImpressionFacts => ({
  deviceId: 'CZ0000000001', seq: 7, deviceTime: T, receivedAt: T, body: body(), fence: FENCE, hours: null, authorization: auth(), missing: null, ...o,
});
const rulesOf = (v: { findings: { rule: string }[] }) => v.findings.map((f) => f.rule).sort();

describe('rule defaults', () => {
  it('has a default for every rule; the critical misuse rules lock, the others do not', () => {
    for (const r of ALARM_RULES) expect(RULE_DEFAULTS[r].nameZh.length).toBeGreaterThan(1);
    expect(ALARM_RULES.filter((r) => rules[r].autoLock).sort()).toEqual(['tamper', 'unauthorized_impression']);
    expect(mergeRules([{ rule: 'low_battery', enabled: false, severity: 'info', autoLock: false, threshold: 35 }]).low_battery).toEqual({ rule: 'low_battery', enabled: false, severity: 'info', autoLock: false, threshold: 35 });
  });
});

describe('geofence and hours', () => {
  it('measures distances on the e6 integers (1/1000 degree of latitude ≈ 111 m)', () => {
    expect(distanceM(FENCE, { latE6: FENCE.latE6 + 1000, lngE6: FENCE.lngE6 })).toBeCloseTo(111.2, 0);
    expect(distanceM(FENCE, { latE6: FENCE.latE6, lngE6: FENCE.lngE6 + 1000 })).toBeCloseTo(111.2 * Math.cos((35.77 * Math.PI) / 180), 0);
    expect(beyondFence(FENCE, { latE6: FENCE.latE6 + 1000, lngE6: FENCE.lngE6 }, 0)).toBeNull();
  });

  it('forgives the tolerance, ignores a missing fence or fix', () => {
    const p = { latE6: FENCE.latE6 + 2000, lngE6: FENCE.lngE6 }; // ~222 m from the centre
    expect(beyondFence(FENCE, p, 50)).toBeNull();
    expect(beyondFence(FENCE, p, 10)).toEqual({ distanceM: 222, beyondM: 12 });
    expect(beyondFence(null, p, 0)).toBeNull();
    expect(beyondFence(FENCE, { latE6: 0, lngE6: 0 }, 0)).toBeNull();
  });

  it('judges local hours, across midnight and with grace', () => {
    const h = { from: '07:00', to: '19:00' };
    expect(outsideHours(7 * 60, h)).toBe(false);
    expect(outsideHours(18 * 60 + 59, h)).toBe(false);
    expect(outsideHours(19 * 60, h)).toBe(true);
    expect(outsideHours(6 * 60 + 50, h)).toBe(true);
    expect(outsideHours(6 * 60 + 50, h, 15)).toBe(false);
    const night = { from: '22:00', to: '06:00' };
    expect([outsideHours(23 * 60, night), outsideHours(3 * 60, night), outsideHours(12 * 60, night)]).toEqual([false, false, true]);
    expect(outsideHours(3 * 60, { from: '00:00', to: '00:00' })).toBe(false);
    expect(localMinutesOf(new Date(T), 'Asia/Shanghai')).toBe(600);
  });

  it('a time is outside the hours exactly when it is outside the widened interval (property)', () => {
    const hhmm = fc.integer({ min: 0, max: 1439 }).map((m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
    fc.assert(fc.property(hhmm, hhmm, fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 240 }), (from, to, t, g) => {
      const m = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
      const inside = (x: number) => {
        if (m(from) === m(to)) return true;
        for (let d = -g; d <= g; d++) {
          const y = (x + d + 1440) % 1440;
          if (m(from) < m(to) ? y >= m(from) && y < m(to) : y >= m(from) || y < m(to)) return true;
        }
        return false;
      };
      expect(outsideHours(t, { from, to }, g)).toBe(!inside(t));
    }), { numRuns: 400 });
  });
});

describe('evaluateImpression', () => {
  it('an impression within its terms, fence, hours and page raises nothing', () => {
    const v = evaluateImpression(facts(), rules, 'Asia/Shanghai');
    expect(v).toMatchObject({ check: { ok: true }, flags: [], matchedPageNo: 1, findings: [] });
  });

  it('names the missing authorization, and judges count, window and revocation at the device time', () => {
    expect(evaluateImpression(facts({ authorization: null, missing: 'no_authorization', body: body({ auth: null }) }), rules, 'Asia/Shanghai').findings)
      .toEqual([expect.objectContaining({ rule: 'unauthorized_impression', dedupeKey: 'unauthorized_impression:CZ0000000001:7', evidence: expect.objectContaining({ reason: 'no_authorization' }) })]);
    const over = evaluateImpression(facts({ authorization: auth({ impressionsUsed: 2 }) }), rules, 'Asia/Shanghai');
    expect([over.flags, over.findings[0]!.evidence.reason]).toEqual([['over_count'], 'over_count']);
    const late = evaluateImpression(facts({ deviceTime: '2026-11-27T17:00:00.000Z', receivedAt: '2026-11-27T17:00:00.000Z' }), rules, 'Asia/Shanghai');
    expect(late.flags).toContain('outside_window');
    expect(late.flags).toContain('off_hours'); // 01:00 local
    expect(evaluateImpression(facts({ authorization: auth({ status: 'revoked' }) }), rules, 'Asia/Shanghai').flags).toEqual(['revoked']);
    const buffered = evaluateImpression(facts({ receivedAt: '2026-11-27T03:00:00.000Z' }), rules, 'Asia/Shanghai');
    expect([buffered.flags, buffered.findings]).toEqual([['late'], []]);
  });

  it('follows the town\'s thresholds: page distance, fence tolerance, off-hours grace', () => {
    const near = facts({ body: body({ after: { sm3: 'c'.repeat(64), phash: 'a'.repeat(15) + '0', bytes: 10 } }) }); // 2 bits off
    expect(evaluateImpression(near, rules, 'Asia/Shanghai').matchedPageNo).toBe(1);
    const strict = mergeRules([{ rule: 'page_mismatch', enabled: true, severity: 'critical', autoLock: false, threshold: 1 }]);
    const v = evaluateImpression(near, strict, 'Asia/Shanghai');
    expect([v.matchedPageNo, rulesOf(v), v.findings[0]!.evidence.distance]).toEqual([null, ['page_mismatch'], 2]);
    const outside = facts({ body: body({ lat_e6: FENCE.latE6 + 2500 }) }); // ~278 m
    expect(rulesOf(evaluateImpression(outside, rules, 'Asia/Shanghai'))).toEqual(['geofence']);
    const wide = mergeRules([{ rule: 'geofence', enabled: true, severity: 'warning', autoLock: false, threshold: 100 }]);
    expect(rulesOf(evaluateImpression(outside, wide, 'Asia/Shanghai'))).toEqual([]);
    const early = facts({ deviceTime: '2026-11-26T22:50:00.000Z' }); // 06:50 local
    const grace = mergeRules([{ rule: 'off_hours', enabled: true, severity: 'warning', autoLock: false, threshold: 15 }]);
    expect(rulesOf(evaluateImpression({ ...early, authorization: auth({ validFrom: '2026-11-26T00:00:00.000Z' }) }, rules, 'Asia/Shanghai'))).toEqual(['off_hours']);
    expect(rulesOf(evaluateImpression({ ...early, authorization: auth({ validFrom: '2026-11-26T00:00:00.000Z' }) }, grace, 'Asia/Shanghai'))).toEqual([]);
  });

  it('bursts only above the floor and above factor × the usual hourly rate', () => {
    expect(isBurst(10, 0, 5, 10).burst).toBe(false);
    expect(isBurst(11, 0, 5, 10).burst).toBe(true);
    // 7,200 in 30 days = 10 an hour: the limit is 50.
    expect(isBurst(50, 7200, 5, 10)).toMatchObject({ burst: false, usualHourly: 10, limit: 50 });
    expect(isBurst(51, 7200, 5, 10).burst).toBe(true);
  });
});

describe('evaluateSensor and evaluateHeartbeat', () => {
  const d = { id: 'CZ0000000001', state: 'locked' as const, fence: FENCE };
  const sensor = (kind: 'case_open' | 'seal_removed' | 'shock' | 'battery_low' | 'ink_low' | 'case_closed', value?: number) => ({
    seq: 3, deviceTime: T, body: { kind, ...(value === undefined ? {} : { value }), lat_e6: FENCE.latE6, lng_e6: FENCE.lngE6, acc_m: 5 },
  });
  it('tamper unless in approved maintenance; low levels by the threshold', () => {
    expect(evaluateSensor(d, sensor('case_open'), rules)).toEqual([expect.objectContaining({ rule: 'tamper', dedupeKey: 'tamper:CZ0000000001:case_open' })]);
    expect(evaluateSensor({ ...d, state: 'maintenance' }, sensor('seal_removed'), rules)).toEqual([]);
    expect(evaluateSensor(d, sensor('case_closed'), rules)).toEqual([]);
    expect(evaluateSensor(d, sensor('battery_low', 25), rules)).toEqual([]);
    expect(evaluateSensor(d, sensor('battery_low', 20), rules).map((f) => f.rule)).toEqual(['low_battery']);
    expect(evaluateSensor(d, sensor('ink_low'), rules).map((f) => f.rule)).toEqual(['low_ink']);
  });

  it('heartbeats: battery, ink, fence and clock', () => {
    const hb = (o: Record<string, number> = {}) => ({ seq: 4, ts: T, body: { state: 'locked' as const, battery: 80, ink: 80, lat_e6: FENCE.latE6, lng_e6: FENCE.lngE6, acc_m: 5, buffered: 0, ...o } });
    expect(evaluateHeartbeat(d, hb(), 0, rules)).toEqual([]);
    const bad = evaluateHeartbeat(d, hb({ battery: 5, ink: 3, lat_e6: FENCE.latE6 + 9000 }), -400_000, rules);
    expect(bad.map((f) => f.dedupeKey)).toEqual(['low_battery:CZ0000000001', 'low_ink:CZ0000000001', 'geofence:CZ0000000001', 'clock_skew:CZ0000000001']);
    expect(evaluateHeartbeat(d, hb(), null, rules)).toEqual([]);
  });
});
