import { AppError } from '../errors.js';
import { isWithin } from '../org/org-code.js';
import { ROLE_PERMISSIONS, type Permission, type Role } from '../roles.js';

export interface Grant {
  id: string;
  role: Role;
  orgCode: string;
}

/** Who is acting, as established by the edge from a verified session. */
export interface Actor {
  userId: string;
  grants: readonly Grant[];
  /** Source address, recorded in the audit trail. */
  ip: string;
}

/** The system itself: demo seeding, and the CLI run by the operator on the server machine. */
export const systemActor = (ip = 'local'): Actor => ({
  userId: 'system',
  grants: [
    { id: 'system', role: 'sys_admin', orgCode: '' },
    { id: 'system-sec', role: 'sec_admin', orgCode: '' },
    { id: 'system-seal', role: 'station_officer', orgCode: '' },
  ],
  ip,
});

export function hasPermission(actor: Actor, perm: Permission, orgCode: string): boolean {
  return actor.grants.some((g) => isWithin(orgCode, g.orgCode) && ROLE_PERMISSIONS[g.role].includes(perm));
}

/** Deny by default: throws FORBIDDEN unless a grant covering `orgCode` carries `perm`. */
export function requirePermission(actor: Actor, perm: Permission, orgCode: string): void {
  if (!hasPermission(actor, perm, orgCode)) {
    throw new AppError('FORBIDDEN', `permission ${perm} is not granted on unit ${orgCode || '(root)'}`);
  }
}

/** The org scopes on which the actor holds `perm` (for filtering lists). */
export function scopesFor(actor: Actor, perm: Permission): string[] {
  const scopes = actor.grants.filter((g) => ROLE_PERMISSIONS[g.role].includes(perm)).map((g) => g.orgCode);
  // Drop scopes already covered by a broader one.
  return [...new Set(scopes)].filter((s, _i, all) => !all.some((o) => o !== s && isWithin(s, o)));
}
