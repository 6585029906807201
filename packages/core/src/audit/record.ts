import type { Actor } from '../auth/actor.js';
import type { Deps, Tx } from '../ports.js';
import type { AuditEntry, AuditInput } from './audit-events.js';

/** Appends one audit entry for `actor` inside the caller's transaction. */
export function record(
  tx: Tx,
  deps: Pick<Deps, 'clock'>,
  actor: Actor,
  e: Omit<AuditInput, 'actorId' | 'ip'>,
): Promise<AuditEntry> {
  return tx.audit.append({ ...e, actorId: actor.userId, ip: actor.ip, at: deps.clock.now().toISOString() });
}
