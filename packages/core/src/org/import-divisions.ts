import { z } from 'zod';
import { record } from '../audit/record.js';
import { hasPermission, requirePermission, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps } from '../ports.js';
import { parseInput } from '../validate.js';
import { isWithin, levelOf, parentCode } from './org-code.js';
import type { OrgUnit } from './org.js';

export const divisionRowSchema = z.strictObject({
  code: z.string().regex(/^\d{12}$/, 'a village unit code has 12 digits'),
  name: z.string().trim().min(1).max(100),
  townCode: z.string().regex(/^\d{9}$/, 'a town code has 9 digits'),
  townName: z.string().trim().min(1).max(100).optional(),
  countyCode: z.string().regex(/^\d{6}$/, 'a county code has 6 digits'),
  countyName: z.string().trim().min(1).max(100).optional(),
});
export type DivisionRow = z.infer<typeof divisionRowSchema>;

export interface ImportResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

/**
 * Imports village units with their town and county. Idempotent: a second run of the same
 * rows changes nothing and appends nothing to the audit trail.
 */
export async function importDivisions(
  deps: Deps,
  { actor, rows, town }: { actor: Actor; rows: DivisionRow[]; town?: string },
): Promise<ImportResult> {
  const selected = (town ? rows.filter((r) => r.townCode === town) : rows).map((r) => parseInput(divisionRowSchema, r));
  if (town && selected.length === 0) {
    throw new AppError('VALIDATION', `no rows belong to town ${town}`, { field: 'town' });
  }
  for (const r of selected) {
    if (!r.code.startsWith(r.townCode) || !r.townCode.startsWith(r.countyCode)) {
      throw new AppError('VALIDATION', `unit ${r.code} is not inside town ${r.townCode} and county ${r.countyCode}`, { field: 'code' });
    }
    requirePermission(actor, 'org.import', r.code);
  }
  const units = new Map<string, OrgUnit>();
  const add = (code: string, name: string | undefined): void => {
    const level = levelOf(code);
    if (!level) return;
    const prev = units.get(code);
    units.set(code, { code, level, parentCode: parentCode(code), name: name ?? prev?.name ?? code });
  };
  for (const r of selected) {
    add(r.countyCode, r.countyName);
    add(r.townCode, r.townName);
    add(r.code, r.name);
  }
  const all = [...units.values()].sort((a, b) => a.code.length - b.code.length || a.code.localeCompare(b.code));
  // The town and county above the rows are written too: outside the actor's scope they may
  // only be confirmed as they stand, never created or renamed. Checked before any write.
  const above = all.filter((u) => !hasPermission(actor, 'org.import', u.code));
  if (above.length) {
    const current = await deps.uow.read((tx) => Promise.all(above.map((u) => tx.orgs.get(u.code))));
    above.forEach((u, i) => {
      const cur = current[i];
      if (!cur || (u.name !== u.code && u.name !== cur.name)) requirePermission(actor, 'org.import', u.code);
    });
  }
  const result: ImportResult = { inserted: 0, updated: 0, unchanged: 0 };
  // Chunked so a province-size file neither holds one giant transaction nor half-commits a unit.
  for (let i = 0; i < all.length; i += 2000) {
    const chunk = all.slice(i, i + 2000);
    await deps.uow.write(async (tx) => {
      for (const u of chunk) {
        const existing = await tx.orgs.get(u.code);
        // A county or town row known only by code must not overwrite a real name.
        if (existing && u.name === u.code) {
          result.unchanged++;
          continue;
        }
        const outcome = await tx.orgs.upsert(u);
        result[outcome]++;
        if (outcome !== 'unchanged') {
          await record(tx, deps, actor, {
            action: 'ORG_IMPORTED', targetType: 'org', targetId: u.code, orgCode: u.code,
            before: existing, after: u,
          });
        }
      }
    });
  }
  return result;
}

export async function listOrgChildren(deps: Deps, { actor, parent }: { actor: Actor; parent: string | null }): Promise<OrgUnit[]> {
  const children = await deps.uow.read((tx) => tx.orgs.children(parent));
  // An actor sees the units inside their grants, and the chain of units above them.
  return children.filter((c) => actor.grants.some((g) => isWithin(c.code, g.orgCode) || isWithin(g.orgCode, c.code)));
}

export async function getOrg(deps: Deps, { actor, code }: { actor: Actor; code: string }): Promise<OrgUnit> {
  const unit = await deps.uow.read((tx) => tx.orgs.get(code));
  const visible = unit && actor.grants.some((g) => isWithin(code, g.orgCode) || isWithin(g.orgCode, code));
  if (!unit || !visible) throw new AppError('NOT_FOUND', `org unit ${code} not found`, { field: 'code' });
  return unit;
}
