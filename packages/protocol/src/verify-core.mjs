// SM2 verification of device signatures, as plain JavaScript so that a worker thread can load it
// without a TypeScript loader (docs/device-protocol.md §4; the platform's side). The caller has
// already checked the signature's DER form and computed e = SM3(Z ‖ signed bytes); this module
// does the curve arithmetic, which is what costs: ~2.7 ms with a plain public key, ~0.5 ms with
// the key's multiplication table (built in ~30 ms, ~0.5 MB). So a device's key gets its table
// once the device has sent `hotAfter` signed messages within `hotWindowMs`, and the tables of the
// `hotKeys` devices that spoke last are kept. (A table for every device that says hello made
// 10,000 reconnecting devices cost ~5 minutes of CPU.)
import { sm2 } from 'sm-crypto-v2';

export function createKeyCache({ hotKeys = 256, hotAfter = 8, hotWindowMs = 600_000 } = {}) {
  /** device id → { publicKey, point }; the map's order is the least-recently-used order. */
  const tables = new Map();
  /** Signed messages per device in the current window, for devices without a table yet. */
  const recent = new Map();
  return {
    /** The point to verify with: the device's table if it has one (or has earned one), else the key itself. */
    point(deviceId, publicKey) {
      const hot = tables.get(deviceId);
      if (hot && hot.publicKey === publicKey) {
        tables.delete(deviceId);
        tables.set(deviceId, hot);
        return hot.point;
      }
      const now = Date.now();
      let r = recent.get(deviceId);
      if (!r || now - r.since > hotWindowMs) {
        if (recent.size > 100_000) recent.clear();
        recent.set(deviceId, (r = { n: 0, since: now }));
      }
      if (++r.n < hotAfter) return publicKey;
      recent.delete(deviceId);
      const point = sm2.precomputePublicKey(publicKey, 8);
      tables.set(deviceId, { publicKey, point });
      while (tables.size > hotKeys) tables.delete(tables.keys().next().value);
      return point;
    },
    forget(deviceId) {
      tables.delete(deviceId);
      recent.delete(deviceId);
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
