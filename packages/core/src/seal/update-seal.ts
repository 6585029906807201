import { z } from 'zod';
import { record } from '../audit/record.js';
import type { Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps } from '../ports.js';
import { parseInput } from '../validate.js';
import { checkCustodyPeople, loadSeal } from './seal-access.js';
import type { Seal } from './seal.js';

export const updateSealInput = z.strictObject({
  name: z.string().trim().min(1).max(100).optional(),
  issuingAuthority: z.string().trim().min(1).max(100).optional(),
  /** Only before activation: once in use, custody changes only by a handover slip. */
  keeperUserId: z.string().min(1).max(40).optional(),
  approverUserIds: z.array(z.string().min(1).max(40)).max(10).optional(),
  /** Content key of an impression image already put in the blob store. */
  impressionBlob: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

export async function updateSeal(
  deps: Deps,
  { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof updateSealInput> },
): Promise<Seal> {
  const input = parseInput(updateSealInput, raw);
  if (Object.keys(input).length === 0) throw new AppError('VALIDATION', 'nothing to change');
  return deps.uow.write(async (tx) => {
    const seal = await loadSeal(tx, actor, id, 'seal.manage');
    if (seal.status === 'retired' || seal.status === 'void') {
      throw new AppError('ILLEGAL_TRANSITION', `a ${seal.status} seal's record is closed`, { field: 'status' });
    }
    if (input.keeperUserId && input.keeperUserId !== seal.keeperUserId && !['issued', 'filed'].includes(seal.status)) {
      throw new AppError('RULE_VIOLATION', 'the keeper of a seal in use changes only by a handover slip', { field: 'keeperUserId' });
    }
    const keeper = input.keeperUserId ?? seal.keeperUserId;
    const approvers = input.approverUserIds ?? seal.approverUserIds;
    await checkCustodyPeople(deps, tx, seal, keeper, approvers);
    const patch: Partial<Seal> = { ...input, updatedAt: deps.clock.now().toISOString() };
    const updated = await tx.seals.update(id, seal.version, patch);
    const before = Object.fromEntries(Object.keys(input).map((k) => [k, seal[k as keyof Seal]]));
    await record(tx, deps, actor, { action: 'SEAL_UPDATED', targetType: 'seal', targetId: id, orgCode: seal.orgCode, before, after: input });
    return updated;
  });
}
