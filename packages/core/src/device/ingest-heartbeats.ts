import type { Heartbeat } from '@cunzhang/protocol';
import { evaluateHeartbeat } from '../alarm/evaluate-telemetry.js';
import { IngestBatch } from '../alarm/ingest-batch.js';
import type { Alarm } from '../alarm/records.js';
import type { Deps } from '../ports.js';

/** One verified heartbeat (its MAC checked by the gateway). */
export interface HeartbeatItem {
  deviceId: string;
  hb: Heartbeat;
  receivedAt: string;
}

export interface HeartbeatResult {
  deviceId: string;
  seq: number;
  /** stale: older than what the device said since (from its offline buffer): only its number counts. */
  status: 'fresh' | 'stale' | 'duplicate' | 'unknown_device';
  alarms: Alarm[];
}

/**
 * Takes a batch of heartbeats in one write transaction: the hot path (~10,000 a second after a
 * broker restart), so heartbeats are not stored as events; each device is read once and touched
 * once (online, last seen, state, battery, ink, position, clock skew, sequence). Only the newest
 * heartbeat of a device describes it: an older one (buffered while offline) fills its hole in
 * the sequence and nothing else. Low battery or ink, a position outside the fence and a clock
 * off by more than the threshold raise alarms, one open alarm per device and condition.
 */
export async function recordHeartbeats(deps: Deps, items: readonly HeartbeatItem[]): Promise<HeartbeatResult[]> {
  if (items.length === 0) return [];
  return deps.uow.write(async (tx) => {
    const b = new IngestBatch(tx, deps);
    const out: HeartbeatResult[] = [];
    for (const { deviceId, hb, receivedAt } of items) {
      const base = { deviceId, seq: hb.seq, alarms: [] as Alarm[] };
      const slot = await b.slot(deviceId);
      if (!slot) {
        out.push({ ...base, status: 'unknown_device' });
        continue;
      }
      const previous = slot.patch.lastSeenAt ?? slot.device.lastSeenAt;
      const wasOnline = slot.patch.online ?? slot.device.online;
      const step = b.see(slot, hb.seq, receivedAt);
      if (step.duplicate) {
        out.push({ ...base, status: 'duplicate' });
        continue;
      }
      if (!step.fresh) {
        out.push({ ...base, status: 'stale' });
        continue;
      }
      const { body } = hb;
      // A heartbeat that waited in the offline buffer carries an old time and says nothing of the
      // clock: only one sent on a link that stayed up (the previous message one interval ago) counts.
      const interval = (slot.patch.hbSeconds ?? slot.device.hbSeconds ?? 60) * 1000;
      const steady = wasOnline && !!previous && Date.parse(receivedAt) - Date.parse(previous) <= 2 * interval && body.buffered === 0;
      const skewMs = steady ? Date.parse(hb.ts) - Date.parse(receivedAt) : null;
      Object.assign(slot.patch, {
        state: body.state, battery: body.battery, ink: body.ink, latE6: body.lat_e6, lngE6: body.lng_e6, ...(skewMs !== null ? { clockSkewMs: skewMs } : {}),
      });
      const findings = evaluateHeartbeat({ id: deviceId, fence: slot.device.geofence }, hb, skewMs, await b.rules(slot));
      out.push({ ...base, status: 'fresh', alarms: await b.raise(slot, findings, hb.seq) });
    }
    await b.flush();
    return out;
  });
}
