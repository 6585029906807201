/**
 * Day boundaries in the town's time zone (CUNZHANG_TZ). An authorization granted "for today"
 * ends at the next local midnight, whatever zone the server's clock runs in.
 */

/** Wall-clock fields of an instant in `tz`. */
function wallClock(at: Date, tz: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(at);
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  return { y: get('year'), m: get('month'), d: get('day'), h: get('hour'), min: get('minute'), s: get('second') };
}

/** Offset of `tz` from UTC at `at`, in milliseconds (east positive). */
export function zoneOffsetMs(at: Date, tz: string): number {
  const w = wallClock(at, tz);
  const asUtc = Date.UTC(w.y, w.m - 1, w.d, w.h, w.min, w.s);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** The instant of local midnight that starts the day after `at`'s local day. */
export function endOfLocalDay(at: Date, tz: string): Date {
  const w = wallClock(at, tz);
  const guess = Date.UTC(w.y, w.m - 1, w.d + 1, 0, 0, 0);
  // Local midnight = UTC midnight minus the offset in force at that moment; refine once so a
  // daylight-saving change during the day is honoured.
  let t = guess - zoneOffsetMs(new Date(guess), tz);
  t = guess - zoneOffsetMs(new Date(t), tz);
  return new Date(t);
}

/** The local calendar date (YYYY-MM-DD) of an instant. */
export function localDate(at: Date, tz: string): string {
  const w = wallClock(at, tz);
  return `${w.y}-${String(w.m).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

/** Local hour and minute as minutes after midnight, for allowed-hours rules. */
export function localMinutes(at: Date, tz: string): number {
  const w = wallClock(at, tz);
  return w.h * 60 + w.min;
}
