import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Deps } from '../ports.js';
import { assertNotLocked, registerFailure } from './login.js';
import type { Authenticated } from './session.js';

export const totpCodeInput = z.strictObject({ code: z.string().regex(/^\d{6}$/, 'the code has 6 digits') });

async function promote(deps: Deps, auth: Authenticated, action: 'LOGIN_SUCCEEDED' | 'TOTP_ENABLED', step: number): Promise<void> {
  await deps.uow.write(async (tx) => {
    const now = deps.clock.now();
    // Re-read under the write lock: two requests racing with one code must not both pass.
    const fresh = await tx.users.getForUpdate(auth.user.id);
    if (!fresh || step <= fresh.totpLastStep) throw new AppError('VALIDATION', 'this code was used already; wait for the next one', { field: 'code' });
    await tx.users.update(auth.user.id, { failedLogins: 0, totpLastStep: step, ...(action === 'TOTP_ENABLED' ? { totpEnabled: true } : {}) });
    await tx.sessions.update(auth.session.idHash, {
      stage: 'full', expiresAt: new Date(now.getTime() + deps.policy.sessionHours * 3_600_000).toISOString(),
    });
    const base = { actorId: auth.user.id, ip: auth.actor.ip, at: now.toISOString(), targetType: 'session' as const, targetId: auth.user.id, orgCode: auth.user.homeOrgCode };
    if (action === 'TOTP_ENABLED') await tx.audit.append({ ...base, targetType: 'user', action, before: { totpEnabled: false }, after: { totpEnabled: true } });
    await tx.audit.append({ ...base, action: 'LOGIN_SUCCEEDED', before: null, after: { stage: 'full', secondFactor: 'totp' } });
  });
}

async function failed(deps: Deps, auth: Authenticated): Promise<never> {
  await deps.uow.write(async (tx) => {
    const u = await tx.users.get(auth.user.id);
    if (u) await registerFailure(deps, tx, u, auth.actor.ip, 'totp');
  });
  throw new AppError('VALIDATION', 'the code is wrong or has expired', { field: 'code' });
}

/** Second step of login for a person with TOTP enabled. */
export async function verifyTotp(deps: Deps, { auth, code }: { auth: Authenticated; code: string }): Promise<void> {
  assertNotLocked(deps, auth.user);
  if (auth.session.stage !== 'totp' || !auth.user.totpSecretEnc) throw new AppError('CONFLICT', 'no second factor is pending for this session');
  const step = deps.totp.verify(deps.cipher.decrypt(auth.user.totpSecretEnc), code);
  if (step === null) return failed(deps, auth);
  await promote(deps, auth, 'LOGIN_SUCCEEDED', step);
}

/** Starts enrolment: a fresh secret, stored encrypted but not enabled until a code proves it. */
export async function beginTotpEnrolment(deps: Deps, { auth }: { auth: Authenticated }): Promise<{ secret: string; uri: string }> {
  if (auth.user.totpEnabled) throw new AppError('CONFLICT', 'a second factor is already set up for this account');
  const secret = deps.totp.newSecret();
  await deps.uow.write((tx) => tx.users.update(auth.user.id, { totpSecretEnc: deps.cipher.encrypt(secret) }));
  return { secret, uri: deps.totp.uri(secret, auth.user.name) };
}

export async function enableTotp(deps: Deps, { auth, code }: { auth: Authenticated; code: string }): Promise<void> {
  assertNotLocked(deps, auth.user);
  if (auth.user.totpEnabled) throw new AppError('CONFLICT', 'a second factor is already set up for this account');
  if (!auth.user.totpSecretEnc) throw new AppError('CONFLICT', 'start the set-up first: no secret was issued', { field: 'code' });
  const step = deps.totp.verify(deps.cipher.decrypt(auth.user.totpSecretEnc), code);
  if (step === null) return failed(deps, auth);
  await promote(deps, auth, 'TOTP_ENABLED', step);
}
