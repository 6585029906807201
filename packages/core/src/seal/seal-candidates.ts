import { z } from 'zod';
import { requirePermission, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import { levelOf, parentCode, townOf } from '../org/org-code.js';
import type { Deps } from '../ports.js';
import type { Role } from '../roles.js';
import { maskPhone } from '../user/user.js';
import { parseInput } from '../validate.js';
import { keeperRoles } from './seal-access.js';

export const sealCandidatesQuery = z.strictObject({
  orgCode: z.string().regex(/^\d{12}$/, 'a seal belongs to a village unit (12-digit code)'),
  typeCode: z.string().min(1).max(40),
  purpose: z.enum(['keeper', 'approver']),
});

export interface SealCandidate {
  id: string;
  name: string;
  phoneMasked: string;
  roles: { role: Role; orgCode: string }[];
}

/** Who may keep or approve a seal of this type for this unit: the people seal managers pick from. */
export async function listSealCandidates(deps: Deps, { actor, query: raw }: { actor: Actor; query: z.infer<typeof sealCandidatesQuery> }): Promise<SealCandidate[]> {
  const query = parseInput(sealCandidatesQuery, raw);
  requirePermission(actor, 'seal.manage', query.orgCode);
  return deps.uow.read(async (tx) => {
    const type = await tx.sealTypes.get(query.typeCode);
    if (!type) throw new AppError('VALIDATION', `unknown seal type ${query.typeCode}`, { field: 'typeCode' });
    if (levelOf(query.orgCode) !== 'village' || !(await tx.orgs.get(query.orgCode))) {
      throw new AppError('VALIDATION', `village unit ${query.orgCode} does not exist`, { field: 'orgCode' });
    }
    // The same rules as checkCustodyPeople: keepers hold custody of the unit that keeps the seal.
    const unit = query.purpose === 'keeper' && type.custody === 'station' ? (townOf(query.orgCode) as string) : query.orgCode;
    const roles: Role[] = query.purpose === 'keeper' ? keeperRoles({ orgCode: query.orgCode, custodyOrgCode: unit }) : ['village_approver', 'town_leader'];
    const covering: string[] = [];
    for (let c: string | null = unit; c; c = parentCode(c)) covering.push(c);
    const holders = await tx.grants.holders(roles, covering);
    const out: SealCandidate[] = [];
    for (const [userId, grants] of holders) {
      const user = await tx.users.get(userId);
      if (!user || user.disabled) continue;
      out.push({ id: user.id, name: user.name, phoneMasked: maskPhone(deps.cipher.decrypt(user.phoneEnc)), roles: grants.map((g) => ({ role: g.role, orgCode: g.orgCode })) });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name, 'zh'));
  });
}
