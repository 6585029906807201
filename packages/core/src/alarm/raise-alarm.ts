import { record } from '../audit/record.js';
import { systemActor } from '../auth/actor.js';
import { lockDeviceInTx } from '../device/lock-device.js';
import type { Device } from '../device/records.js';
import type { Deps, Tx } from '../ports.js';
import type { Alarm, AlarmRule } from './records.js';
import { RULE_DEFAULTS, type EffectiveRules } from './rules.js';

export interface AlarmSpec {
  rule: AlarmRule;
  orgCode: string;
  /** The device it concerns (kept current by the caller: an auto-lock changes its version). */
  device: Device | null;
  sealId?: string | null;
  evidence: Record<string, unknown>;
  eventSeq?: number | null;
  /** Same key, same open alarm: a persisting condition is raised once until resolved. */
  dedupeKey: string | null;
}

export interface Raised {
  alarm: Alarm;
  /** False when an open alarm of the same key stood already (nothing was written). */
  created: boolean;
  /** The device as it is now (locked when the rule locks). */
  device: Device | null;
}

/**
 * Raises an alarm inside the caller's transaction under the town's settings: a disabled rule
 * raises nothing (null); a repeat of an open condition returns the open alarm. A new alarm is
 * audited (ALARM_RAISED, by the system); a rule set to auto-lock orders the device locked
 * (DEVICE_LOCK_REQUESTED with the alarm's id) unless the platform already wants it locked —
 * also when the condition recurs under an alarm still open.
 */
export async function raiseAlarm(tx: Tx, deps: Pick<Deps, 'clock' | 'ids' | 'deviceKeys'>, rules: EffectiveRules, spec: AlarmSpec): Promise<Raised | null> {
  const setting = rules[spec.rule];
  if (!setting.enabled) return null;
  const now = deps.clock.now().toISOString();
  const device = spec.device;
  const locks = setting.autoLock && device !== null && device.status !== 'retired' && !device.lockWanted;
  const draft: Alarm = {
    id: deps.ids.next(), orgCode: spec.orgCode, deviceId: device?.id ?? null, sealId: spec.sealId !== undefined ? spec.sealId : (device?.sealId ?? null),
    rule: spec.rule, severity: setting.severity, status: 'open', evidence: spec.evidence, eventSeq: spec.eventSeq ?? null, dedupeKey: spec.dedupeKey,
    autoLocked: locks, createdAt: now, acknowledgedBy: null, acknowledgedAt: null, resolvedBy: null, resolvedAt: null, note: null, version: 1,
  };
  const { alarm, created } = await tx.alarms.raise(draft);
  const actor = systemActor(device ? `device:${device.id}` : 'local');
  if (!created) {
    // The condition came back while its alarm is still open (e.g. the case opened again after a
    // two-person unlock, the alarm only acknowledged): a locking rule locks again, under that alarm.
    if (!locks || !device) return { alarm, created, device };
    const relocked = await lockDeviceInTx(tx, deps, { actor, device, reason: `${RULE_DEFAULTS[spec.rule].nameZh}（告警 ${alarm.id}）`, alarmId: alarm.id });
    return { alarm, created, device: relocked.device };
  }
  await record(tx, deps, actor, {
    action: 'ALARM_RAISED', targetType: 'alarm', targetId: alarm.id, orgCode: alarm.orgCode, before: null,
    after: { rule: alarm.rule, severity: alarm.severity, autoLocked: alarm.autoLocked, deviceId: alarm.deviceId, sealId: alarm.sealId, eventSeq: alarm.eventSeq, evidence: alarm.evidence },
  });
  if (!locks || !device) return { alarm, created, device };
  const reason = `${RULE_DEFAULTS[spec.rule].nameZh}（告警 ${alarm.id}）`;
  const locked = await lockDeviceInTx(tx, deps, { actor, device, reason, alarmId: alarm.id });
  return { alarm, created, device: locked.device };
}
