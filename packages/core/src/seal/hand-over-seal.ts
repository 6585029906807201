import { z } from 'zod';
import { record } from '../audit/record.js';
import type { Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps } from '../ports.js';
import { parseInput } from '../validate.js';
import { checkCustodyPeople, loadSeal } from './seal-access.js';
import { nextStatus, type HandoverSlip, type Seal } from './seal.js';

export const handOverInput = z.strictObject({
  receiverUserId: z.string().min(1).max(40),
  witnessName: z.string().trim().min(1, 'a handover needs a witness (监交人)').max(50),
  handedAt: z.iso.datetime({ offset: true }).optional(),
  note: z.string().trim().max(500).default(''),
});

/** 移交: custody passes to a new keeper with a slip naming giver, receiver and witness. */
export async function handOverSeal(
  deps: Deps,
  { actor, id, input: raw }: { actor: Actor; id: string; input: z.infer<typeof handOverInput> },
): Promise<{ seal: Seal; slip: HandoverSlip }> {
  const input = parseInput(handOverInput, raw);
  return deps.uow.write(async (tx) => {
    const seal = await loadSeal(tx, actor, id, 'seal.manage');
    const status = nextStatus(seal.status, 'hand_over');
    if (input.receiverUserId === seal.keeperUserId) {
      throw new AppError('VALIDATION', 'the receiver already keeps this seal', { field: 'receiverUserId' });
    }
    const now = deps.clock.now();
    const handedAt = input.handedAt ? new Date(input.handedAt) : now;
    if (handedAt.getTime() > now.getTime() + 60_000) throw new AppError('VALIDATION', 'the handover time lies in the future', { field: 'handedAt' });
    await checkCustodyPeople(deps, tx, seal, input.receiverUserId, seal.approverUserIds);
    const giver = seal.keeperUserId ? await tx.users.get(seal.keeperUserId) : null;
    const receiver = await tx.users.get(input.receiverUserId);
    const slip: HandoverSlip = {
      id: deps.ids.next(), sealId: id, giverUserId: seal.keeperUserId, giverName: giver?.name ?? '—',
      receiverUserId: input.receiverUserId, receiverName: receiver?.name ?? '', witnessName: input.witnessName,
      handedAt: handedAt.toISOString(), note: input.note, impressionBlob: seal.impressionBlob,
    };
    await tx.seals.insertHandover(slip);
    const updated = await tx.seals.update(id, seal.version, { status, keeperUserId: input.receiverUserId, updatedAt: now.toISOString() });
    await record(tx, deps, actor, {
      action: 'SEAL_HANDED_OVER', targetType: 'seal', targetId: id, orgCode: seal.orgCode,
      before: { status: seal.status, keeperUserId: seal.keeperUserId }, after: { status, keeperUserId: input.receiverUserId, slip },
    });
    return { seal: updated, slip };
  });
}
