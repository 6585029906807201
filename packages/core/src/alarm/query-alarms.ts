import { z } from 'zod';
import { withActorNames, type AuditView } from '../audit/list-audit.js';
import { hasPermission, scopesFor, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import { isWithin, townOf } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import { parseInput } from '../validate.js';
import { loadAlarm } from './handle-alarm.js';
import { ALARM_RULES, ALARM_STATUSES, SEVERITIES, type Alarm } from './records.js';
import { RULE_DEFAULTS } from './rules.js';

/** An alarm as screens (and webhooks) show it: names resolved. */
export interface AlarmView extends Alarm {
  ruleNameZh: string;
  orgName: string;
  deviceLabel: string | null;
  sealName: string | null;
}

/** Resolves the names of many alarms, reading each unit, device and seal once. */
export async function alarmViews(tx: Tx, alarms: readonly Alarm[]): Promise<AlarmView[]> {
  const memo = <T>(load: (k: string) => Promise<T>) => {
    const cache = new Map<string, Promise<T>>();
    return (k: string): Promise<T> => {
      if (!cache.has(k)) cache.set(k, load(k));
      return cache.get(k)!;
    };
  };
  const org = memo(async (code) => (await tx.orgs.get(code))?.name ?? code);
  const device = memo(async (id) => (await tx.devices.get(id))?.label ?? null);
  const seal = memo(async (id) => (await tx.seals.get(id))?.name ?? null);
  return Promise.all(alarms.map(async (a) => ({
    ...a, ruleNameZh: RULE_DEFAULTS[a.rule].nameZh, orgName: await org(a.orgCode),
    deviceLabel: a.deviceId ? await device(a.deviceId) : null, sealName: a.sealId ? await seal(a.sealId) : null,
  })));
}

export const listAlarmsQuery = z.strictObject({
  orgCode: z.string().regex(/^\d{2,12}$/, 'a division code').optional(),
  status: z.enum(ALARM_STATUSES).optional(),
  rule: z.enum(ALARM_RULES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  deviceId: z.string().min(1).max(40).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  cursor: z.string().max(200).optional(),
});

/** Alarms in the actor's units, newest first, keyset-paginated, with optional filters. */
export async function listAlarms(deps: Deps, { actor, query: raw }: { actor: Actor; query: z.input<typeof listAlarmsQuery> }): Promise<{ items: AlarmView[]; next: string | null }> {
  const query = parseInput(listAlarmsQuery, raw);
  const scopes = scopesFor(actor, 'alarm.read');
  if (scopes.length === 0) throw new AppError('FORBIDDEN', 'permission alarm.read is not granted on any unit');
  return deps.uow.read(async (tx) => {
    const page = await tx.alarms.list({ ...query, scopes });
    return { items: await alarmViews(tx, page.items), next: page.next };
  });
}

export interface AlarmDetail {
  alarm: AlarmView;
  /** Its trail: raised (with the auto-lock), acknowledged, resolved. */
  history: AuditView[];
  /** What the device's lock looks like now, when the alarm concerns a device. */
  deviceLock: { lockWanted: boolean; lockReason: string | null; pending: boolean } | null;
  actions: ('acknowledge' | 'resolve')[];
}

/** One alarm with its evidence and history; NOT_FOUND outside the actor's units. */
export async function getAlarm(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<AlarmDetail> {
  return deps.uow.read(async (tx) => {
    const alarm = await loadAlarm(tx, actor, id);
    const [view] = await alarmViews(tx, [alarm]);
    const history = await withActorNames(tx, (await tx.audit.list({ scopes: [''], targetType: 'alarm', targetId: id, limit: 50 })).reverse());
    const device = alarm.deviceId ? await tx.devices.get(alarm.deviceId) : null;
    const handles = hasPermission(actor, 'alarm.handle', alarm.orgCode);
    const actions: AlarmDetail['actions'] = [];
    if (handles && alarm.status === 'open') actions.push('acknowledge');
    if (handles && alarm.status !== 'resolved') actions.push('resolve');
    return {
      alarm: view!, history,
      deviceLock: device ? { lockWanted: device.lockWanted, lockReason: device.lockReason, pending: device.lockCommandId !== null } : null,
      actions,
    };
  });
}

/**
 * Who hears of an alarm at once (domain §6: the approver and supervisors): the approvers of its
 * seal, the village approvers and supervisors of its unit, and the leaders and supervisors of
 * its town. The edge pushes the alarm to them over the live stream.
 */
export async function alarmAudience(tx: Tx, alarm: Pick<Alarm, 'orgCode' | 'sealId'>): Promise<string[]> {
  const ids = new Set<string>();
  if (alarm.sealId) for (const a of (await tx.seals.get(alarm.sealId))?.approverUserIds ?? []) ids.add(a);
  const town = townOf(alarm.orgCode);
  const units = [alarm.orgCode, ...(town && town !== alarm.orgCode ? [town] : [])];
  const holders = await tx.grants.holders(['village_approver', 'town_leader', 'supervisor'], units);
  for (const [userId, grants] of holders) {
    // A village approver hears of their own village only; leaders and supervisors of the whole town.
    const hears = grants.some((g) => (g.role === 'village_approver' ? g.orgCode === alarm.orgCode : isWithin(alarm.orgCode, g.orgCode)));
    if (hears) ids.add(userId);
  }
  return [...ids];
}
