import { dueReminders, expireApplications } from '@cunzhang/core';
import type { AppContext } from './http/context.js';
import { announce } from './http/routes/applications.js';

/**
 * One pass of the application sweep: lapses pending applications past the expiry days and
 * reminds the deciders of those that waited longer than the reminder time.
 */
export async function sweepApplications(ctx: Pick<AppContext, 'deps' | 'live' | 'metrics' | 'config'>, now: Date = ctx.deps.clock.now()): Promise<{ expired: number; reminded: number }> {
  const lapsed = await expireApplications(ctx.deps, now);
  for (const a of lapsed) await announce(ctx, 'expired', a);
  const due = await dueReminders(ctx.deps, ctx.config.reminderMinutes, now);
  // A reminder is for those who decide, not for the applicant who waits.
  for (const a of due) await announce(ctx, 'reminder', a, { exceptUserIds: [a.applicantUserId, ...(a.clerkUserId ? [a.clerkUserId] : [])] });
  return { expired: lapsed.length, reminded: due.length };
}

/** Runs the sweep every minute (and once at start); errors are logged, never fatal. */
export function startSweeper(ctx: Pick<AppContext, 'deps' | 'live' | 'metrics' | 'config'>, log: (msg: string, err?: unknown) => void, everyMs = 60_000): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const r = await sweepApplications(ctx);
      if (r.expired || r.reminded) log(`application sweep: ${r.expired} lapsed, ${r.reminded} reminded`);
    } catch (e) {
      log('application sweep failed', e);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
