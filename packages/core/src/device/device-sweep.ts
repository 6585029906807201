import { raiseAlarm } from '../alarm/raise-alarm.js';
import type { Alarm } from '../alarm/records.js';
import { rulesCache, thresholdOf, type EffectiveRules, type Finding } from '../alarm/rules.js';
import { townOf } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import type { Device } from './records.js';
import { agedGaps, missingCount } from './sequence.js';

/** Heartbeat interval assumed for a device that has not said hello yet (device-protocol §5). */
export const DEFAULT_HB_SECONDS = 60;
/** Most devices looked at per timer and kind: the oldest first, the rest on the next tick. */
const SWEEP_LIMIT = 1000;
/** Shortest silence worth a look: below any threshold a town can set (2 × the 5 s minimum interval). */
const MIN_SILENCE_MS = 10_000;

type Check = (d: Device, rules: EffectiveRules, now: Date) => Finding | null;

/** Connected but silent for more than threshold × its heartbeat interval. */
const missedHeartbeats: Check = (d, rules, now) => {
  if (!d.online || !d.lastSeenAt) return null;
  const factor = thresholdOf(rules, 'missed_heartbeats');
  const hb = d.hbSeconds ?? DEFAULT_HB_SECONDS;
  const silentS = Math.floor((now.getTime() - Date.parse(d.lastSeenAt)) / 1000);
  if (silentS <= factor * hb) return null;
  return { rule: 'missed_heartbeats', dedupeKey: `missed_heartbeats:${d.id}`, evidence: { lastSeenAt: d.lastSeenAt, silentSeconds: silentS, hbSeconds: hb, factor } };
};

/** Disconnected (its last will arrived) for longer than the threshold. */
const offline: Check = (d, rules, now) => {
  if (d.online || !d.lastSeenAt || d.status === 'retired') return null;
  const minutes = thresholdOf(rules, 'offline');
  const offlineMin = (now.getTime() - Date.parse(d.lastSeenAt)) / 60_000;
  if (offlineMin <= minutes) return null;
  return { rule: 'offline', dedupeKey: `offline:${d.id}`, evidence: { since: d.lastSeenAt, minutes: Math.floor(offlineMin), threshold: minutes } };
};

/** Holes in the sequence still open after the grace period. */
const sequenceGap: Check = (d, rules, now) => {
  const grace = thresholdOf(rules, 'sequence_gap');
  const aged = agedGaps(d.seqGaps, new Date(now.getTime() - grace * 1000).toISOString());
  if (!aged.length) return null;
  return {
    rule: 'sequence_gap', dedupeKey: `sequence_gap:${d.id}`,
    evidence: { ranges: aged.map(({ from, to, seenAt }) => ({ from, to, seenAt })), missing: missingCount(aged), graceSeconds: grace, seqHigh: d.seqHigh },
  };
};

export interface SweepResult {
  /** New alarms (for the live push and the webhooks). */
  alarms: Alarm[];
  checked: number;
}

/**
 * The device timers (the scheduler calls this every ~15 s): missed heartbeats, devices offline
 * too long, and sequence holes older than the grace period. Candidates are read outside the
 * write lock; each one is read again and judged inside the write, so a heartbeat that arrived
 * meanwhile wins. Reported holes are dropped from the device (the alarm keeps the ranges), so a
 * lost message is reported once and a late arrival is still stored (events are idempotent by
 * their number, not by the hole list).
 */
export async function sweepDevices(deps: Deps, now: Date = deps.clock.now()): Promise<SweepResult> {
  const candidates = await deps.uow.read(async (tx) => {
    const silent = await tx.devices.silentSince(new Date(now.getTime() - MIN_SILENCE_MS).toISOString(), SWEEP_LIMIT);
    const gaps = await tx.devices.withGaps(SWEEP_LIMIT);
    const off: Device[] = [];
    let cursor: string | undefined;
    do {
      const page = await tx.devices.list({ scopes: [''], online: false, limit: 500, cursor });
      off.push(...page.items.filter((d) => d.lastSeenAt && d.status !== 'retired'));
      cursor = page.next ?? undefined;
    } while (cursor && off.length < SWEEP_LIMIT);
    const rules = rulesCache(tx);
    const due = new Set<string>();
    for (const [list, check] of [[silent, missedHeartbeats], [off, offline], [gaps, sequenceGap]] as const) {
      for (const d of list) if (check(d, await rules(townOf(d.orgCode)), now)) due.add(d.id);
    }
    return [...due];
  });
  if (!candidates.length) return { alarms: [], checked: 0 };
  const alarms = await deps.uow.write(async (tx) => {
    const rules = rulesCache(tx);
    const created: Alarm[] = [];
    for (const id of candidates) created.push(...(await sweepOne(tx, deps, id, rules, now)));
    return created;
  });
  return { alarms, checked: candidates.length };
}

async function sweepOne(tx: Tx, deps: Deps, id: string, rulesOf: (town: string | null) => Promise<EffectiveRules>, now: Date): Promise<Alarm[]> {
  // Locked until commit (as ingest does): the hole list written back below must be the one read
  // here, not one an ingest batch of another process changed meanwhile (PostgreSQL).
  let device = await tx.devices.getForUpdate(id);
  if (!device || device.status === 'retired') return [];
  const rules = await rulesOf(townOf(device.orgCode));
  const created: Alarm[] = [];
  for (const check of [missedHeartbeats, offline, sequenceGap]) {
    const f = check(device, rules, now);
    if (!f) continue;
    // A silence already alarmed (and resolved by somebody who knows why) is not raised again
    // until the device speaks and falls silent anew.
    if (f.rule !== 'sequence_gap' && (await alarmedSince(tx, device, f.rule))) continue;
    const r = await raiseAlarm(tx, deps, rules, { rule: f.rule, orgCode: device.orgCode, device, evidence: f.evidence, dedupeKey: f.dedupeKey });
    if (r?.created) created.push(r.alarm);
    if (r?.device) device = r.device;
    // Holes are dropped only once an alarm names them: while an older gap alarm is still open
    // the new holes stay on the device until a new alarm can carry them (never hide a loss).
    if (f.rule === 'sequence_gap' && (r === null || r.created)) {
      const reported = new Set((f.evidence.ranges as { from: number }[]).map((g) => g.from));
      await tx.devices.touch(device.id, { seqGaps: device.seqGaps.filter((g) => !reported.has(g.from)) });
    }
  }
  return created;
}

async function alarmedSince(tx: Tx, d: Device, rule: Alarm['rule']): Promise<boolean> {
  const [last] = (await tx.alarms.list({ scopes: [''], deviceId: d.id, rule, limit: 1 })).items;
  return !!last && !!d.lastSeenAt && last.createdAt >= d.lastSeenAt;
}

/**
 * The broker published a device's last will: the link is gone. Marks it offline as of `at`
 * (which the offline timer counts from). Call it only for the will of the current connection.
 */
export async function markOffline(deps: Deps, { deviceId, at }: { deviceId: string; at: string }): Promise<Device | null> {
  return deps.uow.write(async (tx) => {
    const d = await tx.devices.get(deviceId);
    if (!d || d.status === 'retired') return null;
    const lastSeenAt = d.lastSeenAt && d.lastSeenAt > at ? d.lastSeenAt : at;
    await tx.devices.touch(d.id, { online: false, lastSeenAt });
    return { ...d, online: false, lastSeenAt };
  });
}
