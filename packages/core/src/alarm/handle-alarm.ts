import { z } from 'zod';
import { record } from '../audit/record.js';
import { hasPermission, requirePermission, type Actor } from '../auth/actor.js';
import { AppError, notFound } from '../errors.js';
import type { Deps, Tx } from '../ports.js';
import { parseInput } from '../validate.js';
import type { Alarm } from './records.js';

/** An alarm the actor may see (alarm.read on its unit); others do not exist for them. */
export async function loadAlarm(tx: Tx, actor: Actor, id: string): Promise<Alarm> {
  const alarm = await tx.alarms.get(id);
  if (!alarm || !hasPermission(actor, 'alarm.read', alarm.orgCode)) throw notFound('alarm', id);
  return alarm;
}

/** 已知悉: somebody is looking into it; the alarm stops being "new" on every screen. */
export async function acknowledgeAlarm(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<Alarm> {
  return deps.uow.write(async (tx) => {
    const alarm = await loadAlarm(tx, actor, id);
    requirePermission(actor, 'alarm.handle', alarm.orgCode);
    if (alarm.status !== 'open') throw new AppError('ILLEGAL_TRANSITION', `the alarm is ${alarm.status} already: only an open alarm is acknowledged`, { field: 'status' });
    const at = deps.clock.now().toISOString();
    const updated = await tx.alarms.update(alarm.id, alarm.version, { status: 'acknowledged', acknowledgedBy: actor.userId, acknowledgedAt: at });
    await record(tx, deps, actor, {
      action: 'ALARM_ACKNOWLEDGED', targetType: 'alarm', targetId: alarm.id, orgCode: alarm.orgCode,
      before: { status: alarm.status }, after: { status: updated.status, rule: alarm.rule, acknowledgedAt: at },
    });
    return updated;
  });
}

export const resolveAlarmInput = z.strictObject({
  /** What was found and done (处理结果): required, it is the record of the investigation. */
  note: z.string().trim().min(2, 'say what was found and done (at least 2 characters)').max(1000),
});
export type ResolveAlarmInput = z.infer<typeof resolveAlarmInput>;

/**
 * 已处理: closes an open or acknowledged alarm with a note. Unlocking the device is a separate,
 * two-person step (device unlock requests): resolving the alarm does not unlock anything.
 */
export async function resolveAlarm(deps: Deps, { actor, id, input: raw }: { actor: Actor; id: string; input: ResolveAlarmInput }): Promise<Alarm> {
  const input = parseInput(resolveAlarmInput, raw);
  return deps.uow.write(async (tx) => {
    const alarm = await loadAlarm(tx, actor, id);
    requirePermission(actor, 'alarm.handle', alarm.orgCode);
    if (alarm.status === 'resolved') throw new AppError('ILLEGAL_TRANSITION', `the alarm was resolved already at ${alarm.resolvedAt}`, { field: 'status' });
    const at = deps.clock.now().toISOString();
    const updated = await tx.alarms.update(alarm.id, alarm.version, { status: 'resolved', resolvedBy: actor.userId, resolvedAt: at, note: input.note });
    await record(tx, deps, actor, {
      action: 'ALARM_RESOLVED', targetType: 'alarm', targetId: alarm.id, orgCode: alarm.orgCode,
      before: { status: alarm.status }, after: { status: 'resolved', rule: alarm.rule, note: input.note, resolvedAt: at },
    });
    return updated;
  });
}
