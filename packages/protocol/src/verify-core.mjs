// SM2 verification of device signatures, as plain JavaScript so that a worker thread can load it
// without a TypeScript loader (docs/device-protocol.md §4; the platform's side). The caller has
// already checked the signature's DER form and computed e = SM3(Z ‖ signed bytes); this module
// does the curve arithmetic, which is what costs: ~2.7 ms with a plain public key, ~0.5 ms with
// the key's multiplication table (built in ~30 ms, ~0.5 MB). So a device's key gets its table
// once the device has sent `hotAfter` signed messages within `hotWindowMs`, and the tables of the
// `hotKeys` devices that spoke last are kept. (A table for every device that says hello made
// 10,000 reconnecting devices cost ~5 minutes of CPU.)
import { sm2 } from 'sm-crypto-v2';

/**
 * Which devices speak often: a device is hot once it has sent `hotAfter` signed messages within
 * `hotWindowMs`, and stays hot while it is among the `hotKeys` that spoke last.
 */
export function createHotness({ hotKeys = 256, hotAfter = 8, hotWindowMs = 600_000 } = {}) {
  /** The hot devices; the map's order is the least-recently-heard order. */
  const hot = new Map();
  /** Signed messages per device in the current window, for devices not hot yet. */
  const recent = new Map();
  return {
    /** Counts one message of the device; is it hot now? */
    seen(deviceId) {
      if (hot.has(deviceId)) {
        hot.delete(deviceId);
        hot.set(deviceId, true);
        return true;
      }
      const now = Date.now();
      let r = recent.get(deviceId);
      if (!r || now - r.since > hotWindowMs) {
        if (recent.size > 100_000) recent.clear();
        recent.set(deviceId, (r = { n: 0, since: now }));
      }
      if (++r.n < hotAfter) return false;
      recent.delete(deviceId);
      hot.set(deviceId, true);
      while (hot.size > hotKeys) hot.delete(hot.keys().next().value);
      return true;
    },
    forget(deviceId) {
      hot.delete(deviceId);
      recent.delete(deviceId);
    },
  };
}

export function createKeyCache(opts = {}) {
  const hotness = createHotness(opts);
  const max = opts.hotKeys ?? 256;
  /** device id → { publicKey, point }, least recently used first. */
  const tables = new Map();
  return {
    /** The point to verify with: the device's table once it speaks often, else the key itself. */
    point(deviceId, publicKey) {
      if (!hotness.seen(deviceId)) return publicKey;
      let t = tables.get(deviceId);
      tables.delete(deviceId);
      if (!t || t.publicKey !== publicKey) t = { publicKey, point: sm2.precomputePublicKey(publicKey, 8) };
      tables.set(deviceId, t);
      while (tables.size > max) tables.delete(tables.keys().next().value);
      return t.point;
    },
    forget(deviceId) {
      hotness.forget(deviceId);
      tables.delete(deviceId);
    },
  };
}

/** Verifies an SM2 signature (strict DER, hex) over the digest `e` (32 bytes) with a key or a table. */
export function verifyDigest(e, sigHex, point) {
  try {
    return sm2.doVerifySignature(e, sigHex, point, { der: true, hash: false });
  } catch {
    return false;
  }
}
