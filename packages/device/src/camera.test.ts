import { hammingDistance, perceptualHash, sm3Hex } from '@cunzhang/media';
import type { AuthToken } from '@cunzhang/protocol';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { Camera, DIFFERENT_MIN_DISTANCE, differentPage, pagesDirSource, photographPage, photographStamped, stockShot } from './camera.js';
import { PAGE_LAYOUTS, synthPage } from './page-synth.js';

describe('camera (design §12)', () => {
  it('before ≈ approved page, after (with the seal) within 10 bits, a different page over 20 bits away', async () => {
    for (const seed of [7, 1234, 99_999, 31_337]) {
      const approved = await synthPage(seed);
      const approvedHash = await perceptualHash(approved);
      const before = await photographPage(approved);
      const after = await photographStamped(approved);
      const other = await differentPage(approved, seed);
      expect(hammingDistance(before.ref.phash, approvedHash), `before, seed ${seed}`).toBeLessThanOrEqual(6);
      expect(hammingDistance(after.ref.phash, approvedHash), `after, seed ${seed}`).toBeLessThanOrEqual(10);
      expect(hammingDistance(await perceptualHash(other), approvedHash), `different, seed ${seed}`).toBeGreaterThanOrEqual(DIFFERENT_MIN_DISTANCE);
      // The refs are what the platform will compute from the bytes.
      expect(after.ref).toEqual({ sm3: sm3Hex(after.bytes), phash: await perceptualHash(after.bytes), bytes: after.bytes.length });
      expect(after.ref.sm3).not.toBe(before.ref.sm3);
      expect((await sharp(after.bytes).metadata()).format).toBe('jpeg');
    }
  });

  it('the seal is red and in the bottom-right corner of the after photo', async () => {
    const page = await synthPage(5, 'form');
    const after = await photographStamped(page);
    const { data, info } = await sharp(after.bytes).raw().toBuffer({ resolveWithObject: true });
    const redIn = (x0: number, y0: number, x1: number, y1: number) => {
      let red = 0;
      for (let y = Math.floor(y0 * info.height); y < y1 * info.height; y += 2) {
        for (let x = Math.floor(x0 * info.width); x < x1 * info.width; x += 2) {
          const i = (y * info.width + x) * info.channels;
          if (data[i]! > 150 && data[i + 1]! < 110 && data[i + 2]! < 110) red++;
        }
      }
      return red;
    };
    expect(redIn(0.5, 0.6, 1, 1)).toBeGreaterThan(200);
    expect(redIn(0, 0, 0.5, 0.5)).toBe(0);
  });

  it('synthesized pages are deterministic per seed and differ between layouts', async () => {
    expect(sm3Hex(await synthPage(42))).toBe(sm3Hex(await synthPage(42)));
    const hashes = await Promise.all(PAGE_LAYOUTS.map(async (l) => perceptualHash(await synthPage(3, l))));
    expect(hammingDistance(hashes[0]!, hashes[1]!)).toBeGreaterThan(10);
    expect(hammingDistance(hashes[1]!, hashes[2]!)).toBeGreaterThan(10);
  });

  it('photographs the approved page found by its SM3 in a pages folder or a blob-store tree', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cz-pages-'));
    try {
      const page1 = await sharp(await synthPage(11, 'letter')).jpeg().toBuffer();
      const page2 = await sharp(await synthPage(12, 'columns')).png().toBuffer();
      const [h1, h2] = [sm3Hex(page1), sm3Hex(page2)];
      await writeFile(path.join(dir, `${h1}.jpg`), page1);
      await mkdir(path.join(dir, h2.slice(0, 2), h2.slice(2, 4)), { recursive: true });
      await writeFile(path.join(dir, h2.slice(0, 2), h2.slice(2, 4), h2), page2);
      const token = { auth: 'a1', pages: [{ no: 1, sm3: h1, phash: await perceptualHash(page1) }, { no: 2, sm3: h2, phash: await perceptualHash(page2) }] } as unknown as AuthToken;
      const camera = new Camera(pagesDirSource(dir));
      const first = await camera.shoot(token, 1);
      const second = await camera.shoot(token, 2);
      expect(first.pageNo).toBe(1);
      expect(second.pageNo).toBe(2);
      expect(hammingDistance(first.after.ref.phash, token.pages[0]!.phash)).toBeLessThanOrEqual(10);
      expect(hammingDistance(second.after.ref.phash, token.pages[1]!.phash)).toBeLessThanOrEqual(10);
      expect(hammingDistance(second.after.ref.phash, token.pages[0]!.phash)).toBeGreaterThan(10);
      // A page the folder does not have is synthesized (same token, same picture).
      const missing = { ...token, pages: [{ no: 1, sm3: 'f'.repeat(64), phash: '0'.repeat(16) }] } as AuthToken;
      expect((await camera.shoot(missing, 1)).before.ref.sm3).toBe((await camera.shoot(missing, 1)).before.ref.sm3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('light mode shares one small stock pair', async () => {
    const [a, b] = await Promise.all([stockShot(), stockShot()]);
    expect(a).toBe(b);
    expect(a.before.ref.bytes).toBeLessThan(40_000);
  });
});
