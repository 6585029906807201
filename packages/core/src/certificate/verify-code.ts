import type { Ids } from '../ports.js';

/**
 * Verification codes (验证码) printed on certificates: 12 characters from 32 symbols that
 * cannot be mistaken for one another (no 0/O, no 1/I), grouped 4-4-4 (ABCD-EFGH-JKLM). 60
 * random bits: unguessable behind a rate-limited check page, short enough to type.
 */
export const VERIFY_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const LENGTH = 12;
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Groups 12 symbols as ABCD-EFGH-JKLM. */
const group = (s: string): string => `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}`;

/**
 * A fresh code from the installation's unguessable tokens (base64url of random bytes): each
 * token character carries 6 random bits, of which 5 pick a symbol, so the symbols are uniform.
 */
export function newVerifyCode(ids: Pick<Ids, 'token'>): string {
  let symbols = '';
  for (let round = 0; symbols.length < LENGTH; round += 1) {
    if (round > 8) throw new Error('the token source gives no base64url characters');
    for (const ch of ids.token()) {
      const i = BASE64URL.indexOf(ch);
      if (i >= 0) symbols += VERIFY_CODE_ALPHABET[i % 32];
      if (symbols.length === LENGTH) break;
    }
  }
  return group(symbols);
}

/**
 * The stored form (upper case, dashed) of a code as somebody typed it: any case, with or
 * without dashes or spaces. Null when it cannot be a code at all.
 */
export function normalizeVerifyCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s\-‐‑–—_]/g, '');
  if (s.length !== LENGTH) return null;
  for (const ch of s) if (!VERIFY_CODE_ALPHABET.includes(ch)) return null;
  return group(s);
}
