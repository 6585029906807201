import { AppError } from '@cunzhang/core';
import { FsBlobStore } from '@cunzhang/store';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withStagedBlobs } from './uploads.js';

describe('staging blobs around a use case', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const store = async () => new FsBlobStore((dir = await mkdtemp(path.join(tmpdir(), 'cz-stage-'))));
  const photo = { bytes: Buffer.from('the stamped page'), contentType: 'image/jpeg' };

  it('removes the blobs it created when the use case refuses, and keeps those that were there', async () => {
    const blobs = await store();
    const earlier = await blobs.put(Buffer.from('stored before'));
    await expect(withStagedBlobs(blobs, [photo, { bytes: Buffer.from('stored before'), contentType: 'image/png' }], async () => {
      throw new AppError('RULE_VIOLATION', 'refused');
    })).rejects.toThrow('refused');
    const keys: string[] = [];
    for await (const k of blobs.keys()) keys.push(k);
    expect(keys).toEqual([earlier.key]);
  });

  it('lets two requests with the same photo take turns: the refused one never removes what the other recorded', async () => {
    const blobs = await store();
    let letFirstFail!: () => void;
    const firstMayFail = new Promise<void>((r) => (letFirstFail = r));
    const recorded: string[] = [];
    // The first request stores the photo, then is refused late (e.g. over the count); the second
    // (a double tap) arrives meanwhile and is recorded.
    const first = withStagedBlobs(blobs, [photo], async () => {
      await firstMayFail;
      throw new AppError('RULE_VIOLATION', 'over the count');
    });
    const second = withStagedBlobs(blobs, [photo], async ([key]) => {
      recorded.push(key!);
      return key!;
    });
    await new Promise((r) => setTimeout(r, 20));
    letFirstFail();
    await expect(first).rejects.toThrow('over the count');
    const key = await second;
    expect(recorded).toEqual([key]);
    expect(await blobs.has(key)).toBe(true);
  });
});
