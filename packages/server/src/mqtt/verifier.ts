import { createKeyCache, verifyDigest, type KeyCacheOptions } from '@cunzhang/protocol';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** One device signature to check: e = SM3(Z ‖ signed bytes), the DER signature in hex. */
export interface VerifyJob {
  deviceId: string;
  publicKey: string;
  e: Uint8Array;
  sig: string;
}

/**
 * Checks device signatures (SM2, ~0.5–3 ms of arithmetic each). With `threads` ≥ 1 the work runs
 * in that many worker threads, so the broker, the ledger and HTTP keep the main thread and the
 * other cores verify; a device's messages always go to the same thread, which keeps that
 * device's multiplication table (verify-core.mjs). With 0 it runs on the calling thread.
 */
export interface SignatureVerifier {
  verify(job: VerifyJob): Promise<boolean>;
  /** Drops what is kept for a device (its key changed or it was retired). */
  forget(deviceId: string): void;
  close(): Promise<void>;
}

export function createVerifier(threads: number, opts: KeyCacheOptions = {}): SignatureVerifier {
  if (threads <= 0) {
    const keys = createKeyCache(opts);
    return {
      verify: async (j) => verifyDigest(j.e, j.sig, keys.point(j.deviceId, j.publicKey)),
      forget: (id) => keys.forget(id),
      close: async () => undefined,
    };
  }
  return new VerifierPool(threads, opts);
}

type Tuple = [id: number, deviceId: string, publicKey: string, e: Uint8Array, sig: string];

/** One worker thread, started on first use and again after it died. */
class Lane {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, { resolve: (ok: boolean) => void; reject: (e: Error) => void }>();
  private queue: Tuple[] = [];
  private scheduled = false;
  private nextId = 1;
  private closing = false;

  constructor(private readonly file: string, private readonly opts: KeyCacheOptions) {}

  verify(j: VerifyJob): Promise<boolean> {
    if (this.closing) return Promise.reject(new Error('signature checks are shutting down'));
    const id = this.nextId++;
    const p = new Promise<boolean>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.queue.push([id, j.deviceId, j.publicKey, j.e, j.sig]);
    // Messages that arrive in the same turn of the event loop travel as one.
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return p;
  }

  forget(deviceId: string): void {
    this.worker?.postMessage({ forget: deviceId });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const w = this.start();
    w.ref();
    w.postMessage({ jobs: this.queue });
    this.queue = [];
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // No TypeScript loader in the thread: verify-worker.mjs is plain JavaScript.
    const w = new Worker(this.file, { workerData: this.opts, execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    w.on('message', (msg: { done: [number, boolean][] }) => {
      for (const [id, ok] of msg.done) {
        this.pending.get(id)?.resolve(ok);
        this.pending.delete(id);
      }
      if (this.pending.size === 0) w.unref();
    });
    const died = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      // The messages in it are not acknowledged (the gateway's handle rejects): devices send them again.
      const err = new Error(`signature check thread stopped (${why})`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', (e) => died(e.message));
    w.on('exit', (code) => died(`exit code ${code}`));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    this.closing = true;
    const w = this.worker;
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new Error('signature checks are shutting down'));
    this.pending.clear();
    await w?.terminate();
  }
}

class VerifierPool implements SignatureVerifier {
  private readonly lanes: Lane[];

  constructor(threads: number, opts: KeyCacheOptions) {
    const file = createRequire(import.meta.url).resolve('@cunzhang/protocol/verify-worker');
    // The tables kept are shared out: each thread keeps those of its own devices.
    const each = { ...opts, hotKeys: Math.max(1, Math.ceil((opts.hotKeys ?? 256) / threads)) };
    this.lanes = Array.from({ length: threads }, () => new Lane(file, each));
  }

  private lane(deviceId: string): Lane {
    let h = 0;
    for (let i = 0; i < deviceId.length; i++) h = (h * 31 + deviceId.charCodeAt(i)) | 0;
    return this.lanes[Math.abs(h) % this.lanes.length]!;
  }

  verify(j: VerifyJob): Promise<boolean> {
    return this.lane(j.deviceId).verify(j);
  }

  forget(deviceId: string): void {
    this.lane(deviceId).forget(deviceId);
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.close()));
  }
}
