import { PAGE_MATCH_MAX_DISTANCE } from '../ledger/phash.js';
import type { Tx } from '../ports.js';
import { ALARM_RULES, type AlarmRule, type AlarmRuleSetting, type Severity } from './records.js';

/** What a rule's number means; null where the rule has none. */
export type ThresholdUnit = 'metres' | 'minutes' | 'seconds' | 'percent' | 'factor' | 'bits';

export interface RuleDefault {
  nameZh: string;
  nameEn: string;
  severity: Severity;
  autoLock: boolean;
  threshold: number | null;
  unit: ThresholdUnit | null;
  /** Allowed range of the threshold a town may set. */
  min: number | null;
  max: number | null;
  /** What the number does, for the settings screen. */
  thresholdHelp: string | null;
}

/** Fewest impressions in one hour that may count as a burst, however quiet the village usually is. */
export const BURST_FLOOR = 10;
/** Allowed hours of a device that has none of its own (local time, CUNZHANG_TZ). */
export const DEFAULT_HOURS = { from: '07:00', to: '19:00' } as const;
/** An event whose device time is this far before its arrival was buffered offline: flagged late. */
export const LATE_AFTER_MS = 5 * 60_000;

/**
 * The defaults of every rule (domain §6). Critical ones that prove misuse of the seal lock the
 * device at once: an impression without a valid authorization, and tamper. A forged message is
 * critical but does not lock: it proves nothing about the seal, and locking on it would let
 * anyone who can publish a bad message lock a village's seal.
 */
export const RULE_DEFAULTS: Record<AlarmRule, RuleDefault> = {
  unauthorized_impression: {
    nameZh: '未授权用印', nameEn: 'Unauthorized impression', severity: 'critical', autoLock: true, threshold: null, unit: null, min: null, max: null, thresholdHelp: null,
  },
  tamper: { nameZh: '设备被撬或印章被取出', nameEn: 'Tamper', severity: 'critical', autoLock: true, threshold: null, unit: null, min: null, max: null, thresholdHelp: null },
  geofence: {
    nameZh: '设备越出电子围栏', nameEn: 'Outside the geofence', severity: 'warning', autoLock: false, threshold: 50, unit: 'metres', min: 0, max: 5000,
    thresholdHelp: 'metres beyond the fence radius tolerated (GPS error)',
  },
  off_hours: {
    nameZh: '非工作时间用印', nameEn: 'Off-hours impression', severity: 'warning', autoLock: false, threshold: 0, unit: 'minutes', min: 0, max: 240,
    thresholdHelp: 'minutes of grace around the allowed hours (the device\'s own, else 07:00–19:00)',
  },
  offline: { nameZh: '设备离线', nameEn: 'Device offline', severity: 'warning', autoLock: false, threshold: 10, unit: 'minutes', min: 1, max: 7 * 24 * 60, thresholdHelp: 'minutes offline before the alarm' },
  missed_heartbeats: {
    nameZh: '心跳缺失', nameEn: 'Missed heartbeats', severity: 'warning', autoLock: false, threshold: 3, unit: 'factor', min: 2, max: 100,
    thresholdHelp: 'heartbeat intervals of silence before the alarm',
  },
  sequence_gap: {
    nameZh: '设备消息缺失', nameEn: 'Gap in the event sequence', severity: 'warning', autoLock: false, threshold: 60, unit: 'seconds', min: 10, max: 86_400,
    thresholdHelp: 'seconds a missing message may still arrive before the alarm',
  },
  low_battery: { nameZh: '电量低', nameEn: 'Low battery', severity: 'warning', autoLock: false, threshold: 20, unit: 'percent', min: 1, max: 99, thresholdHelp: 'battery percent at or below which to alarm' },
  low_ink: { nameZh: '印油不足', nameEn: 'Low ink', severity: 'info', autoLock: false, threshold: 10, unit: 'percent', min: 1, max: 99, thresholdHelp: 'ink percent at or below which to alarm' },
  page_mismatch: {
    nameZh: '盖章页面与审批不符', nameEn: 'Stamped page unlike the approved pages', severity: 'warning', autoLock: false, threshold: PAGE_MATCH_MAX_DISTANCE, unit: 'bits', min: 1, max: 63,
    thresholdHelp: 'most differing bits (of 64) at which a stamped page still counts as approved',
  },
  burst: {
    nameZh: '用印频次异常', nameEn: 'Burst of impressions', severity: 'warning', autoLock: false, threshold: 5, unit: 'factor', min: 2, max: 100,
    thresholdHelp: `times the village's usual hourly rate (and at least ${BURST_FLOOR} in the hour)`,
  },
  forged_message: { nameZh: '伪造或重放消息', nameEn: 'Forged or replayed message', severity: 'critical', autoLock: false, threshold: null, unit: null, min: null, max: null, thresholdHelp: null },
  clock_skew: {
    nameZh: '设备时钟偏差', nameEn: 'Device clock off', severity: 'warning', autoLock: false, threshold: 300, unit: 'seconds', min: 5, max: 86_400,
    thresholdHelp: 'seconds the device clock may be off',
  },
};

export const defaultSetting = (rule: AlarmRule): AlarmRuleSetting => {
  const d = RULE_DEFAULTS[rule];
  return { rule, enabled: true, severity: d.severity, autoLock: d.autoLock, threshold: d.threshold };
};

export type EffectiveRules = Record<AlarmRule, AlarmRuleSetting>;

/** The defaults, each replaced by the town's own setting of that rule. Pure. */
export function mergeRules(own: readonly AlarmRuleSetting[]): EffectiveRules {
  const out = {} as EffectiveRules;
  for (const rule of ALARM_RULES) {
    const mine = own.find((s) => s.rule === rule);
    // A rule without a number keeps none; a setting stored without one takes the default's.
    out[rule] = mine ? { ...mine, threshold: RULE_DEFAULTS[rule].threshold === null ? null : (mine.threshold ?? RULE_DEFAULTS[rule].threshold) } : defaultSetting(rule);
  }
  return out;
}

/** The settings of a town (9-digit code; a unit above town level uses the defaults). */
export async function effectiveRules(tx: Tx, townCode: string | null): Promise<EffectiveRules> {
  return mergeRules(townCode ? await tx.alarms.rulesForTown(townCode) : []);
}

/** Loads each town's rules once per transaction (a batch of device messages spans few towns). */
export function rulesCache(tx: Tx): (townCode: string | null) => Promise<EffectiveRules> {
  const cache = new Map<string, Promise<EffectiveRules>>();
  return (town) => {
    const key = town ?? '';
    if (!cache.has(key)) cache.set(key, effectiveRules(tx, town));
    return cache.get(key)!;
  };
}

/** The number of a rule as set (every rule with a unit has one). */
export const thresholdOf = (rules: EffectiveRules, rule: AlarmRule): number => rules[rule].threshold ?? RULE_DEFAULTS[rule].threshold ?? 0;

/** What a pure rule function found: raised by the caller with the device and unit it concerns. */
export interface Finding {
  rule: AlarmRule;
  evidence: Record<string, unknown>;
  /** Per device (a persisting condition) or per event (each one an alarm of its own). */
  dedupeKey: string;
}
