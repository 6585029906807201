/**
 * Collects items and hands them to `flush` in batches of at most `max`, one batch at a time
 * and in arrival order (a device's events stay in sequence). A batch starts as soon as the
 * previous one finished, so under light load each item goes alone and at once. `push`
 * resolves once the item's batch is committed: the broker acknowledges a device's message
 * only then, so a crash never loses a message the device was told was received.
 */
export class Batcher<T> {
  private queue: { item: T; done: () => void; fail: (e: unknown) => void }[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly max: number,
    private readonly flush: (items: T[]) => Promise<void>,
    /** A failed batch: retries as it sees fit and returns the items that still could not be stored. */
    private readonly onError: (e: unknown, items: T[]) => Promise<T[]>,
  ) {}

  /** Resolves once the item is stored; rejects when it could not be (the message must not be acknowledged). */
  push(item: T): Promise<void> {
    return new Promise<void>((done, fail) => {
      this.queue.push({ item, done, fail });
      if (!this.running) this.running = this.loop();
    });
  }

  get pending(): number {
    return this.queue.length;
  }

  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    // Let the messages that arrived in the same tick join the first batch.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.max);
        const items = batch.map((b) => b.item);
        let failed = new Set<T>();
        try {
          await this.flush(items);
        } catch (e) {
          failed = new Set(await this.onError(e, items).catch(() => items));
        }
        for (const b of batch) {
          if (failed.has(b.item)) b.fail(new Error('the message could not be stored'));
          else b.done();
        }
      }
    } finally {
      this.running = null;
    }
  }
}
