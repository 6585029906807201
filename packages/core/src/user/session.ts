import { record } from '../audit/record.js';
import type { Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps, Session } from '../ports.js';
import type { User } from './user.js';

export interface Authenticated {
  session: Session;
  user: User;
  actor: Actor;
}

/**
 * Resolves a session cookie to an actor. `allowStages` lets the second-factor routes accept
 * half-finished sessions; every other route needs a full one.
 */
export async function authenticate(
  deps: Deps,
  { token, ip, allowStages = ['full'] }: { token: string | undefined; ip: string; allowStages?: Session['stage'][] },
): Promise<Authenticated> {
  if (!token) throw new AppError('UNAUTHENTICATED', 'not logged in');
  return deps.uow.read(async (tx) => {
    const session = await tx.sessions.get(deps.cipher.digest(token));
    if (!session || new Date(session.expiresAt) <= deps.clock.now()) {
      throw new AppError('UNAUTHENTICATED', 'the session has expired; log in again');
    }
    const user = await tx.users.get(session.userId);
    if (!user || user.disabled) throw new AppError('UNAUTHENTICATED', 'the account is disabled');
    if (!allowStages.includes(session.stage)) {
      throw new AppError('TOTP_REQUIRED', session.stage === 'enrol'
        ? 'administrators must set up a TOTP second factor before going on'
        : 'enter the 6-digit code from your authenticator app');
    }
    const grants = session.stage === 'full' ? await tx.grants.forUser(user.id) : [];
    return { session, user, actor: { userId: user.id, grants, ip } };
  });
}

export async function logout(deps: Deps, { auth }: { auth: Authenticated }): Promise<void> {
  await deps.uow.write(async (tx) => {
    await tx.sessions.delete(auth.session.idHash);
    await record(tx, deps, auth.actor, {
      action: 'LOGOUT', targetType: 'session', targetId: auth.user.id, orgCode: auth.user.homeOrgCode, before: null, after: null,
    });
  });
}
