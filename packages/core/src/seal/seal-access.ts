import { requirePermission, type Actor } from '../auth/actor.js';
import { AppError, notFound } from '../errors.js';
import { isWithin } from '../org/org-code.js';
import type { Deps, Tx } from '../ports.js';
import type { Role } from '../roles.js';
import type { Seal } from './seal.js';

/** Loads a seal the actor may see (on its owning or custody unit); NOT_FOUND otherwise. */
export async function loadSeal(tx: Tx, actor: Actor, id: string, perm: 'seal.read' | 'seal.manage'): Promise<Seal> {
  const seal = await tx.seals.get(id);
  if (!seal) throw notFound('seal', id);
  const visible = actor.grants.some((g) => isWithin(seal.orgCode, g.orgCode) || isWithin(seal.custodyOrgCode, g.orgCode));
  // Another village's seal is reported as missing, not forbidden, so ids do not leak.
  if (!visible) throw notFound('seal', id);
  requirePermission(actor, perm, seal.orgCode);
  return seal;
}

/** Checks that `userId` holds one of `roles` on a unit covering `orgCode`. */
export async function assertHolds(tx: Tx, userId: string, roles: Role[], orgCode: string, field: string): Promise<void> {
  const user = await tx.users.get(userId);
  if (!user || user.disabled) throw new AppError('VALIDATION', `person ${userId} does not exist or is disabled`, { field });
  const grants = await tx.grants.forUser(userId);
  if (!grants.some((g) => roles.includes(g.role) && isWithin(orgCode, g.orgCode))) {
    throw new AppError('VALIDATION', `${user.name} is not ${roles.join(' or ')} for unit ${orgCode}`, { field });
  }
}

/**
 * Who may keep a seal: a seal kept in the village only by a keeper of that village (一章还村);
 * a seal kept at the town's station also by its officers (二章分立).
 */
export function keeperRoles(seal: Pick<Seal, 'orgCode' | 'custodyOrgCode'>): Role[] {
  return seal.custodyOrgCode === seal.orgCode ? ['seal_keeper'] : ['seal_keeper', 'station_officer'];
}

export async function checkCustodyPeople(
  deps: Pick<Deps, 'policy'>,
  tx: Tx,
  seal: Pick<Seal, 'orgCode' | 'custodyOrgCode'>,
  keeperUserId: string | null,
  approverUserIds: string[],
): Promise<void> {
  if (keeperUserId) await assertHolds(tx, keeperUserId, keeperRoles(seal), seal.custodyOrgCode, 'keeperUserId');
  for (const a of approverUserIds) await assertHolds(tx, a, ['village_approver', 'town_leader'], seal.orgCode, 'approverUserIds');
  if (new Set(approverUserIds).size !== approverUserIds.length) {
    throw new AppError('VALIDATION', 'an approver is listed twice', { field: 'approverUserIds' });
  }
  if (deps.policy.separateApprovalAndCustody && keeperUserId && approverUserIds.includes(keeperUserId)) {
    throw new AppError('RULE_VIOLATION', '审批与保管分开: the keeper of a seal cannot also approve its use', { field: 'approverUserIds' });
  }
}
