import { record } from '../audit/record.js';
import { systemActor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import type { Deps } from '../ports.js';
import type { Application } from './records.js';

const BATCH = 200;

/**
 * Lapses pending applications nobody decided within the configured days (status expired,
 * audited as the system). Returns those it lapsed, for live updates.
 */
export async function expireApplications(deps: Deps, now: Date = deps.clock.now()): Promise<Application[]> {
  const cutoff = new Date(now.getTime() - deps.policy.applicationExpiryDays * 86_400_000).toISOString();
  const actor = systemActor('sweeper');
  const lapsed: Application[] = [];
  for (;;) {
    const batch = await deps.uow.read((tx) => tx.applications.pendingFiledBefore(cutoff, { limit: BATCH }));
    let progressed = 0;
    for (const app of batch) {
      try {
        lapsed.push(await deps.uow.write(async (tx) => {
          const current = await tx.applications.get(app.id);
          if (!current || current.status !== 'pending') throw new AppError('CONFLICT', 'decided meanwhile');
          const updated = await tx.applications.update(app.id, current.version, { status: 'expired', updatedAt: now.toISOString() });
          await record(tx, deps, actor, {
            action: 'APPLICATION_EXPIRED', targetType: 'application', targetId: app.id, orgCode: app.orgCode,
            before: { status: 'pending' }, after: { status: 'expired', filedAt: app.createdAt, days: deps.policy.applicationExpiryDays },
          });
          return updated;
        }));
        progressed++;
      } catch (e) {
        // Decided or withdrawn while the sweep ran: nothing to lapse.
        if (!(e instanceof AppError) || e.code !== 'CONFLICT') throw e;
      }
    }
    if (batch.length < BATCH || progressed === 0) return lapsed;
  }
}

/**
 * Pending applications that have waited `minutes` since filing and since their last reminder;
 * marks them reminded now and returns them so the deciders can be told.
 */
export async function dueReminders(deps: Deps, minutes: number, now: Date = deps.clock.now()): Promise<Application[]> {
  const before = new Date(now.getTime() - minutes * 60_000).toISOString();
  return deps.uow.write(async (tx) => {
    const due = await tx.applications.pendingFiledBefore(before, { remindedBefore: before, limit: BATCH });
    for (const a of due) await tx.applications.markReminded(a.id, now.toISOString());
    return due;
  });
}
