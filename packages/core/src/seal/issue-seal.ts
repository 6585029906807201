import { z } from 'zod';
import { record } from '../audit/record.js';
import { requirePermission, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import { levelOf, townOf } from '../org/org-code.js';
import type { Deps } from '../ports.js';
import { parseInput } from '../validate.js';
import { checkCustodyPeople } from './seal-access.js';
import { defaultSealName } from './seal-name.js';
import type { Seal } from './seal.js';

export const issueSealInput = z.strictObject({
  typeCode: z.string().min(1).max(40),
  orgCode: z.string().regex(/^\d{12}$/, 'a seal belongs to a village unit (12-digit code)'),
  name: z.string().trim().min(1).max(100).optional(),
  issuingAuthority: z.string().trim().min(1).max(100),
  keeperUserId: z.string().min(1).max(40).nullable().optional(),
  approverUserIds: z.array(z.string().min(1).max(40)).max(10).default([]),
});

/** 制发: the town issues a seal for a village unit and enters its master record. */
export async function issueSeal(deps: Deps, { actor, input: raw }: { actor: Actor; input: z.infer<typeof issueSealInput> }): Promise<Seal> {
  const input = parseInput(issueSealInput, raw);
  requirePermission(actor, 'seal.manage', input.orgCode);
  return deps.uow.write(async (tx) => {
    const org = await tx.orgs.get(input.orgCode);
    if (!org || levelOf(org.code) !== 'village') throw new AppError('VALIDATION', `village unit ${input.orgCode} does not exist`, { field: 'orgCode' });
    const type = await tx.sealTypes.get(input.typeCode);
    if (!type) throw new AppError('VALIDATION', `unknown seal type ${input.typeCode}`, { field: 'typeCode' });
    const custodyOrgCode = type.custody === 'station' ? (townOf(org.code) as string) : org.code;
    const keeperUserId = input.keeperUserId ?? null;
    await checkCustodyPeople(deps, tx, { orgCode: org.code, custodyOrgCode }, keeperUserId, input.approverUserIds);
    const now = deps.clock.now().toISOString();
    const seal: Seal = {
      id: deps.ids.next(), typeCode: type.code, orgCode: org.code, name: input.name ?? defaultSealName(org.name, type),
      status: 'issued', issuingAuthority: input.issuingAuthority, filingNumber: null, activatedAt: null,
      keeperUserId, approverUserIds: input.approverUserIds, custodyOrgCode, impressionBlob: null, deviceId: null,
      createdAt: now, updatedAt: now, version: 1,
    };
    await tx.seals.insert(seal);
    await record(tx, deps, actor, { action: 'SEAL_ISSUED', targetType: 'seal', targetId: seal.id, orgCode: org.code, before: null, after: seal });
    return seal;
  });
}
