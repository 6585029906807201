import type { SensorKind } from '@cunzhang/protocol';
import { alarmLock, endMaintenance, type DeviceCore } from './machine.js';
import { STATE_REASONS, type Position } from './types.js';

/**
 * The device's sensors (design §15): case and seal switches, shock, battery and ink gauges, GPS.
 * Tamper (case opened, seal removed, shock) outside maintenance puts the device in alarm_locked.
 */
export const BATTERY_LOW = 20;
export const INK_LOW = 10;

/** Where the emulated devices stand unless told: 鹤山镇 area, Shandong (micro-degrees). */
export const DEFAULT_HOME = { lat_e6: 36_553_000, lng_e6: 116_893_000 };

/** GPS fix: the home position plus a few metres of noise (1 µ° of latitude ≈ 0.11 m). */
export function gpsFix(home: { lat_e6: number; lng_e6: number }, random: () => number = Math.random): Position {
  const acc = 4 + Math.floor(random() * 8);
  const spread = acc * 9;
  return {
    lat_e6: Math.max(-90_000_000, Math.min(90_000_000, home.lat_e6 + Math.round((random() - 0.5) * spread))),
    lng_e6: Math.max(-180_000_000, Math.min(180_000_000, home.lng_e6 + Math.round((random() - 0.5) * spread))),
    acc_m: acc,
  };
}

export function sensorEvent(core: DeviceCore, kind: SensorKind, value?: number): number {
  return core.publish('sensor', { kind, ...(value === undefined ? {} : { value }), ...core.position() });
}

type Tamper = 'case_open' | 'seal_removed' | 'shock';

function tamper(core: DeviceCore, kind: Tamper): void {
  sensorEvent(core, kind);
  const s = core.store.data;
  // During maintenance the case is opened and the seal taken out on purpose.
  if (s.state !== 'maintenance') alarmLock(core, STATE_REASONS.tamper(kind));
}

export function openCase(core: DeviceCore): void {
  core.store.data.caseOpen = true;
  core.store.save();
  tamper(core, 'case_open');
}

export function closeCase(core: DeviceCore): void {
  const s = core.store.data;
  s.caseOpen = false;
  core.store.save();
  sensorEvent(core, 'case_closed');
  if (s.state === 'maintenance') endMaintenance(core, STATE_REASONS.caseClosed);
}

export function removeSeal(core: DeviceCore): void {
  core.store.data.sealRemoved = true;
  core.store.save();
  tamper(core, 'seal_removed');
}

export function returnSeal(core: DeviceCore): void {
  core.store.data.sealRemoved = false;
  core.store.save();
  sensorEvent(core, 'seal_returned');
}

export function shock(core: DeviceCore): void {
  tamper(core, 'shock');
}

/** Sets a gauge; crossing its threshold downwards publishes battery_low / ink_low once. */
export function setLevel(core: DeviceCore, gauge: 'battery' | 'ink', level: number): void {
  const s = core.store.data;
  const before = s[gauge];
  const after = Math.max(0, Math.min(100, Math.round(level)));
  s[gauge] = after;
  core.store.save();
  const threshold = gauge === 'battery' ? BATTERY_LOW : INK_LOW;
  if (before > threshold && after <= threshold) sensorEvent(core, gauge === 'battery' ? 'battery_low' : 'ink_low', after);
}
