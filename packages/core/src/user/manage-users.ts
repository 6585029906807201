import { z } from 'zod';
import { record } from '../audit/record.js';
import { requirePermission, scopesFor, type Actor } from '../auth/actor.js';
import { AppError, notFound } from '../errors.js';
import { isWithin } from '../org/org-code.js';
import type { Deps, Page, Tx } from '../ports.js';
import type { User, UserView } from './user.js';
import { toUserView } from './view.js';

export const listUsersQuery = z.strictObject({
  q: z.string().max(50).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

async function visibleUser(tx: Tx, actor: Actor, perm: 'user.read' | 'user.disable' | 'user.unlock', id: string): Promise<User> {
  const user = await tx.users.get(id);
  if (!user || !actor.grants.some((g) => isWithin(user.homeOrgCode, g.orgCode))) throw notFound('user', id);
  requirePermission(actor, perm, user.homeOrgCode);
  return user;
}

export async function listUsers(deps: Deps, { actor, query }: { actor: Actor; query: z.infer<typeof listUsersQuery> }): Promise<Page<UserView>> {
  const scopes = scopesFor(actor, 'user.read');
  if (scopes.length === 0) throw new AppError('FORBIDDEN', 'permission user.read is not granted on any unit');
  return deps.uow.read(async (tx) => {
    const page = await tx.users.listInScopes(scopes, { ...query });
    const grants = await tx.grants.forUsers(page.items.map((u) => u.id));
    const now = deps.clock.now();
    return { items: page.items.map((u) => toUserView(u, grants.get(u.id) ?? [], deps.cipher, now)), next: page.next };
  });
}

export async function getUser(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<UserView> {
  return deps.uow.read(async (tx) => {
    const user = actor.userId === id ? await tx.users.get(id) : await visibleUser(tx, actor, 'user.read', id);
    if (!user) throw notFound('user', id);
    return toUserView(user, await tx.grants.forUser(id), deps.cipher, deps.clock.now());
  });
}

export async function unlockUser(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<void> {
  await deps.uow.write(async (tx) => {
    const user = await visibleUser(tx, actor, 'user.unlock', id);
    await tx.users.update(id, { failedLogins: 0, lockedUntil: null });
    await record(tx, deps, actor, {
      action: 'USER_UNLOCKED', targetType: 'user', targetId: id, orgCode: user.homeOrgCode,
      before: { lockedUntil: user.lockedUntil }, after: { lockedUntil: null },
    });
  });
}

export async function disableUser(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<void> {
  if (id === actor.userId) throw new AppError('RULE_VIOLATION', 'nobody disables their own account');
  await deps.uow.write(async (tx) => {
    const user = await visibleUser(tx, actor, 'user.disable', id);
    if (user.disabled) throw new AppError('CONFLICT', 'the account is disabled already');
    await tx.users.update(id, { disabled: true });
    await tx.sessions.deleteForUser(id);
    await record(tx, deps, actor, {
      action: 'USER_DISABLED', targetType: 'user', targetId: id, orgCode: user.homeOrgCode, before: { disabled: false }, after: { disabled: true },
    });
  });
}
