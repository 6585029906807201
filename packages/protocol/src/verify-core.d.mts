/** Types of verify-core.mjs (plain JavaScript, loadable by a worker thread). */
export type VerifyPoint = string | object;
export interface KeyCacheOptions { hotKeys?: number; hotAfter?: number; hotWindowMs?: number }
export interface KeyCache {
  point(deviceId: string, publicKey: string): VerifyPoint;
  forget(deviceId: string): void;
}
export interface Hotness {
  seen(deviceId: string): boolean;
  forget(deviceId: string): void;
}
export function createHotness(opts?: KeyCacheOptions): Hotness;
export function createKeyCache(opts?: KeyCacheOptions): KeyCache;
export function verifyDigest(e: Uint8Array, sigHex: string, point: VerifyPoint): boolean;
