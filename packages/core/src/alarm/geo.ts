import type { Geofence } from '../device/records.js';

/** A position as on the wire: integers in micro-degrees (device-protocol §17). */
export interface PositionE6 {
  latE6: number;
  lngE6: number;
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (e6: number) => (e6 / 1e6) * (Math.PI / 180);

/** Great-circle distance in metres (haversine): plenty for fences of tens of metres to kilometres. */
export function distanceM(a: PositionE6, b: PositionE6): number {
  const dLat = rad(b.latE6 - a.latE6);
  const dLng = rad(b.lngE6 - a.lngE6);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latE6)) * Math.cos(rad(b.latE6)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * How far beyond its fence a position is, with `toleranceM` of GPS error forgiven; null when
 * inside (or when the device has no fence). A reported 0,0 (no fix) is never "outside".
 */
export function beyondFence(fence: Geofence | null, pos: PositionE6, toleranceM: number): { distanceM: number; beyondM: number } | null {
  if (!fence || (pos.latE6 === 0 && pos.lngE6 === 0)) return null;
  const d = distanceM({ latE6: fence.latE6, lngE6: fence.lngE6 }, pos);
  const beyond = d - fence.radiusM - toleranceM;
  return beyond > 0 ? { distanceM: Math.round(d), beyondM: Math.round(beyond) } : null;
}
