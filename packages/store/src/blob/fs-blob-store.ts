import type { BlobStore } from '@cunzhang/core';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertBlobKey, blobKeyOf } from './blob-store.js';

/**
 * Blobs on local disk at `<root>/ab/cd/<key>`, with the content type beside each in
 * `<key>.type`. Writes go to a temporary file and are renamed into place, so a crash never
 * leaves a half-written blob under its key.
 */
export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    assertBlobKey(key);
    return path.join(this.root, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(bytes: Uint8Array, meta: { contentType?: string } = {}) {
    const key = blobKeyOf(bytes);
    const file = this.pathOf(key);
    if (await this.has(key)) return { key, size: bytes.byteLength, created: false };
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(`${file}.type`, meta.contentType ?? 'application/octet-stream');
    await writeFile(tmp, bytes, { flush: true });
    await rename(tmp, file);
    return { key, size: bytes.byteLength, created: true };
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.pathOf(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
  }

  async contentType(key: string): Promise<string | null> {
    if (!(await this.has(key))) return null;
    try {
      return (await readFile(`${this.pathOf(key)}.type`, 'utf8')).trim() || 'application/octet-stream';
    } catch {
      return 'application/octet-stream';
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    await rm(`${file}.type`, { force: true });
  }

  async *keys(): AsyncIterable<string> {
    const level = async (dir: string): Promise<string[]> => {
      try {
        return await readdir(dir);
      } catch {
        return [];
      }
    };
    for (const a of await level(this.root)) {
      for (const b of await level(path.join(this.root, a))) {
        for (const f of await level(path.join(this.root, a, b))) if (/^[0-9a-f]{64}$/.test(f)) yield f;
      }
    }
  }
}
