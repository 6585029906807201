import { createHash } from 'node:crypto';

/** SM3 (GB/T 32905) of the bytes, lower-case hex: the file fingerprint an approval binds. */
export function sm3Hex(bytes: Uint8Array): string {
  return createHash('sm3').update(bytes).digest('hex');
}
