import type { Authorization } from '../application/records.js';
import type { Device, DeviceTelemetry } from '../device/records.js';
import { applySeq, type SeqState, type SeqStep } from '../device/sequence.js';
import { townOf } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import type { Seal } from '../seal/seal.js';
import { raiseAlarm } from './raise-alarm.js';
import type { Alarm } from './records.js';
import { rulesCache, type EffectiveRules, type Finding } from './rules.js';

/** One device within a batch: loaded once, its telemetry gathered and written once at the end. */
export interface DeviceSlot {
  device: Device;
  seq: SeqState;
  /** The sequence state as stored, to write only what changed. */
  readonly loaded: SeqState;
  patch: DeviceTelemetry;
}

/**
 * What the messages of one batch share inside its transaction: each device, seal, town's rules
 * and authorization is read once, and each device's telemetry (sequence state, last seen,
 * levels) is written once, however many messages of it the batch holds.
 */
export class IngestBatch {
  private readonly slots = new Map<string, DeviceSlot | null>();
  private readonly seals = new Map<string, Promise<Seal | null>>();
  private readonly auths = new Map<string, Authorization | null>();
  private readonly counts = new Map<string, number>();
  private readonly memos = new Map<string, Promise<unknown>>();
  /** Dedupe keys raised (or found open) in this batch: a repeat needs no look-up. */
  private readonly raisedKeys = new Set<string>();
  readonly rulesOfTown: (town: string | null) => Promise<EffectiveRules>;

  constructor(readonly tx: Tx, readonly deps: Deps) {
    this.rulesOfTown = rulesCache(tx);
  }

  /** The device, or null when unknown or retired (its messages are not taken). */
  async slot(deviceId: string): Promise<DeviceSlot | null> {
    if (!this.slots.has(deviceId)) {
      // Locked until commit: another batch (or server) updating the same device waits its turn.
      const device = await this.tx.devices.getForUpdate(deviceId);
      const stored = device && { high: device.seqHigh, gaps: device.seqGaps };
      this.slots.set(deviceId, device && stored && device.status !== 'retired' ? { device, seq: stored, loaded: stored, patch: {} } : null);
    }
    return this.slots.get(deviceId) ?? null;
  }

  /** Records the arrival of sequence number `seq` and marks the device seen and online. */
  see(slot: DeviceSlot, seq: number, receivedAt: string): SeqStep {
    const step = applySeq(slot.seq, seq, receivedAt);
    slot.seq = { high: step.high, gaps: step.gaps };
    const last = slot.patch.lastSeenAt ?? slot.device.lastSeenAt;
    slot.patch.online = true;
    if (!last || receivedAt > last) slot.patch.lastSeenAt = receivedAt;
    if (!slot.device.online && !slot.patch.connectedAt) slot.patch.connectedAt = receivedAt;
    return step;
  }

  /** The device's state as last reported, including what this batch reported. */
  stateOf(slot: DeviceSlot): Device['state'] {
    return slot.patch.state !== undefined ? slot.patch.state : slot.device.state;
  }

  rules(slot: DeviceSlot): Promise<EffectiveRules> {
    return this.rulesOfTown(townOf(slot.device.orgCode));
  }

  seal(id: string): Promise<Seal | null> {
    if (!this.seals.has(id)) this.seals.set(id, this.tx.seals.get(id));
    return this.seals.get(id)!;
  }

  async authorization(id: string): Promise<Authorization | null> {
    if (!this.auths.has(id)) this.auths.set(id, await this.tx.applications.authorization(id));
    return this.auths.get(id) ?? null;
  }

  keepAuthorization(a: Authorization): void {
    this.auths.set(a.id, a);
  }

  /**
   * Impressions of a unit in the last hour, counting the one just recorded: read once per batch
   * (it already includes the first row this batch wrote), then counted on in memory.
   */
  async lastHourCount(orgCode: string, now: Date): Promise<number> {
    const known = this.counts.get(orgCode);
    const n = known === undefined
      ? await this.tx.alarms.impressionsIn(orgCode, new Date(now.getTime() - 3_600_000).toISOString(), new Date(now.getTime() + 1).toISOString())
      : known + 1;
    this.counts.set(orgCode, n);
    return n;
  }

  /** A value read once per batch under `key` (e.g. a village's 30-day impression count). */
  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.memos.has(key)) this.memos.set(key, load());
    return this.memos.get(key) as Promise<T>;
  }

  /** Raises what the rules found about a device; returns the alarms that are new. */
  async raise(slot: DeviceSlot, findings: readonly Finding[], eventSeq: number | null): Promise<Alarm[]> {
    if (!findings.length) return [];
    const rules = await this.rules(slot);
    const created: Alarm[] = [];
    for (const f of findings) {
      if (this.raisedKeys.has(f.dedupeKey)) continue;
      const r = await raiseAlarm(this.tx, this.deps, rules, {
        rule: f.rule, orgCode: slot.device.orgCode, device: slot.device, evidence: f.evidence, eventSeq, dedupeKey: f.dedupeKey,
      });
      if (!r) continue;
      this.raisedKeys.add(f.dedupeKey);
      if (r.device) slot.device = r.device;
      if (r.created) created.push(r.alarm);
    }
    return created;
  }

  /** Writes each device's gathered telemetry (no version change, no audit entry: hot path). */
  async flush(): Promise<void> {
    for (const slot of this.slots.values()) {
      if (!slot) continue;
      const { device, seq, loaded, patch } = slot;
      await this.tx.devices.touch(device.id, {
        ...patch, ...(seq.high !== loaded.high ? { seqHigh: seq.high } : {}), ...(seq.gaps !== loaded.gaps ? { seqGaps: [...seq.gaps] } : {}),
      });
    }
  }
}
