import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES, type Permission, type Role } from '../roles.js';
import { hasPermission, requirePermission, scopesFor, systemActor, type Actor } from './actor.js';

const VILLAGE = '370921113201';
const OTHER_VILLAGE = '370921113202';
const TOWN = '370921113';
const OTHER_TOWN = '370921114';

const actor = (...grants: [Role, string][]): Actor => ({
  userId: 'u1',
  ip: '127.0.0.1',
  grants: grants.map(([role, orgCode], i) => ({ id: `g${i}`, role, orgCode })),
});

function forbidden(fn: () => void): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('FORBIDDEN');
    return e as AppError;
  }
  throw new Error('expected FORBIDDEN');
}

describe('permissions are denied by default', () => {
  it('an actor without grants holds no permission anywhere, not even at the root', () => {
    const nobody = actor();
    for (const p of PERMISSIONS) {
      for (const code of ['', '37', TOWN, VILLAGE]) {
        expect(hasPermission(nobody, p, code)).toBe(false);
        forbidden(() => requirePermission(nobody, p, code));
      }
      expect(scopesFor(nobody, p)).toEqual([]);
    }
  });

  it('a role grants exactly the permissions of its bundle', () => {
    for (const role of ROLES) {
      const a = actor([role, TOWN]);
      for (const p of PERMISSIONS) {
        expect(hasPermission(a, p, VILLAGE), `${role} ${p}`).toBe(ROLE_PERMISSIONS[role].includes(p));
      }
    }
  });

  it('no role but the supervisor and the audit administrator reads the trail', () => {
    const readers = ROLES.filter((r) => ROLE_PERMISSIONS[r].includes('audit.read'));
    expect(readers.sort()).toEqual(['audit_admin', 'supervisor']);
  });

  it('三员分立: system, security and audit administrators hold disjoint powers over accounts, roles and trail', () => {
    const has = (r: Role, p: Permission): boolean => ROLE_PERMISSIONS[r].includes(p);
    expect(has('sys_admin', 'role.grant') || has('sys_admin', 'audit.read')).toBe(false);
    expect(has('sec_admin', 'user.create') || has('sec_admin', 'audit.read')).toBe(false);
    expect(has('audit_admin', 'user.create') || has('audit_admin', 'role.grant') || has('audit_admin', 'user.disable')).toBe(false);
    expect(has('audit_admin', 'seal.manage') || has('sys_admin', 'seal.manage') || has('sec_admin', 'seal.manage')).toBe(false);
  });
});

describe('a grant covers its unit and what lies beneath, nothing else', () => {
  const keeper = actor(['seal_keeper', VILLAGE]);
  const officer = actor(['station_officer', TOWN]);

  it('a village grant covers its own village only', () => {
    expect(hasPermission(keeper, 'seal.read', VILLAGE)).toBe(true);
    expect(hasPermission(keeper, 'seal.read', OTHER_VILLAGE)).toBe(false);
    expect(hasPermission(keeper, 'seal.read', TOWN)).toBe(false);
    expect(hasPermission(keeper, 'seal.read', '')).toBe(false);
    const e = forbidden(() => requirePermission(keeper, 'seal.read', OTHER_VILLAGE));
    expect(e.message).toContain('seal.read');
    expect(e.message).toContain(OTHER_VILLAGE);
  });

  it('a village grant does not reach the town even for permissions the role has', () => {
    forbidden(() => requirePermission(keeper, 'org.read', TOWN));
  });

  it('a permission the role lacks is refused on its own unit', () => {
    forbidden(() => requirePermission(keeper, 'seal.manage', VILLAGE));
    expect(() => requirePermission(officer, 'seal.manage', VILLAGE)).not.toThrow();
  });

  it('a town grant covers every village of the town but not another town or the county', () => {
    expect(hasPermission(officer, 'seal.manage', VILLAGE)).toBe(true);
    expect(hasPermission(officer, 'seal.manage', OTHER_VILLAGE)).toBe(true);
    expect(hasPermission(officer, 'seal.manage', TOWN)).toBe(true);
    expect(hasPermission(officer, 'seal.manage', `${OTHER_TOWN}201`)).toBe(false);
    expect(hasPermission(officer, 'seal.manage', '370921')).toBe(false);
  });

  it('names the root unit readably when refusing at the root', () => {
    expect(forbidden(() => requirePermission(officer, 'sealtype.manage', '')).message).toContain('(root)');
  });

  it('the system actor holds the operator powers everywhere but cannot read the trail', () => {
    const sys = systemActor();
    expect(hasPermission(sys, 'user.create', VILLAGE)).toBe(true);
    expect(hasPermission(sys, 'role.grant', '')).toBe(true);
    expect(hasPermission(sys, 'seal.manage', `${OTHER_TOWN}201`)).toBe(true);
    expect(hasPermission(sys, 'audit.read', VILLAGE)).toBe(false);
  });
});

describe('scopesFor lists the broadest units on which a permission is held', () => {
  it('keeps only the grants that carry the permission', () => {
    const a = actor(['applicant', VILLAGE], ['seal_keeper', OTHER_VILLAGE]);
    expect(scopesFor(a, 'seal.read')).toEqual([OTHER_VILLAGE]);
    expect(scopesFor(a, 'org.read').sort()).toEqual([VILLAGE, OTHER_VILLAGE]);
    expect(scopesFor(a, 'seal.manage')).toEqual([]);
  });

  it('drops scopes covered by a broader one and duplicates', () => {
    const a = actor(['seal_keeper', VILLAGE], ['station_officer', TOWN], ['village_approver', VILLAGE], ['town_leader', OTHER_TOWN]);
    expect(scopesFor(a, 'seal.read').sort()).toEqual([TOWN, OTHER_TOWN]);
  });

  it('keeps two sibling villages apart', () => {
    const a = actor(['seal_keeper', VILLAGE], ['seal_keeper', OTHER_VILLAGE]);
    expect(scopesFor(a, 'seal.read').sort()).toEqual([VILLAGE, OTHER_VILLAGE]);
  });
});
