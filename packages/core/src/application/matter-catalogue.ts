import { z } from 'zod';
import { record } from '../audit/record.js';
import { requirePermission, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps, MatterRecord, Tx } from '../ports.js';
import { parseInput } from '../validate.js';
import { DEFAULT_MATTERS, ROUTES, type Route } from './matters.js';

const townCode = z.string().regex(/^\d{9}$/, 'a town is a 9-digit division code');

/**
 * A town's matter catalogue (事项目录) as applications see it: the defaults of domain W1,
 * each replaced by the town's own entry of the same code, plus the town's additions.
 */
export async function effectiveMatters(tx: Tx, town: string): Promise<MatterRecord[]> {
  const own = await tx.matters.forTown(town);
  const byCode = new Map(own.map((m) => [m.code, m]));
  const defaults = DEFAULT_MATTERS.map((m, i): MatterRecord => byCode.get(m.code) ?? { ...m, townCode: town, enabled: true, sortOrder: (i + 1) * 10, updatedAt: '' });
  const added = own.filter((m) => !DEFAULT_MATTERS.some((d) => d.code === m.code));
  return [...defaults, ...added].sort((a, b) => a.sortOrder - b.sortOrder || a.code.localeCompare(b.code));
}

export const listMattersQuery = z.strictObject({ town: townCode });

/** The catalogue of a town, for anyone who may read or apply in it. */
export async function listMatters(deps: Deps, { actor, query }: { actor: Actor; query: z.infer<typeof listMattersQuery> }): Promise<MatterRecord[]> {
  const { town } = parseInput(listMattersQuery, query);
  if (!actor.grants.some((g) => g.orgCode.startsWith(town) || town.startsWith(g.orgCode))) throw new AppError('FORBIDDEN', `you hold no role in or above town ${town}`);
  return deps.uow.read((tx) => effectiveMatters(tx, town));
}

export const setMatterInput = z.strictObject({
  town: townCode,
  code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'a matter code is 2–40 lower-case letters, digits or _'),
  nameZh: z.string().trim().min(2).max(40),
  nameEn: z.string().trim().min(2).max(80),
  route: z.enum(Object.keys(ROUTES) as [Route, ...Route[]]),
  enabled: z.boolean(),
  sortOrder: z.number().int().min(0).max(100_000),
});

/** Adds a matter to a town's catalogue or changes one (its route, name, order, or takes it out of use). */
export async function setMatter(deps: Deps, { actor, input: raw }: { actor: Actor; input: z.infer<typeof setMatterInput> }): Promise<MatterRecord> {
  const input = parseInput(setMatterInput, raw);
  requirePermission(actor, 'matter.manage', input.town);
  return deps.uow.write(async (tx) => {
    const before = (await effectiveMatters(tx, input.town)).find((m) => m.code === input.code) ?? null;
    const m: MatterRecord = {
      townCode: input.town, code: input.code, nameZh: input.nameZh, nameEn: input.nameEn, route: input.route, enabled: input.enabled,
      sortOrder: input.sortOrder, updatedAt: deps.clock.now().toISOString(),
    };
    await tx.matters.upsert(m);
    await record(tx, deps, actor, {
      action: 'MATTER_CHANGED', targetType: 'matter', targetId: `${input.town}:${input.code}`, orgCode: input.town,
      before: before && { nameZh: before.nameZh, route: before.route, enabled: before.enabled, sortOrder: before.sortOrder },
      after: { nameZh: m.nameZh, route: m.route, enabled: m.enabled, sortOrder: m.sortOrder },
    });
    return m;
  });
}
