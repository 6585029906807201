import type { AuthToken } from '@cunzhang/protocol';
import { loadApplication } from '../application/decide-application.js';
import type { Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps } from '../ports.js';
import { authorizationToken, operatorCodeOf } from './push-authorization.js';

export interface DevicePass {
  /** The 6-digit code the operator types at the device. */
  code: string;
  /** The signed token the device reads from the phone's QR code when it is offline. */
  token: AuthToken;
  validUntil: string;
}

/**
 * 用印凭证: the applicant (or the clerk who filed for a villager) shows it on the phone at the
 * device — the one-time code to type, and the token as a QR code for a device that is offline.
 * Only while the authorization is active.
 */
export async function getDevicePass(deps: Deps, { actor, applicationId }: { actor: Actor; applicationId: string }): Promise<DevicePass> {
  return deps.uow.read(async (tx) => {
    const app = await loadApplication(tx, actor, applicationId);
    if (app.applicantUserId !== actor.userId && app.clerkUserId !== actor.userId) {
      throw new AppError('FORBIDDEN', 'only the applicant, or the clerk who filed the application, receives its device pass');
    }
    const auth = await tx.applications.authorizationOf(app.id);
    if (!auth) throw new AppError('ILLEGAL_TRANSITION', `the application is ${app.status}: a device pass exists only for an approved one`, { field: 'status' });
    if (auth.status !== 'active') throw new AppError('ILLEGAL_TRANSITION', `the authorization is ${auth.status}: no device pass any more`, { field: 'status' });
    const now = deps.clock.now().toISOString();
    if (auth.validUntil <= now) throw new AppError('ILLEGAL_TRANSITION', `the authorization ended at ${auth.validUntil}: no device pass any more`, { field: 'status' });
    const device = auth.deviceId ? await tx.devices.get(auth.deviceId) : null;
    if (!auth.deviceId || !device || device.status === 'retired') {
      throw new AppError('ILLEGAL_TRANSITION', 'no device is bound to the seal for this authorization: the keeper records the stamping by hand', { field: 'deviceId' });
    }
    return { code: operatorCodeOf(deps, auth.id), token: authorizationToken(deps, auth, device, app), validUntil: auth.validUntil };
  });
}
