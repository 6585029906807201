import { describe, expect, it } from 'vitest';
import { endOfLocalDay, localDate, localMinutes, zoneOffsetMs } from './day-window.js';

describe('day boundaries in the town\'s time zone', () => {
  it('ends a Shanghai day at 16:00 UTC', () => {
    expect(endOfLocalDay(new Date('2026-11-27T03:00:00Z'), 'Asia/Shanghai').toISOString()).toBe('2026-11-27T16:00:00.000Z');
    // 23:30 local on the 27th is still the 27th; 00:30 local on the 28th belongs to the 28th.
    expect(endOfLocalDay(new Date('2026-11-27T15:30:00Z'), 'Asia/Shanghai').toISOString()).toBe('2026-11-27T16:00:00.000Z');
    expect(endOfLocalDay(new Date('2026-11-27T16:30:00Z'), 'Asia/Shanghai').toISOString()).toBe('2026-11-28T16:00:00.000Z');
  });

  it('honours daylight saving where a zone has it', () => {
    // Europe/Berlin leaves summer time on 2026-10-25: that local day is 25 hours long.
    expect(endOfLocalDay(new Date('2026-10-25T06:00:00Z'), 'Europe/Berlin').toISOString()).toBe('2026-10-25T23:00:00.000Z');
    expect(endOfLocalDay(new Date('2026-07-01T06:00:00Z'), 'Europe/Berlin').toISOString()).toBe('2026-07-01T22:00:00.000Z');
  });

  it('gives the local date, minutes and offset', () => {
    const at = new Date('2026-11-27T16:05:00Z');
    expect(localDate(at, 'Asia/Shanghai')).toBe('2026-11-28');
    expect(localDate(at, 'UTC')).toBe('2026-11-27');
    expect(localMinutes(at, 'Asia/Shanghai')).toBe(5);
    expect(zoneOffsetMs(at, 'Asia/Shanghai')).toBe(8 * 3_600_000);
  });
});
