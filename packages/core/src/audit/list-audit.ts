import { z } from 'zod';
import { scopesFor, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps } from '../ports.js';
import type { AuditEntry } from './audit-events.js';

export const listAuditQuery = z.strictObject({
  targetType: z.enum(['org', 'user', 'seal', 'seal_type', 'session']).optional(),
  targetId: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
});

/** The trail, newest first, limited to entries on units the actor may audit. */
export async function listAudit(deps: Deps, { actor, query }: { actor: Actor; query: z.infer<typeof listAuditQuery> }): Promise<AuditEntry[]> {
  const scopes = scopesFor(actor, 'audit.read');
  if (scopes.length === 0) throw new AppError('FORBIDDEN', 'permission audit.read is not granted on any unit');
  return deps.uow.read((tx) => tx.audit.list({ ...query, scopes }));
}
