import { createHash } from 'node:crypto';

export const BLOB_KEY_RE = /^[0-9a-f]{64}$/;
export const blobKeyOf = (bytes: Uint8Array): string => createHash('sm3').update(bytes).digest('hex');

export class InvalidBlobKeyError extends Error {
  constructor(key: string) {
    super(`invalid blob key ${JSON.stringify(key.slice(0, 80))}: expected 64 lower-case hex digits`);
  }
}

export function assertBlobKey(key: string): void {
  if (!BLOB_KEY_RE.test(key)) throw new InvalidBlobKeyError(key);
}
