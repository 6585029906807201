import type { DeviceEvent } from '@cunzhang/protocol';
import type { Stamping } from '../application/records.js';
import { evaluateSensor } from '../alarm/evaluate-telemetry.js';
import { IngestBatch, type DeviceSlot } from '../alarm/ingest-batch.js';
import { recordImpression } from '../alarm/record-impression.js';
import type { Alarm } from '../alarm/records.js';
import type { Deps } from '../ports.js';
import { applyCommandAck } from './command-ack.js';

/** One verified, parsed event as the gateway hands it over. */
export interface EventItem {
  deviceId: string;
  event: DeviceEvent;
  /** Platform time of arrival (ISO). */
  receivedAt: string;
}

/**
 * stored: taken (and acted on); duplicate: (device, seq) was stored before, nothing happened;
 * unknown_device: no such device, or retired.
 */
export type IngestStatus = 'stored' | 'duplicate' | 'unknown_device';

export interface IngestResult {
  deviceId: string;
  seq: number;
  status: IngestStatus;
  /** Alarms this event raised (new ones only: a repeat of an open condition is not pushed again). */
  alarms: Alarm[];
  /** The ledger row of an impression made under an authorization. */
  stamping?: Stamping;
  applicationId?: string;
}

/** Text from a device goes into the registry as is: keep it printable (PostgreSQL text refuses NUL). */
const printable = (s: string): string => s.replace(/\p{Cc}/gu, '');

/**
 * Takes a batch of device events in ONE write transaction (device-protocol §8): each is stored
 * once per (device, seq) — a redelivery is a duplicate and changes nothing — then acted on by
 * type: impressions go to the ledger and the anomaly rules, sensors to the tamper and level
 * rules, state/hello to the registry, acks to the command outbox. Each device, seal, town's rules
 * and authorization is read once per batch. A batch that fails is rolled back whole (the gateway
 * then tries its events one by one: each is idempotent).
 */
export async function ingestEvents(deps: Deps, { items }: { items: readonly EventItem[] }): Promise<IngestResult[]> {
  if (items.length === 0) return [];
  return deps.uow.write((tx) => ingestInTx(new IngestBatch(tx, deps), items));
}

async function ingestInTx(b: IngestBatch, items: readonly EventItem[]): Promise<IngestResult[]> {
  const out: IngestResult[] = [];
  for (const { deviceId, event, receivedAt } of items) {
    const base = { deviceId, seq: event.seq, alarms: [] as Alarm[] };
    const slot = await b.slot(deviceId);
    if (!slot) {
      out.push({ ...base, status: 'unknown_device' });
      continue;
    }
    const stored = await b.tx.devices.insertEvent({ deviceId, seq: event.seq, type: event.type, deviceTime: event.ts, receivedAt, body: event.body, sig: event.sig });
    if (!stored) {
      out.push({ ...base, status: 'duplicate' });
      continue;
    }
    const { fresh } = b.see(slot, event.seq, receivedAt);
    out.push({ ...base, status: 'stored', ...(await actOn(b, slot, event, receivedAt, fresh)) });
  }
  await b.flush();
  return out;
}

async function actOn(b: IngestBatch, slot: DeviceSlot, event: DeviceEvent, receivedAt: string, fresh: boolean): Promise<Partial<IngestResult>> {
  switch (event.type) {
    case 'impression':
      return recordImpression(b, slot, event, receivedAt, fresh);
    case 'sensor': {
      const findings = evaluateSensor({ id: slot.device.id, state: b.stateOf(slot), fence: slot.device.geofence }, { seq: event.seq, deviceTime: event.ts, body: event.body }, await b.rules(slot));
      if (fresh) Object.assign(slot.patch, { latE6: event.body.lat_e6, lngE6: event.body.lng_e6 });
      return { alarms: await b.raise(slot, findings, event.seq) };
    }
    case 'state':
      // An older state from the offline buffer does not overwrite a newer one.
      if (fresh) slot.patch.state = event.body.to;
      return {};
    case 'hello':
      Object.assign(slot.patch, { model: printable(event.body.model), firmware: printable(event.body.fw), hardware: printable(event.body.hw), hbSeconds: event.body.hb_s });
      return {};
    case 'ack': {
      const { device } = await applyCommandAck(b.tx, b.deps, { device: slot.device, ack: event.body, at: receivedAt });
      slot.device = device;
      return {};
    }
    case 'identity':
      // Kept in the event log only: the device itself locks a token after 5 wrong codes, so a
      // mistyped code (the common case) must not lock the seal the way a tamper alarm would.
      return {};
  }
}
