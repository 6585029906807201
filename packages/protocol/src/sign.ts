import { canonicalJson } from '@cunzhang/ledger';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sm2 } from 'sm-crypto-v2';
import { SM2_ID } from './messages.js';
import { isStrictDerSignature } from './pem.js';
import { verifyDigest } from './verify-core.mjs';

/**
 * Signing of the device protocol (docs/device-protocol.md §4). The signed bytes are the
 * canonical JSON (RFC 8785 for our integer-only messages: keys sorted, no whitespace) of the
 * message without its `sig` (or `mac`) member; SM2 with SM3 and the ID 1234567812345678;
 * the signature is DER, written as lower-case hex.
 */
export interface KeyPair {
  /** 64 hex digits. */
  privateKey: string;
  /** Uncompressed point, 130 hex digits starting 04. */
  publicKey: string;
}

export function generateKeyPair(): KeyPair {
  const kp = sm2.generateKeyPairHex();
  return { privateKey: kp.privateKey, publicKey: kp.publicKey };
}

export function publicKeyOf(privateKey: string): string {
  return sm2.getPublicKeyFromPrivateKey(privateKey);
}

/** The bytes a signature or MAC covers: canonical JSON without the `sig`/`mac` member. */
export function signedBytes(message: Record<string, unknown>): Buffer {
  const { sig: _sig, mac: _mac, ...rest } = message;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

const publicOf = new Map<string, string>();

export function sm2Sign(bytes: Uint8Array, privateKey: string): string {
  // Deriving the public key costs as much as the signature: keep it for the keys in use.
  let publicKey = publicOf.get(privateKey);
  if (!publicKey) {
    if (publicOf.size > 10_000) publicOf.clear();
    publicOf.set(privateKey, (publicKey = publicKeyOf(privateKey)));
  }
  return sm2.doSignature(bytes, privateKey, { der: true, hash: true, userId: SM2_ID, publicKey });
}

/**
 * A public key ready for many verifications: the point with its multiplication table and the
 * Z value (SM3 of the ID and the curve and key). Building it costs about two verifications;
 * keep it for devices that speak often.
 */
export interface VerifyKey {
  publicKey: string;
  z: Uint8Array;
  point: ReturnType<typeof sm2.precomputePublicKey> | string;
}

export function verifyKey(publicKey: string, precompute = true): VerifyKey {
  if (!/^04[0-9a-f]{128}$/.test(publicKey) || !sm2.verifyPublicKey(publicKey)) throw new Error('not an SM2 public key (130 hex digits starting 04, a point on the curve)');
  return { publicKey, z: zOf(publicKey), point: precompute ? sm2.precomputePublicKey(publicKey, 8) : publicKey };
}

/** Z of a public key (§4.1): SM3 of the ID, the curve parameters and the key. */
export function zOf(publicKey: string): Uint8Array {
  return sm2.getZ(publicKey, SM2_ID);
}

/** e = SM3(Z ‖ bytes): the digest an SM2 signature over `bytes` signs. */
export function signatureDigest(bytes: Uint8Array, z: Uint8Array): Buffer {
  return createHash('sm3').update(z).update(bytes).digest();
}

export function sm2Verify(bytes: Uint8Array, sigHex: string, key: VerifyKey | string): boolean {
  // The DER parser underneath forgives trailing bytes and a wrong tag: one signature, one form.
  if (!isStrictDerSignature(sigHex)) return false;
  const k = typeof key === 'string' ? verifyKey(key, false) : key;
  return verifyDigest(signatureDigest(bytes, k.z), sigHex, k.point);
}

/** Adds `sig` to a device message or a command. */
export function sign<T extends Record<string, unknown>>(message: T, privateKey: string): T & { sig: string } {
  return { ...message, sig: sm2Sign(signedBytes(message), privateKey) };
}

export function verify(message: Record<string, unknown> & { sig: string }, key: VerifyKey | string): boolean {
  return sm2Verify(signedBytes(message), message.sig, key);
}

/** HMAC-SM3 of a heartbeat (§7), hex. */
export function heartbeatMac(message: Record<string, unknown>, hbKeyHex: string): string {
  return createHmac('sm3', Buffer.from(hbKeyHex, 'hex')).update(signedBytes(message)).digest('hex');
}

export function withMac<T extends Record<string, unknown>>(message: T, hbKeyHex: string): T & { mac: string } {
  return { ...message, mac: heartbeatMac(message, hbKeyHex) };
}

export function checkMac(message: Record<string, unknown> & { mac: string }, hbKeyHex: string): boolean {
  const want = Buffer.from(heartbeatMac(message, hbKeyHex), 'hex');
  const got = Buffer.from(message.mac, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * HMAC-SM3 (hex) of `<auth>:<code>` under the device's heartbeat key: the form in which a token
 * carries the operator's one-time code (§9). Keyed, so whoever sees a token (its QR on a phone,
 * a command on the wire) cannot try the million codes against it; only the device can check.
 */
export function otpDigest(authId: string, code: string, hbKeyHex: string): string {
  return createHmac('sm3', Buffer.from(hbKeyHex, 'hex')).update(`${authId}:${code}`).digest('hex');
}

export const newNonce = (): string => randomBytes(16).toString('hex');
export const newHeartbeatKey = (): string => randomBytes(16).toString('hex');
