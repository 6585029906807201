import { z } from 'zod';
import { record } from '../audit/record.js';
import { requirePermission, type Actor } from '../auth/actor.js';
import { AppError, notFound } from '../errors.js';
import { isWithin, levelOf, type OrgLevel } from '../org/org-code.js';
import type { Deps } from '../ports.js';
import { parseInput } from '../validate.js';
import { ADMIN_ROLES, ROLES, type Role } from '../roles.js';

/** The levels of unit each role may be granted on. */
const ROLE_LEVELS: Record<Role, readonly OrgLevel[]> = {
  applicant: ['village'],
  service_clerk: ['village'],
  village_approver: ['village'],
  seal_keeper: ['village', 'town'],
  station_officer: ['town'],
  town_leader: ['town'],
  auditor: ['town', 'county'],
  supervisor: ['village', 'town', 'county', 'city', 'province'],
  sys_admin: ['town', 'county', 'city', 'province'],
  sec_admin: ['town', 'county', 'city', 'province'],
  audit_admin: ['town', 'county', 'city', 'province'],
};

export const grantRoleInput = z.strictObject({
  role: z.enum(ROLES),
  orgCode: z.string().regex(/^\d{6,12}$/, 'an org code has 6 to 12 digits'),
});

export async function grantRole(
  deps: Deps,
  { actor, userId, input }: { actor: Actor; userId: string; input: z.infer<typeof grantRoleInput> },
): Promise<{ id: string }> {
  const { role, orgCode } = parseInput(grantRoleInput, input);
  requirePermission(actor, 'role.grant', orgCode);
  const level = levelOf(orgCode);
  if (!level || !ROLE_LEVELS[role].includes(level)) {
    throw new AppError('VALIDATION', `role ${role} can be granted on a ${ROLE_LEVELS[role].join(' or ')} unit, not on ${orgCode}`, { field: 'orgCode' });
  }
  if (userId === actor.userId) {
    throw new AppError('RULE_VIOLATION', 'nobody grants roles to themselves');
  }
  return deps.uow.write(async (tx) => {
    const user = await tx.users.get(userId);
    if (!user || !actor.grants.some((g) => isWithin(user.homeOrgCode, g.orgCode))) throw notFound('user', userId);
    if (!(await tx.orgs.get(orgCode))) throw new AppError('VALIDATION', `org unit ${orgCode} does not exist`, { field: 'orgCode' });
    const existing = await tx.grants.forUser(userId);
    if (existing.some((g) => g.role === role && g.orgCode === orgCode)) {
      throw new AppError('CONFLICT', `the person already holds ${role} on ${orgCode}`, { field: 'role' });
    }
    // 三员分立: one person holds at most one of the three administrator roles.
    const otherAdmin = existing.find((g) => ADMIN_ROLES.includes(g.role) && g.role !== role);
    if (ADMIN_ROLES.includes(role) && otherAdmin) {
      throw new AppError('RULE_VIOLATION', `separated duties: the person is already ${otherAdmin.role} and cannot also be ${role}`, { field: 'role' });
    }
    const grant = { id: deps.ids.next(), role, orgCode, userId, createdAt: deps.clock.now().toISOString() };
    await tx.grants.insert(grant);
    await record(tx, deps, actor, {
      action: 'ROLE_GRANTED', targetType: 'user', targetId: userId, orgCode, before: null, after: { grantId: grant.id, role, orgCode },
    });
    return { id: grant.id };
  });
}

export async function revokeRole(deps: Deps, { actor, userId, grantId }: { actor: Actor; userId: string; grantId: string }): Promise<void> {
  await deps.uow.write(async (tx) => {
    const grant = await tx.grants.get(grantId);
    if (!grant || grant.userId !== userId) throw notFound('grant', grantId);
    requirePermission(actor, 'role.grant', grant.orgCode);
    await tx.grants.delete(grantId);
    await tx.sessions.deleteForUser(userId);
    await record(tx, deps, actor, {
      action: 'ROLE_REVOKED', targetType: 'user', targetId: userId, orgCode: grant.orgCode,
      before: { grantId, role: grant.role, orgCode: grant.orgCode }, after: null,
    });
  });
}
