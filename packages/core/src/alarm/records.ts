/**
 * Alarms (domain §6): one per abnormal condition, with its evidence; pushed live, and
 * acknowledged and resolved by people. Critical ones lock the device at once.
 */
export const ALARM_RULES = [
  'unauthorized_impression', // an impression with no valid authorization, outside its window or over its count
  'tamper', // case opened, seal removed, shock
  'geofence', // impression or heartbeat outside the device's fence
  'off_hours', // impression outside the allowed hours
  'offline', // no connection for longer than the threshold (minutes)
  'missed_heartbeats', // connected but silent for threshold × the heartbeat interval
  'sequence_gap', // device messages missing from its sequence for longer than a grace period
  'low_battery', // battery at or below the threshold (percent)
  'low_ink', // ink at or below the threshold (percent)
  'page_mismatch', // stamped page unlike every approved page (perceptual-hash distance over the threshold)
  'burst', // a village's impressions in an hour over threshold × its usual hourly rate
  'forged_message', // bad signature, replayed or foreign message: suggests an attack
  'clock_skew', // device clock off by more than the threshold (seconds)
] as const;
export type AlarmRule = (typeof ALARM_RULES)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const ALARM_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

export interface Alarm {
  id: string;
  orgCode: string;
  deviceId: string | null;
  sealId: string | null;
  rule: AlarmRule;
  severity: Severity;
  status: AlarmStatus;
  /** What was observed: the event, the numbers compared, the photo keys. */
  evidence: Record<string, unknown>;
  eventSeq: number | null;
  /** Same key, same open alarm: a condition that persists is not raised twice. */
  dedupeKey: string | null;
  autoLocked: boolean;
  createdAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  note: string | null;
  version: number;
}

/** A town's setting of one rule. */
export interface AlarmRuleSetting {
  rule: AlarmRule;
  enabled: boolean;
  severity: Severity;
  autoLock: boolean;
  /** The rule's number (minutes, percent, distance, factor…); null where it has none. */
  threshold: number | null;
}
