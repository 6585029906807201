import { z } from 'zod';
import { withActorNames, type AuditView } from '../audit/list-audit.js';
import { requirePermission, scopesFor, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps, Page } from '../ports.js';
import { parseInput } from '../validate.js';
import { loadSeal } from './seal-access.js';
import { allowedActions, SEAL_STATUSES, type HandoverSlip, type Seal, type SealAction, type SealType } from './seal.js';

export const listSealsQuery = z.strictObject({
  orgCode: z.string().regex(/^\d{2,12}$/).optional(),
  status: z.enum(SEAL_STATUSES).optional(),
  typeCode: z.string().max(40).optional(),
  q: z.string().max(50).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(100).optional(),
});

export async function listSeals(deps: Deps, { actor, query }: { actor: Actor; query: z.infer<typeof listSealsQuery> }): Promise<Page<Seal>> {
  const scopes = scopesFor(actor, 'seal.read');
  if (scopes.length === 0) throw new AppError('FORBIDDEN', 'permission seal.read is not granted on any unit');
  if (query.orgCode) requirePermission(actor, 'seal.read', query.orgCode);
  return deps.uow.read((tx) => tx.seals.list({ ...query, scopes }));
}

export interface SealDetail {
  seal: Seal;
  orgName: string;
  type: SealType | null;
  keeperName: string | null;
  approverNames: string[];
  handovers: HandoverSlip[];
  history: AuditView[];
  /** Lifecycle steps the state allows now (the screen offers only these). */
  actions: SealAction[];
}

export async function getSeal(deps: Deps, { actor, id }: { actor: Actor; id: string }): Promise<SealDetail> {
  return deps.uow.read(async (tx) => {
    const seal = await loadSeal(tx, actor, id, 'seal.read');
    const nameOf = async (uid: string | null): Promise<string | null> => (uid ? ((await tx.users.get(uid))?.name ?? null) : null);
    return {
      seal,
      orgName: (await tx.orgs.get(seal.orgCode))?.name ?? seal.orgCode,
      type: await tx.sealTypes.get(seal.typeCode),
      keeperName: await nameOf(seal.keeperUserId),
      approverNames: (await Promise.all(seal.approverUserIds.map(nameOf))).filter((n): n is string => n !== null),
      handovers: await tx.seals.handovers(id),
      history: await withActorNames(tx, await tx.audit.list({ scopes: [''], targetType: 'seal', targetId: id, limit: 200 })),
      actions: allowedActions(seal.status),
    };
  });
}

export const createSealTypeInput = z.strictObject({
  code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'lower-case letters, digits and _'),
  nameZh: z.string().trim().min(1).max(50),
  nameEn: z.string().trim().min(1).max(80),
  custody: z.enum(['village', 'station']),
});

export async function listSealTypes(deps: Deps): Promise<SealType[]> {
  return deps.uow.read((tx) => tx.sealTypes.list());
}

export async function createSealType(deps: Deps, { actor, input: raw }: { actor: Actor; input: z.infer<typeof createSealTypeInput> }): Promise<SealType> {
  const input = parseInput(createSealTypeInput, raw);
  // Seal types are shared by every unit of the installation: any system administrator may add one.
  if (scopesFor(actor, 'sealtype.manage').length === 0) throw new AppError('FORBIDDEN', 'permission sealtype.manage is not granted on any unit');
  return deps.uow.write(async (tx) => {
    if (await tx.sealTypes.get(input.code)) throw new AppError('CONFLICT', `seal type ${input.code} exists already`, { field: 'code' });
    const type: SealType = { ...input, builtin: false };
    await tx.sealTypes.insert(type);
    await tx.audit.append({
      actorId: actor.userId, ip: actor.ip, at: deps.clock.now().toISOString(), action: 'SEAL_TYPE_CREATED',
      targetType: 'seal_type', targetId: input.code, orgCode: '', before: null, after: type,
    });
    return type;
  });
}
