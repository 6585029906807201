import type { BlobStore } from '@cunzhang/core';
import { describe, expect, it } from 'vitest';
import { blobKeyOf } from './blob-store.js';

/**
 * The contract every BlobStore must pass (filesystem now, S3 later): call it from a test
 * file with a factory that returns a fresh, empty store.
 */
export function blobStoreContract(name: string, make: () => Promise<BlobStore>): void {
  describe(`BlobStore contract: ${name}`, () => {
    it('stores bytes under the SM3 of their content and reads them back', async () => {
      const store = await make();
      const bytes = Buffer.from('鹤山镇 村章 ✓');
      const r = await store.put(bytes, { contentType: 'text/plain' });
      expect(r).toEqual({ key: blobKeyOf(bytes), size: bytes.byteLength, created: true });
      expect(await store.get(r.key)).toEqual(bytes);
      expect(await store.has(r.key)).toBe(true);
      expect(await store.contentType(r.key)).toBe('text/plain');
    });

    it('is idempotent: the same bytes twice give one blob', async () => {
      const store = await make();
      const bytes = Buffer.from([1, 2, 3]);
      const a = await store.put(bytes);
      const b = await store.put(bytes);
      expect(b.key).toBe(a.key);
      expect(b.created).toBe(false);
      const keys: string[] = [];
      for await (const k of store.keys()) keys.push(k);
      expect(keys).toEqual([a.key]);
    });

    it('answers null for a missing blob', async () => {
      const store = await make();
      const missing = blobKeyOf(Buffer.from('never stored'));
      expect(await store.get(missing)).toBeNull();
      expect(await store.has(missing)).toBe(false);
      expect(await store.contentType(missing)).toBeNull();
    });

    it('refuses keys that are not content hashes (no path tricks)', async () => {
      const store = await make();
      for (const bad of ['../../etc/passwd', 'ABC', '', 'g'.repeat(64), `${'a'.repeat(64)}/x`]) {
        await expect(store.get(bad)).rejects.toThrow(/invalid blob key/);
      }
    });

    it('keeps binary content exact, including empty and large blobs', async () => {
      const store = await make();
      const big = Buffer.alloc(3 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
      for (const bytes of [Buffer.alloc(0), big]) {
        const { key } = await store.put(bytes);
        expect((await store.get(key))?.equals(bytes)).toBe(true);
      }
    });

    it('survives concurrent puts of the same content', async () => {
      const store = await make();
      const bytes = Buffer.from('concurrent');
      const results = await Promise.all(Array.from({ length: 8 }, () => store.put(bytes)));
      expect(new Set(results.map((r) => r.key)).size).toBe(1);
      expect((await store.get(results[0]!.key))?.toString()).toBe('concurrent');
    });

    it('deletes a blob so it is gone from get, has and keys; deleting a missing one is no error', async () => {
      const store = await make();
      const keep = await store.put(Buffer.from('kept'));
      const gone = await store.put(Buffer.from('undone'), { contentType: 'image/jpeg' });
      await store.delete(gone.key);
      await store.delete(gone.key);
      expect(await store.get(gone.key)).toBeNull();
      expect(await store.has(gone.key)).toBe(false);
      expect(await store.contentType(gone.key)).toBeNull();
      const keys: string[] = [];
      for await (const k of store.keys()) keys.push(k);
      expect(keys).toEqual([keep.key]);
      expect((await store.put(Buffer.from('undone'))).created).toBe(true);
    });
  });
}
