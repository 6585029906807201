// A worker thread that verifies device signatures for the gateway (server/src/mqtt/verifier.ts).
// In: { jobs: [[id, deviceId, publicKey, e (Uint8Array), sigHex], …] } or { forget: deviceId }.
// Out: { done: [[id, ok], …] } — one reply per message received, in the same order.
import { parentPort, workerData } from 'node:worker_threads';
import { createKeyCache, verifyDigest } from './verify-core.mjs';

const keys = createKeyCache(workerData ?? {});
parentPort.on('message', (msg) => {
  if (msg.forget) return keys.forget(msg.forget);
  const done = msg.jobs.map(([id, deviceId, publicKey, e, sig]) => {
    try {
      return [id, verifyDigest(e, sig, keys.point(deviceId, publicKey))];
    } catch {
      // A key that is not a point (refused at provisioning, so never expected): not verified.
      return [id, false];
    }
  });
  parentPort.postMessage({ done });
});
