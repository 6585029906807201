import { describe, expect, it } from 'vitest';
import { nodeScheduler, TimerWheel } from './scheduler.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('TimerWheel', () => {
  it('runs periodic and one-shot tasks at tick precision, and cancels them', async () => {
    const wheel = new TimerWheel(10);
    const ticks: number[] = [];
    const started = Date.now();
    const cancel = wheel.every(50, () => ticks.push(Date.now() - started), 20);
    let once = 0;
    wheel.after(30, () => once++);
    const never = wheel.after(30, () => once++);
    never();
    await sleep(200);
    cancel();
    const count = ticks.length;
    await sleep(80);
    wheel.stop();
    expect(once).toBe(1);
    expect(count).toBeGreaterThanOrEqual(3);
    expect(count).toBeLessThanOrEqual(5);
    expect(ticks.length).toBe(count);
    // Never early (a busy machine may make a tick late, and the next one then follows closely):
    // the i-th run is not before its time, 20 + 50·i ms, less one tick of the wheel.
    for (let i = 0; i < ticks.length; i++) expect(ticks[i]!).toBeGreaterThanOrEqual(20 + 50 * i - 10);
  });

  it('a throwing task does not stop the others', async () => {
    const wheel = new TimerWheel(10);
    let ran = 0;
    wheel.after(20, () => {
      throw new Error('boom');
    });
    wheel.after(20, () => ran++);
    await sleep(60);
    wheel.stop();
    expect(ran).toBe(1);
  });

  it('node timers: every and after', async () => {
    let n = 0;
    let once = 0;
    const stop = nodeScheduler.every(20, () => n++, 5);
    nodeScheduler.after(10, () => once++);
    await sleep(70);
    stop();
    expect(n).toBeGreaterThanOrEqual(2);
    expect(once).toBe(1);
  });
});
