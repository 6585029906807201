import { z } from 'zod';
import { AppError } from '../errors.js';
import type { Deps, Session, Tx } from '../ports.js';
import { ADMIN_ROLES } from '../roles.js';
import { parseInput } from '../validate.js';
import type { User } from './user.js';
import { normalisePhone } from './view.js';

export const loginInput = z.strictObject({
  phone: z.string().min(1).max(20).transform(normalisePhone),
  password: z.string().min(1).max(200),
});

export interface LoginResult {
  /** Secret cookie value; only its digest is stored. */
  token: string;
  csrfToken: string;
  stage: Session['stage'];
  userId: string;
}

/** Counts a failed attempt and locks the account once the policy's limit is reached. */
export async function registerFailure(deps: Deps, tx: Tx, stale: User, ip: string, reason: string): Promise<void> {
  // Concurrent failures must each count: re-read the counter under a row lock.
  const user = (await tx.users.getForUpdate(stale.id)) ?? stale;
  const failed = user.failedLogins + 1;
  const lock = failed >= deps.policy.maxFailedLogins;
  const lockedUntil = lock ? new Date(deps.clock.now().getTime() + deps.policy.lockoutMinutes * 60_000).toISOString() : null;
  await tx.users.update(user.id, { failedLogins: lock ? 0 : failed, lockedUntil });
  const at = deps.clock.now().toISOString();
  const base = { actorId: user.id, ip, at, targetType: 'user' as const, targetId: user.id, orgCode: user.homeOrgCode };
  await tx.audit.append({ ...base, action: 'LOGIN_FAILED', before: null, after: { reason, failed } });
  if (lock) await tx.audit.append({ ...base, action: 'ACCOUNT_LOCKED', before: null, after: { lockedUntil } });
}

export function assertNotLocked(deps: Deps, user: User): void {
  if (user.lockedUntil && new Date(user.lockedUntil) > deps.clock.now()) {
    throw new AppError('ACCOUNT_LOCKED', `too many failed logins: the account is locked until ${user.lockedUntil}`, {
      details: { lockedUntil: user.lockedUntil },
    });
  }
}

const BAD_LOGIN = 'wrong phone number or password';

export async function login(deps: Deps, { input: raw, ip }: { input: z.infer<typeof loginInput>; ip: string }): Promise<LoginResult> {
  const input = parseInput(loginInput, raw);
  const user = await deps.uow.read((tx) => tx.users.byPhoneIndex(deps.cipher.index(input.phone)));
  if (!user || user.disabled) {
    // Spend the same time as a real check so the response does not reveal which phones exist.
    await deps.hasher.verify('$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$H8H5mLV1iHP5dz3K3Bxu6kIdZVtKzAU9uqCoMRIHLX0', input.password).catch(() => false);
    throw new AppError('UNAUTHENTICATED', BAD_LOGIN);
  }
  assertNotLocked(deps, user);
  const ok = await deps.hasher.verify(user.passwordHash, input.password);
  return deps.uow.write(async (tx) => {
    const fresh = (await tx.users.get(user.id)) ?? user;
    if (!ok) {
      await registerFailure(deps, tx, fresh, ip, 'password');
      return null;
    }
    await tx.users.update(user.id, { failedLogins: 0, lockedUntil: null });
    const grants = await tx.grants.forUser(user.id);
    const isAdmin = grants.some((g) => ADMIN_ROLES.includes(g.role));
    const stage: Session['stage'] = user.totpEnabled ? 'totp' : isAdmin ? 'enrol' : 'full';
    const token = deps.ids.token();
    const now = deps.clock.now();
    // A session waiting for its second factor lives five minutes.
    const hours = stage === 'full' ? deps.policy.sessionHours : 5 / 60;
    const session: Session = {
      idHash: deps.cipher.digest(token), userId: user.id, csrfToken: deps.ids.token(), stage,
      createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + hours * 3_600_000).toISOString(), ip,
    };
    await tx.sessions.insert(session);
    if (stage === 'full') {
      await tx.audit.append({
        actorId: user.id, ip, at: now.toISOString(), action: 'LOGIN_SUCCEEDED', targetType: 'session',
        targetId: user.id, orgCode: user.homeOrgCode, before: null, after: { stage },
      });
    }
    return { token, csrfToken: session.csrfToken, stage, userId: user.id };
  }).then((r) => {
    if (!r) throw new AppError('UNAUTHENTICATED', BAD_LOGIN);
    return r;
  });
}
