import { dueReminders, expireApplications, sweepDevices } from '@cunzhang/core';
import type { Announcer } from './mqtt/announcer.js';
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

/**
 * Runs the application sweep every minute and the device timers (offline, missed heartbeats,
 * sequence gaps: domain §6) every 15 s, once at start too; errors are logged, never fatal.
 */
export function startSweeper(
  ctx: Pick<AppContext, 'deps' | 'live' | 'metrics' | 'config'> & { announcer?: Announcer },
  log: (msg: string, err?: unknown) => void,
  everyMs = 60_000,
  deviceEveryMs = 15_000,
): () => void {
  const stops = [
    every(everyMs, async () => {
      const r = await sweepApplications(ctx);
      if (r.expired || r.reminded) log(`application sweep: ${r.expired} lapsed, ${r.reminded} reminded`);
    }, (e) => log('application sweep failed', e)),
    every(deviceEveryMs, async () => {
      const r = await sweepDevices(ctx.deps);
      if (r.alarms.length) log(`device sweep: ${r.alarms.length} alarm(s)`);
      await ctx.announcer?.alarms(r.alarms);
    }, (e) => log('device sweep failed', e)),
  ];
  return () => stops.forEach((s) => s());
}

/** Runs `fn` now and every `ms`, never two at once. */
function every(ms: number, fn: () => Promise<void>, onError: (e: unknown) => void): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await fn();
    } catch (e) {
      onError(e);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), ms);
  timer.unref();
  return () => clearInterval(timer);
}
