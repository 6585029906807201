import { z } from 'zod';
import { requirePermission, type Actor } from '../auth/actor.js';
import { AppError, notFound } from '../errors.js';
import { isWithin } from '../org/org-code.js';
import type { Tx } from '../ports.js';
import type { Permission } from '../roles.js';
import type { AllowedHours, Device, Geofence } from './records.js';

/**
 * Loads a device the actor may act on: one installed outside every unit the actor has a grant
 * on is reported as missing (ids do not leak between villages); one inside, without `perm`,
 * is FORBIDDEN.
 */
export async function loadDevice(tx: Tx, actor: Actor, id: string, perm: Permission): Promise<Device> {
  const device = await tx.devices.get(id);
  if (!device || !actor.grants.some((g) => isWithin(device.orgCode, g.orgCode))) throw notFound('device', id);
  requirePermission(actor, perm, device.orgCode);
  return device;
}

/** A retired device takes no more orders: its credentials no longer admit it. */
export function assertNotRetired(device: Device): void {
  if (device.status === 'retired') {
    const by = device.replacedBy ? ` and was replaced by ${device.replacedBy}` : '';
    throw new AppError('ILLEGAL_TRANSITION', `device ${device.id} is retired${by}`, { field: 'status' });
  }
}

export const deviceLabel = z.string().trim().min(1, 'give the device a label (e.g. 前鹤山村委会印章柜)').max(60);
export const deviceReason = z.string().trim().min(2, 'give the reason').max(200);
export const geofenceInput = z.strictObject({
  latE6: z.number().int().min(-90_000_000).max(90_000_000),
  lngE6: z.number().int().min(-180_000_000).max(180_000_000),
  radiusM: z.number().int().min(10).max(100_000),
});
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour local time)');
export const hoursInput = z.strictObject({ from: hhmm, to: hhmm }).refine((h) => h.from !== h.to, { message: 'from and to must differ (from after to spans midnight)', path: ['to'] });

/** The body of a `config` command (device-protocol §8.2): what the device must know of its fence and hours. */
export function configBody(device: Pick<Device, 'hbSeconds'>, geofence: Geofence | null, hours: AllowedHours | null): Record<string, unknown> {
  return {
    hb_s: device.hbSeconds ?? 60,
    fence: geofence ? { lat_e6: geofence.latE6, lng_e6: geofence.lngE6, radius_m: geofence.radiusM } : null,
    hours: hours ? { from: hours.from, to: hours.to } : null,
  };
}
