import type { FieldCipher, Ids, PasswordHasher, Totp } from '@cunzhang/core';
import { hash, verify } from '@node-rs/argon2';
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { authenticator } from 'otplib';

/**
 * SM4-CTR with an HMAC-SM3 tag (encrypt-then-MAC): Node's OpenSSL offers SM4 but not
 * SM4-GCM, so integrity comes from the MAC. Format: v1.<iv>.<ciphertext>.<tag>, base64url.
 */
export function sm4FieldCipher(masterKey: Buffer): FieldCipher {
  if (masterKey.length < 32) throw new Error('the master key must have at least 32 bytes');
  const derive = (label: string): Buffer => createHmac('sm3', masterKey).update(label).digest();
  const encKey = derive('cunzhang/field-enc').subarray(0, 16);
  const macKey = derive('cunzhang/field-mac');
  const idxKey = derive('cunzhang/field-index');
  const mac = (iv: Buffer, ct: Buffer): Buffer => createHmac('sm3', macKey).update(iv).update(ct).digest();
  return {
    encrypt(plain) {
      const iv = randomBytes(16);
      const c = createCipheriv('sm4-ctr', encKey, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return ['v1', iv.toString('base64url'), ct.toString('base64url'), mac(iv, ct).toString('base64url')].join('.');
    },
    decrypt(enc) {
      const [v, ivs, cts, tags] = enc.split('.');
      if (v !== 'v1' || !ivs || cts === undefined || !tags) throw new Error('not an encrypted field');
      const iv = Buffer.from(ivs, 'base64url');
      const ct = Buffer.from(cts, 'base64url');
      const tag = Buffer.from(tags, 'base64url');
      const want = mac(iv, ct);
      if (tag.length !== want.length || !timingSafeEqual(tag, want)) throw new Error('encrypted field failed its integrity check');
      const d = createDecipheriv('sm4-ctr', encKey, iv);
      return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
    },
    index: (plain) => createHmac('sm3', idxKey).update(plain).digest('hex'),
    digest: (plain) => createHash('sm3').update(plain).digest('hex'),
  };
}

/** argon2id (the library's default algorithm) with the OWASP-recommended minimum (19 MiB, 2 passes). */
export const argon2Hasher: PasswordHasher = {
  hash: (password) => hash(password, { memoryCost: 19456, timeCost: 2, parallelism: 1 }),
  verify: async (h, password) => {
    try {
      return await verify(h, password);
    } catch {
      return false;
    }
  },
};

export function totp(issuer: string): Totp {
  // One step of clock drift either way, as most authenticator apps expect.
  authenticator.options = { window: 1 };
  return {
    newSecret: () => authenticator.generateSecret(20),
    verify: (secret, code) => {
      try {
        const delta = authenticator.checkDelta(code, secret);
        return delta === null ? null : Math.floor(Date.now() / 30_000) + delta;
      } catch {
        return null;
      }
    },
    uri: (secret, account) => authenticator.keyuri(account, issuer, secret),
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Time-ordered ids (ULID layout: 48-bit ms time + 80 random bits, Crockford base32). */
export const ulidIds: Ids = {
  next() {
    let t = Date.now();
    let time = '';
    for (let i = 0; i < 10; i++) {
      time = CROCKFORD[t % 32]! + time;
      t = Math.floor(t / 32);
    }
    const rnd = randomBytes(16);
    let rand = '';
    for (let i = 0; i < 16; i++) rand += CROCKFORD[rnd[i]! % 32];
    return time + rand;
  },
  token: () => randomBytes(32).toString('base64url'),
};
