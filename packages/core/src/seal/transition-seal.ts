import { z } from 'zod';
import { record } from '../audit/record.js';
import type { Actor } from '../auth/actor.js';
import type { AuditAction } from '../audit/audit-events.js';
import { AppError } from '../errors.js';
import type { Deps } from '../ports.js';
import { parseInput } from '../validate.js';
import { loadSeal } from './seal-access.js';
import { isUsable, nextStatus, type Seal } from './seal.js';
import { revokeOpenAuthorizations } from '../application/manage-application.js';

const reason = z.string().trim().min(2, 'give the reason').max(500);

/** One schema per lifecycle step; `hand_over` has its own use-case with the slip. */
export const transitionInputs = {
  file: z.strictObject({ filingNumber: z.string().trim().min(1).max(60) }),
  activate: z.strictObject({}),
  suspend: z.strictObject({ reason }),
  declare_lost: z.strictObject({ reason, noticeRef: z.string().trim().max(200).optional() }),
  retire: z.strictObject({
    method: z.enum(['sealed', 'destroyed']),
    witnesses: z.array(z.string().trim().min(1).max(50)).min(2, 'retiring a seal needs at least two people').max(5)
      .refine((w) => new Set(w).size === w.length, 'the witnesses must be different people'),
    reason,
  }),
} as const;
export type TransitionAction = keyof typeof transitionInputs;

const EVENTS: Record<TransitionAction, AuditAction> = {
  file: 'SEAL_FILED', activate: 'SEAL_ACTIVATED', suspend: 'SEAL_SUSPENDED', declare_lost: 'SEAL_DECLARED_LOST', retire: 'SEAL_RETIRED',
};

export async function transitionSeal<A extends TransitionAction>(
  deps: Deps,
  { actor, id, action, input: raw }: { actor: Actor; id: string; action: A; input: z.infer<(typeof transitionInputs)[A]> },
): Promise<Seal> {
  const schema: (typeof transitionInputs)[TransitionAction] = transitionInputs[action];
  const input = parseInput(schema, raw);
  return deps.uow.write(async (tx) => {
    const seal = await loadSeal(tx, actor, id, 'seal.manage');
    const status = nextStatus(seal.status, action);
    const now = deps.clock.now().toISOString();
    const patch: Partial<Seal> = { status, updatedAt: now };
    if (action === 'file') patch.filingNumber = (input as { filingNumber: string }).filingNumber;
    if (action === 'activate') {
      if (!seal.keeperUserId) throw new AppError('RULE_VIOLATION', 'a seal cannot be put into use before a keeper is named', { field: 'keeperUserId' });
      patch.activatedAt = seal.activatedAt ?? now;
    }
    const updated = await tx.seals.update(id, seal.version, patch);
    await record(tx, deps, actor, {
      action: EVENTS[action], targetType: 'seal', targetId: id, orgCode: seal.orgCode,
      before: { status: seal.status }, after: { status, ...input },
    });
    // A seal out of use authorises nothing more: open approvals of it end with it.
    if (!isUsable(status)) await revokeOpenAuthorizations(tx, deps, actor, seal, `the seal was ${status} (${action})`);
    return updated;
  });
}
