import { z } from 'zod';
import { scopesFor, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps, Tx } from '../ports.js';
import type { AuditEntry } from './audit-events.js';

/** An entry as screens show it: with the acting person's name (null for the system). */
export type AuditView = AuditEntry & { actorName: string | null };

/** Adds actor names, reading each person once. */
export async function withActorNames(tx: Tx, entries: AuditEntry[]): Promise<AuditView[]> {
  const names = new Map<string, string | null>();
  for (const id of new Set(entries.map((e) => e.actorId))) names.set(id, (await tx.users.get(id))?.name ?? null);
  return entries.map((e) => ({ ...e, actorName: names.get(e.actorId) ?? null }));
}

export const listAuditQuery = z.strictObject({
  targetType: z.enum(['org', 'user', 'seal', 'seal_type', 'session', 'application', 'delegation', 'certificate', 'matter', 'certificate_template', 'ledger', 'device', 'alarm', 'device_request']).optional(),
  targetId: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
});

/** The trail, newest first, limited to entries on units the actor may audit. */
export async function listAudit(deps: Deps, { actor, query }: { actor: Actor; query: z.infer<typeof listAuditQuery> }): Promise<AuditView[]> {
  const scopes = scopesFor(actor, 'audit.read');
  if (scopes.length === 0) throw new AppError('FORBIDDEN', 'permission audit.read is not granted on any unit');
  return deps.uow.read(async (tx) => withActorNames(tx, await tx.audit.list({ ...query, scopes })));
}
