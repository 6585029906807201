/**
 * Timers of the emulator. One device uses plain Node timers; a fleet of thousands shares one
 * timer wheel, so 10,000 heartbeats cost one interval instead of 10,000 timer handles.
 */
export interface Scheduler {
  /** Runs `fn` every `periodMs` (first run after `firstDelayMs`, default one period). Returns a cancel function. */
  every(periodMs: number, fn: () => void, firstDelayMs?: number): () => void;
  /** Runs `fn` once after `delayMs`. Returns a cancel function. */
  after(delayMs: number, fn: () => void): () => void;
}

/** Node timers, unref'd: the MQTT socket, not a heartbeat timer, keeps a device process alive. */
export const nodeScheduler: Scheduler = {
  every(periodMs, fn, firstDelayMs = periodMs) {
    let interval: NodeJS.Timeout | undefined;
    const first = setTimeout(() => {
      interval = setInterval(fn, periodMs);
      interval.unref();
      fn();
    }, firstDelayMs);
    first.unref();
    return () => {
      clearTimeout(first);
      if (interval) clearInterval(interval);
    };
  },
  after(delayMs, fn) {
    // setTimeout overflows above 2^31-1 ms (about 24.8 days) and fires at once; cap and re-arm.
    const MAX = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const arm = (left: number) => {
      handle = setTimeout(() => (left > MAX ? arm(left - MAX) : fn()), Math.min(Math.max(0, left), MAX));
      handle.unref();
    };
    arm(delayMs);
    return () => clearTimeout(handle);
  },
};

interface Task {
  fn: () => void;
  periodMs: number;
  cancelled: boolean;
}

/**
 * Hashed timer wheel: tasks sit in slots of `tickMs`; one interval walks the slots that came
 * due. Precision is one tick, plenty for heartbeats of seconds.
 */
export class TimerWheel implements Scheduler {
  private readonly slots = new Map<number, Task[]>();
  private lastSlot: number;
  private readonly interval: NodeJS.Timeout;

  constructor(private readonly tickMs = 100) {
    this.lastSlot = Math.floor(Date.now() / tickMs);
    this.interval = setInterval(() => this.run(), tickMs);
    this.interval.unref();
  }

  every(periodMs: number, fn: () => void, firstDelayMs = periodMs): () => void {
    const task: Task = { fn, periodMs: Math.max(periodMs, this.tickMs), cancelled: false };
    this.place(task, firstDelayMs);
    return () => {
      task.cancelled = true;
    };
  }

  after(delayMs: number, fn: () => void): () => void {
    const task: Task = { fn, periodMs: 0, cancelled: false };
    this.place(task, delayMs);
    return () => {
      task.cancelled = true;
    };
  }

  /** Tasks waiting in the wheel (cancelled ones leave at their slot). */
  get size(): number {
    let n = 0;
    for (const list of this.slots.values()) n += list.length;
    return n;
  }

  stop(): void {
    clearInterval(this.interval);
    this.slots.clear();
  }

  private place(task: Task, delayMs: number): void {
    // Never into the slot being walked now: a zero delay runs on the next tick.
    const slot = Math.max(Math.floor((Date.now() + Math.max(0, delayMs)) / this.tickMs), this.lastSlot + 1);
    const list = this.slots.get(slot);
    if (list) list.push(task);
    else this.slots.set(slot, [task]);
  }

  private run(): void {
    const now = Math.floor(Date.now() / this.tickMs);
    for (let slot = this.lastSlot + 1; slot <= now; slot++) {
      this.lastSlot = slot;
      const list = this.slots.get(slot);
      if (!list) continue;
      this.slots.delete(slot);
      for (const task of list) {
        if (task.cancelled) continue;
        try {
          task.fn();
        } catch {
          // A failing task must not stop the other devices' timers; the task reports its own errors.
        }
        if (task.periodMs > 0 && !task.cancelled) this.place(task, task.periodMs);
      }
    }
  }
}
