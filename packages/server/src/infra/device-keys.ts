import type { DeviceKeys } from '@cunzhang/core';
import { generateKeyPair, otpDigest, publicKeyOf, sign, verifyKey } from '@cunzhang/protocol';
import { createHmac, randomBytes } from 'node:crypto';

/** Order of the SM2 curve (GB/T 32918.5). */
const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

/**
 * The platform's device keys, derived from the master key: every server process that shares
 * the master key (CUNZHANG_MASTER_KEY) signs with the same SM2 key, and nothing else to back up.
 */
export function deviceKeys(masterKey: Buffer): DeviceKeys {
  const derive = (label: string) => createHmac('sm3', masterKey).update(label).digest();
  const d = (BigInt(`0x${derive('cunzhang platform SM2 key v1').toString('hex')}`) % (SM2_N - 1n)) + 1n;
  const privateKey = d.toString(16).padStart(64, '0');
  const platformPublicKey = publicKeyOf(privateKey);
  const credKey = derive('cunzhang device credential v1');
  const codeKey = derive('cunzhang operator code v1');
  return {
    platformPublicKey,
    sign: (message) => sign(message, privateKey),
    newKeyPair: generateKeyPair,
    isPublicKey: (hex) => {
      try {
        verifyKey(hex, false);
        return true;
      } catch {
        return false;
      }
    },
    secret: (bytes) => randomBytes(bytes).toString('hex'),
    credentialHash: (password) => createHmac('sm3', credKey).update(password).digest('hex'),
    otpDigest,
    operatorCode: (authId) => String(createHmac('sm3', codeKey).update(authId).digest().readUInt32BE(0) % 1_000_000).padStart(6, '0'),
  };
}
