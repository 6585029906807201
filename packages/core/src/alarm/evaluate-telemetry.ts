import type { DeviceEventOf, Heartbeat } from '@cunzhang/protocol';
import type { Geofence, ReportedState } from '../device/records.js';
import { beyondFence } from './geo.js';
import { thresholdOf, type EffectiveRules, type Finding } from './rules.js';

/** Sensor kinds that mean somebody is at the seal who should not be (domain §6: tamper). */
export const TAMPER_KINDS = ['case_open', 'seal_removed', 'shock'] as const;

/**
 * The rules of one sensor event (pure). Tamper is not raised while the device is in approved
 * maintenance: the keeper opens the case to change the ink or the seal.
 */
export function evaluateSensor(
  d: { id: string; state: ReportedState | null; fence: Geofence | null },
  ev: { seq: number; deviceTime: string; body: DeviceEventOf<'sensor'>['body'] },
  rules: EffectiveRules,
): Finding[] {
  const { body } = ev;
  const position = { latE6: body.lat_e6, lngE6: body.lng_e6, accM: body.acc_m };
  const evidence = { kind: body.kind, value: body.value ?? null, position, deviceTime: ev.deviceTime, deviceState: d.state };
  if ((TAMPER_KINDS as readonly string[]).includes(body.kind)) {
    if (d.state === 'maintenance') return [];
    return [{ rule: 'tamper', dedupeKey: `tamper:${d.id}:${body.kind}`, evidence }];
  }
  // A sensor report without a value is the device's own judgement that the level is low.
  if (body.kind === 'battery_low' && (body.value === undefined || body.value <= thresholdOf(rules, 'low_battery'))) {
    return [{ rule: 'low_battery', dedupeKey: `low_battery:${d.id}`, evidence: { ...evidence, source: 'sensor', threshold: thresholdOf(rules, 'low_battery') } }];
  }
  if (body.kind === 'ink_low' && (body.value === undefined || body.value <= thresholdOf(rules, 'low_ink'))) {
    return [{ rule: 'low_ink', dedupeKey: `low_ink:${d.id}`, evidence: { ...evidence, source: 'sensor', threshold: thresholdOf(rules, 'low_ink') } }];
  }
  return [];
}

/**
 * The rules of a heartbeat (pure): battery, ink, position against the fence, clock skew. Only a
 * fresh heartbeat (the newest message of the device) is judged: an old one from the offline
 * buffer describes a past that newer messages have replaced.
 */
export function evaluateHeartbeat(
  d: { id: string; fence: Geofence | null },
  hb: Pick<Heartbeat, 'seq' | 'ts' | 'body'>,
  skewMs: number | null,
  rules: EffectiveRules,
): Finding[] {
  const { body } = hb;
  const out: Finding[] = [];
  const seen = { seq: hb.seq, deviceTime: hb.ts, source: 'heartbeat' };
  const battery = thresholdOf(rules, 'low_battery');
  if (body.battery <= battery) out.push({ rule: 'low_battery', dedupeKey: `low_battery:${d.id}`, evidence: { ...seen, battery: body.battery, threshold: battery } });
  const ink = thresholdOf(rules, 'low_ink');
  if (body.ink <= ink) out.push({ rule: 'low_ink', dedupeKey: `low_ink:${d.id}`, evidence: { ...seen, ink: body.ink, threshold: ink } });
  const tolerance = thresholdOf(rules, 'geofence');
  const position = { latE6: body.lat_e6, lngE6: body.lng_e6, accM: body.acc_m };
  const beyond = beyondFence(d.fence, position, tolerance);
  if (beyond) out.push({ rule: 'geofence', dedupeKey: `geofence:${d.id}`, evidence: { ...seen, position, fence: d.fence, ...beyond, toleranceM: tolerance } });
  const skewLimit = thresholdOf(rules, 'clock_skew') * 1000;
  if (skewMs !== null && Math.abs(skewMs) > skewLimit) {
    out.push({ rule: 'clock_skew', dedupeKey: `clock_skew:${d.id}`, evidence: { ...seen, skewMs, thresholdSeconds: skewLimit / 1000 } });
  }
  return out;
}
