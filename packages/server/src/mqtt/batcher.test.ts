import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  it('batches what arrives together, in order, and resolves each push once its batch is stored', async () => {
    const seen: number[][] = [];
    const b = new Batcher<number>(3, async (items) => { seen.push(items); }, async () => []);
    await Promise.all([1, 2, 3, 4, 5].map((n) => b.push(n)));
    expect(seen).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('rejects the pushes of the items still failing after the retry, so their messages are not acknowledged', async () => {
    const b = new Batcher<number>(10, async () => { throw new Error('database down'); }, async (_e, items) => items.filter((n) => n % 2 === 0));
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => b.push(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
  });

  it('treats a retry that itself throws as every item failed', async () => {
    const b = new Batcher<number>(10, async () => { throw new Error('down'); }, async () => { throw new Error('still down'); });
    const results = await Promise.allSettled([1, 2].map((n) => b.push(n)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });
});
