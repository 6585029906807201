import { authToken, provisioningBundle } from '@cunzhang/protocol';
import { z } from 'zod';
import { auditEntrySchema } from '../schemas.js';

/** Response shapes of the device routes (OpenAPI), mirroring core/src/device/device-view.ts. */
const fence = z.object({ latE6: z.number(), lngE6: z.number(), radiusM: z.number() });
const hours = z.object({ from: z.string(), to: z.string() });

export const deviceViewSchema = z.object({
  id: z.string(), orgCode: z.string(), orgName: z.string(), sealId: z.string().nullable(), sealName: z.string().nullable(),
  status: z.enum(['provisioned', 'active', 'retired']), label: z.string(), publicKey: z.string(), geofence: fence.nullable(), hours: hours.nullable(),
  replaces: z.string().nullable(), replacedBy: z.string().nullable(), virtual: z.boolean(),
  lockWanted: z.boolean(), lockReason: z.string().nullable(), lockCommandId: z.string().nullable(),
  lockDisplay: z.enum(['locked', 'locking', 'unlocking', 'unlocked']),
  model: z.string().nullable(), firmware: z.string().nullable(), hardware: z.string().nullable(), hbSeconds: z.number().nullable(),
  state: z.string().nullable(), online: z.boolean(), connectedAt: z.string().nullable(), lastSeenAt: z.string().nullable(),
  seqHigh: z.number(), openGaps: z.number(), battery: z.number().nullable(), ink: z.number().nullable(),
  latE6: z.number().nullable(), lngE6: z.number().nullable(), clockSkewMs: z.number().nullable(),
  createdAt: z.string(), updatedAt: z.string(), version: z.number(),
});

export const commandViewSchema = z.object({
  id: z.string(), deviceId: z.string(), type: z.string(), body: z.unknown(), status: z.enum(['pending', 'acked', 'refused', 'expired', 'superseded']),
  attempts: z.number(), createdBy: z.string(), createdAt: z.string(), expiresAt: z.string(), ackedAt: z.string().nullable(), error: z.string().nullable(),
});

export const requestViewSchema = z.object({
  id: z.string(), deviceId: z.string(), deviceLabel: z.string(), orgCode: z.string(), kind: z.enum(['unlock', 'maintenance']),
  maintenanceKind: z.enum(['ink', 'seal_replace', 'repair']).nullable(), reason: z.string(), status: z.enum(['pending', 'approved', 'rejected', 'cancelled']),
  requestedBy: z.string(), requestedByName: z.string().nullable(), requestedAt: z.string(), decidedBy: z.string().nullable(),
  decidedByName: z.string().nullable(), decidedAt: z.string().nullable(), opinion: z.string().nullable(), version: z.number(), mayDecide: z.boolean(),
});

export const requestResultSchema = z.object({ request: requestViewSchema, command: commandViewSchema.nullable() });

const eventSchema = z.object({
  deviceId: z.string(), seq: z.number(), type: z.string(), deviceTime: z.string(), receivedAt: z.string(), body: z.unknown(), sig: z.string(),
});

export const deviceDetailSchema = z.object({
  device: deviceViewSchema, events: z.array(eventSchema), commands: z.array(commandViewSchema), requests: z.array(requestViewSchema),
  history: z.array(auditEntrySchema),
  actions: z.array(z.enum(['update', 'bind', 'unbind', 'replace', 'retire', 'lock', 'request_unlock', 'request_maintenance'])),
});

/** A new device's bundle: shown once (the installer scans the QR code), never stored whole. */
export const provisionedSchema = z.object({
  device: deviceViewSchema,
  bundle: provisioningBundle,
  /** The bundle as a QR code, a PNG data URL. */
  qrDataUrl: z.string(),
});
export const replacedSchema = provisionedSchema.extend({ replaced: deviceViewSchema });

export const devicePassSchema = z.object({
  code: z.string(),
  token: authToken,
  validUntil: z.string(),
  /** The token as a QR code (PNG data URL), null when it has too many pages to fit one. */
  qrDataUrl: z.string().nullable(),
});
