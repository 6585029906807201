import type { AllowedHours } from '../device/records.js';

/**
 * Allowed hours in local time (CUNZHANG_TZ). A formatter per zone is kept, because building an
 * Intl.DateTimeFormat costs far more than using one and impressions arrive in batches.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    formatters.set(tz, f);
  }
  return f;
}

/** Minutes after local midnight of an instant in `tz`. */
export function localMinutesOf(at: Date, tz: string): number {
  let h = 0;
  let m = 0;
  for (const p of formatter(tz).formatToParts(at)) {
    if (p.type === 'hour') h = Number(p.value);
    else if (p.type === 'minute') m = Number(p.value);
  }
  return h * 60 + m;
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
export const formatMinutes = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/**
 * Is a local time of day (minutes after midnight) outside the allowed hours, widened by
 * `graceMin` at both ends? `from > to` spans midnight (e.g. 22:00–06:00 for a night shift);
 * `from == to` allows the whole day.
 */
export function outsideHours(localMin: number, hours: AllowedHours, graceMin = 0): boolean {
  const from = minutesOf(hours.from);
  const to = minutesOf(hours.to);
  if (from === to) return false;
  const span = (to - from + 1440) % 1440;
  if (span + 2 * graceMin >= 1440) return false;
  const start = (from - graceMin + 1440) % 1440;
  const offset = (localMin - start + 1440) % 1440;
  return offset >= span + 2 * graceMin;
}
