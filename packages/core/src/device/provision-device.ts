import { provisioningBundle, type ProvisioningBundle } from '@cunzhang/protocol';
import { z } from 'zod';
import { record } from '../audit/record.js';
import { requirePermission, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import { levelOf } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import { parseInput } from '../validate.js';
import { bindInTx } from './bind-device.js';
import { enqueueCommand } from './commands.js';
import { configBody, deviceLabel, geofenceInput, hoursInput } from './device-access.js';
import { deviceView, type DeviceView } from './device-view.js';
import type { AllowedHours, Device, Geofence } from './records.js';

export const provisionDeviceInput = z.strictObject({
  /** A village for a village seal's device; the town for the station's (contract seals). */
  orgCode: z.string().regex(/^(\d{9}|\d{12})$/, 'a device is installed in a village (12 digits) or a town (9 digits)'),
  label: deviceLabel,
  /** The device's own SM2 public key (secure element): 130 hex digits starting 04. */
  publicKey: z.string().trim().regex(/^04[0-9a-fA-F]{128}$/, 'must be an SM2 public key: 130 hex digits starting 04').optional(),
  /** Bind to this seal at once. */
  sealId: z.string().min(1).max(40).optional(),
  geofence: geofenceInput.optional(),
  hours: hoursInput.optional(),
  /** A demo device driven by the platform's own emulator. */
  virtual: z.boolean().optional(),
});

/** Where the device reaches the platform: decided by the edge from its configuration. */
export interface Endpoints { mqttUrl: string; httpBase: string }

export interface Provisioned { device: DeviceView; bundle: ProvisioningBundle }

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** CZ + 10 Crockford base32 characters (50 random bits), the protocol's device id. */
function newDeviceId(deps: Pick<Deps, 'deviceKeys'>): string {
  let bits = BigInt(`0x${deps.deviceKeys.secret(7)}`);
  let id = '';
  for (let i = 0; i < 10; i++) {
    id += CROCKFORD[Number(bits & 31n)];
    bits >>= 5n;
  }
  return `CZ${id}`;
}

function devicePublicKey(deps: Pick<Deps, 'deviceKeys'>, given: string): string {
  const hex = given.toLowerCase();
  if (!deps.deviceKeys.isPublicKey(hex)) throw new AppError('VALIDATION', 'publicKey: not an SM2 public key (130 hex digits starting 04, a point on the curve)', { field: 'publicKey' });
  return hex;
}

export interface NewDevice {
  orgCode: string;
  label: string;
  publicKey?: string;
  geofence: Geofence | null;
  hours: AllowedHours | null;
  virtual: boolean;
  replaces: string | null;
}

/**
 * Enters a device with fresh credentials, in the caller's transaction: the MQTT password and the
 * heartbeat key leave only in the bundle (the registry keeps a keyed hash and an SM4-encrypted
 * key); a key pair made here has its private half in the bundle and nowhere else. No audit entry:
 * the caller records what it did.
 */
export async function createDeviceInTx(tx: Tx, deps: Pick<Deps, 'deviceKeys' | 'cipher' | 'clock'>, d: NewDevice, endpoints: Endpoints): Promise<{ device: Device; bundle: ProvisioningBundle }> {
  const org = await tx.orgs.get(d.orgCode);
  if (!org || !['village', 'town'].includes(levelOf(org.code) ?? '')) throw new AppError('VALIDATION', `unit ${d.orgCode} does not exist`, { field: 'orgCode' });
  const pair = d.publicKey ? null : deps.deviceKeys.newKeyPair();
  const publicKey = d.publicKey ? devicePublicKey(deps, d.publicKey) : pair!.publicKey;
  let id = newDeviceId(deps);
  for (let i = 0; await tx.devices.get(id); i++) {
    if (i > 5) throw new AppError('CONFLICT', 'could not pick a free device id; try again');
    id = newDeviceId(deps);
  }
  const password = deps.deviceKeys.secret(16);
  const hbKey = deps.deviceKeys.secret(16);
  const now = deps.clock.now().toISOString();
  const device: Device = {
    id, orgCode: org.code, sealId: null, status: 'provisioned', label: d.label, publicKey, credentialHash: deps.deviceKeys.credentialHash(password),
    hbKeyEnc: deps.cipher.encrypt(hbKey), geofence: d.geofence, hours: d.hours, replaces: d.replaces, replacedBy: null, virtual: d.virtual,
    lockWanted: false, lockReason: null, lockCommandId: null, model: null, firmware: null, hardware: null, hbSeconds: null, state: null,
    online: false, connectedAt: null, lastSeenAt: null, seqHigh: 0, seqGaps: [], battery: null, ink: null, latE6: null, lngE6: null,
    clockSkewMs: null, createdAt: now, updatedAt: now, version: 1,
  };
  await tx.devices.insert(device);
  const bundle = provisioningBundle.parse({
    v: 1, dev: id, mqtt: { url: endpoints.mqttUrl, username: id, password }, http: endpoints.httpBase, hb_key: hbKey,
    platform_key: deps.deviceKeys.platformPublicKey, ...(pair ? { private_key: pair.privateKey } : {}),
  });
  return { device, bundle };
}

/** What an audit entry says of a new device (never its secrets). */
export const provisionedFacts = (d: Device, generatedKey: boolean) => ({
  orgCode: d.orgCode, label: d.label, publicKey: d.publicKey, generatedKey, geofence: d.geofence, hours: d.hours, virtual: d.virtual, replaces: d.replaces,
});

/**
 * 登记设备: enters a smart-seal device for a village (or the town's station), optionally bound to
 * a seal at once, and returns the bundle the installer loads into it (shown once).
 */
export async function provisionDevice(
  deps: Deps,
  { actor, input: raw, endpoints }: { actor: Actor; input: z.infer<typeof provisionDeviceInput>; endpoints: Endpoints },
): Promise<Provisioned> {
  const input = parseInput(provisionDeviceInput, raw);
  requirePermission(actor, 'device.manage', input.orgCode);
  return deps.uow.write(async (tx) => {
    const made = await createDeviceInTx(tx, deps, {
      orgCode: input.orgCode, label: input.label, publicKey: input.publicKey, geofence: input.geofence ?? null, hours: input.hours ?? null,
      virtual: input.virtual ?? false, replaces: null,
    }, endpoints);
    let device = made.device;
    await record(tx, deps, actor, {
      action: 'DEVICE_PROVISIONED', targetType: 'device', targetId: device.id, orgCode: device.orgCode, before: null, after: provisionedFacts(device, !input.publicKey),
    });
    if (input.sealId) device = await bindInTx(tx, deps, actor, device, input.sealId);
    if (device.geofence || device.hours) {
      await enqueueCommand(tx, deps, { device, type: 'config', body: configBody(device, device.geofence, device.hours), createdBy: actor.userId });
    }
    return { device: await deviceView(tx, device), bundle: made.bundle };
  });
}
