import type { AuthToken } from '@cunzhang/protocol';
import type { Application, Authorization } from '../application/records.js';
import type { Actor } from '../auth/actor.js';
import type { Deps, Tx } from '../ports.js';
import { enqueueCommand } from './commands.js';
import type { Device, DeviceCommand } from './records.js';

type KeyDeps = Pick<Deps, 'deviceKeys'>;
type TokenDeps = Pick<Deps, 'deviceKeys' | 'cipher'>;

/** The 6-digit one-time code the operator types at the device (derived from the authorization, never stored). */
export const operatorCodeOf = (deps: KeyDeps, authorizationId: string): string => deps.deviceKeys.operatorCode(authorizationId);

/**
 * The platform-signed authorization token (device-protocol §8.3, §9): seal, device, impression
 * count, window and page fingerprints, and the operator's one-time code keyed with the device's
 * heartbeat key (only that device can check it), so the device checks everything offline.
 * Delivered in an `authorize` command, or as the QR code on the applicant's phone.
 */
export function authorizationToken(deps: TokenDeps, auth: Authorization, device: Pick<Device, 'id' | 'hbKeyEnc'>, app: Pick<Application, 'id'>): AuthToken {
  return deps.deviceKeys.sign({
    v: 1 as const, auth: auth.id, app: app.id, dev: device.id, seal: auth.sealId, n: auth.impressionsAllowed,
    from: auth.validFrom, until: auth.validUntil,
    pages: auth.pages.map((p) => ({ no: p.pageNo, phash: p.phash, sm3: p.sm3 })),
    otp: deps.deviceKeys.otpDigest(auth.id, operatorCodeOf(deps, auth.id), deps.cipher.decrypt(device.hbKeyEnc)),
  });
}

/** The device an authorization names, if it still takes orders. */
async function deviceOf(tx: Tx, auth: Pick<Authorization, 'deviceId'>): Promise<Device | null> {
  if (!auth.deviceId) return null;
  const device = await tx.devices.get(auth.deviceId);
  return device && device.status !== 'retired' ? device : null;
}

/**
 * On approval (in the approval's transaction): when the seal has a bound device, the signed token
 * goes to it in an `authorize` command. No device: the keeper records impressions by hand.
 */
export async function pushAuthorizationInTx(
  tx: Tx, deps: Pick<Deps, 'clock' | 'ids' | 'deviceKeys' | 'cipher'>, actor: Actor, { authorization, application }: { authorization: Authorization; application: Pick<Application, 'id'> },
): Promise<DeviceCommand | null> {
  const device = await deviceOf(tx, authorization);
  if (!device) return null;
  const token = authorizationToken(deps, authorization, device, application);
  return enqueueCommand(tx, deps, { device, type: 'authorize', body: { token }, createdBy: actor.userId });
}

/** On revocation (manual, or the seal leaving use): the device drops the token in a `revoke` command. */
export async function revokeOnDeviceInTx(
  tx: Tx, deps: Pick<Deps, 'clock' | 'ids' | 'deviceKeys'>, actor: Actor, authorization: Pick<Authorization, 'id' | 'deviceId'>,
): Promise<DeviceCommand | null> {
  const device = await deviceOf(tx, authorization);
  if (!device) return null;
  return enqueueCommand(tx, deps, { device, type: 'revoke', body: { auth: authorization.id }, createdBy: actor.userId });
}
