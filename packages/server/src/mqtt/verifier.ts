import { createHotness, createKeyCache, verifyDigest, type Hotness, type KeyCacheOptions } from '@cunzhang/protocol';
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
 * Checks device signatures (SM2, ~0.5–3 ms of arithmetic each). With `threads` ≥ 1 the devices
 * that speak often (VerifierPool) are checked in that many worker threads, so the broker, the
 * ledger and HTTP keep the main thread and the other cores verify; such a device's messages
 * always go to the same thread, which keeps its multiplication table (verify-core.mjs) and
 * answers them first in, first out — so a device's events reach the ledger in the order they
 * came in. The others, and everything with 0 threads, are checked on the calling thread.
 */
export interface SignatureVerifier {
  verify(job: VerifyJob): Promise<boolean>;
  /** Drops what is kept for a device (its key changed or it was retired). */
  forget(deviceId: string): void;
  close(): Promise<void>;
}

/** `onDeath`: a thread stopped (it is started again; after three deaths its devices are checked on the calling thread). */
export function createVerifier(threads: number, opts: KeyCacheOptions = {}, onDeath: (why: string) => void = () => undefined): SignatureVerifier {
  if (threads <= 0) {
    const keys = createKeyCache(opts);
    return {
      verify: async (j) => verifyDigest(j.e, j.sig, keys.point(j.deviceId, j.publicKey)),
      forget: (id) => keys.forget(id),
      close: async () => undefined,
    };
  }
  return new VerifierPool(threads, opts, onDeath);
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
  private deaths = 0;

  constructor(private readonly file: string, private readonly opts: KeyCacheOptions, private readonly onDeath: (why: string) => void) {}

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
    if (this.closing || this.queue.length === 0) return;
    const jobs = this.queue;
    this.queue = [];
    // A thread that cannot start, or died too often: these are checked here instead.
    if (this.deaths >= 3) return this.inPlace(jobs);
    try {
      const w = this.start();
      w.ref();
      w.postMessage({ jobs });
    } catch (e) {
      this.deaths++;
      this.onDeath(`could not start: ${(e as Error).message}`);
      this.inPlace(jobs);
    }
  }

  private inPlace(jobs: Tuple[]): void {
    for (const [id, , publicKey, e, sig] of jobs) {
      this.pending.get(id)?.resolve(verifyDigest(e, sig, publicKey));
      this.pending.delete(id);
    }
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
      this.deaths++;
      this.onDeath(why);
      // The messages in it are not acknowledged (the gateway's handle rejects): devices send them again.
      const err = new Error(`signature check thread stopped (${why})`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', (e) => died(e.message));
    w.on('messageerror', (e) => died(`unreadable message: ${e.message}`));
    w.on('exit', (code) => died(`exit code ${code}`));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.queue = [];
    const w = this.worker;
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new Error('signature checks are shutting down'));
    this.pending.clear();
    await w?.terminate();
  }
}

/**
 * Only devices that speak often go to the threads: there their key table pays and throughput
 * matters (a burst of impressions). A device that speaks now and then (a hello after a broker
 * restart, the ack of a lock) is checked with its plain key on the calling thread, as before the
 * threads: ten thousand hellos queued at once for the threads held every reconnecting device's
 * message in memory (server RSS 777 MB with 10,000 devices) and starved the broker's log-ins,
 * where checking them in turn keeps the rest waiting in the sockets.
 */
class VerifierPool implements SignatureVerifier {
  private readonly lanes: Lane[];
  /** Which devices have earned a thread. */
  private readonly hotness: Hotness;
  /** Messages of a device still in a thread: while any is, the next goes there too (order). */
  private readonly inThread = new Map<string, number>();

  constructor(threads: number, opts: KeyCacheOptions, onDeath: (why: string) => void) {
    const file = createRequire(import.meta.url).resolve('@cunzhang/protocol/verify-worker');
    this.hotness = createHotness(opts);
    // A thread sees only devices that earned it: it builds their table at once, and keeps as many
    // tables as the pool admits devices (the hash need not share the devices out evenly).
    const each = { hotAfter: 1, hotWindowMs: opts.hotWindowMs, hotKeys: opts.hotKeys };
    this.lanes = Array.from({ length: threads }, () => new Lane(file, each, onDeath));
  }

  /** Has the device earned a thread (or is it in one still)? */
  private earned(deviceId: string): boolean {
    return this.hotness.seen(deviceId) || this.inThread.has(deviceId);
  }

  private lane(deviceId: string): Lane {
    let h = 0;
    for (let i = 0; i < deviceId.length; i++) h = (h * 31 + deviceId.charCodeAt(i)) | 0;
    return this.lanes[Math.abs(h) % this.lanes.length]!;
  }

  private closed = false;

  async verify(j: VerifyJob): Promise<boolean> {
    if (this.closed) throw new Error('signature checks are shutting down');
    if (!this.earned(j.deviceId)) return verifyDigest(j.e, j.sig, j.publicKey);
    const id = j.deviceId;
    this.inThread.set(id, (this.inThread.get(id) ?? 0) + 1);
    try {
      return await this.lane(id).verify(j);
    } finally {
      const left = this.inThread.get(id)! - 1;
      if (left > 0) this.inThread.set(id, left);
      else this.inThread.delete(id);
    }
  }

  forget(deviceId: string): void {
    this.hotness.forget(deviceId);
    this.lane(deviceId).forget(deviceId);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((l) => l.close()));
  }
}
