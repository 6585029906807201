import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Photo upload (design §13): after the impression event is published the device PUTs each
 * photo to <http>/api/device-photos/<sm3>. The signed event is the authority, so there is no
 * credential; the platform answers 201 stored, 200 already stored, 404 not announced, 422 hash
 * mismatch / not an image, 413 too large. Photos stay on disk until 200/201.
 */
export interface UploadResult {
  sm3: string;
  /** done: stored (201) or already there (200); failed: refused for good; retry: will try again. */
  outcome: 'done' | 'failed' | 'retry';
  status: number | null;
  error?: string;
  attempt: number;
}

export interface UploaderOptions {
  /** Base address of the platform's HTTP API (bundle.http). */
  http: string;
  dev: string;
  /** Folder that keeps photos until uploaded (`<seq>.<sm3>.jpg`); null keeps them in memory. */
  dir: string | null;
  /** Is the event that announced photos of this seq acknowledged by the broker? Until then the platform would answer 404. */
  announced: (seq: number) => boolean;
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  /** A 404 right after publishing can mean the platform has not read the event yet: retry this many times before giving up. */
  notFoundRetries?: number;
  timeoutMs?: number;
  onResult?: (r: UploadResult) => void;
}

interface Item {
  seq: number;
  sm3: string;
  contentType: string;
  bytes: Buffer | null;
  file: string | null;
  attempt: number;
  nextAt: number;
}

const FILE = /^(\d+)\.([0-9a-f]{64})\.(jpg|png)$/;

/** One PUT. Resolves with the HTTP status, or null and the reason when no answer came. */
export async function putPhoto(http: string, dev: string, sm3: string, bytes: Uint8Array, contentType: string, timeoutMs = 30_000): Promise<{ status: number | null; error?: string }> {
  const url = `${http.replace(/\/+$/, '')}/api/device-photos/${sm3}`;
  try {
    const res = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': contentType, 'x-cunzhang-device': dev },
      body: new Uint8Array(bytes),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Drain the body so the connection can be reused.
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { status: null, error: cause ?? (e as Error).message };
  }
}

export class PhotoUploader {
  private readonly items: Item[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly opts: UploaderOptions) {
    if (opts.dir) {
      mkdirSync(path.join(opts.dir, 'failed'), { recursive: true });
      // Photos left by an earlier run resume where they were.
      for (const f of readdirSync(opts.dir).sort((a, b) => parseInt(a, 10) - parseInt(b, 10))) {
        const m = FILE.exec(f);
        if (m) this.items.push({ seq: Number(m[1]), sm3: m[2]!, contentType: m[3] === 'png' ? 'image/png' : 'image/jpeg', bytes: null, file: path.join(opts.dir, f), attempt: 0, nextAt: 0 });
      }
    }
  }

  /** Photos waiting to be uploaded. */
  get pending(): number {
    return this.items.length;
  }

  /** Keeps the photo (fsync'd on disk) and uploads it once its event is acknowledged. */
  add(seq: number, photo: { bytes: Buffer; contentType: string; ref: { sm3: string } }): void {
    let file: string | null = null;
    if (this.opts.dir) {
      file = path.join(this.opts.dir, `${seq}.${photo.ref.sm3}.${photo.contentType === 'image/png' ? 'png' : 'jpg'}`);
      const fd = openSync(file, 'w');
      writeSync(fd, photo.bytes);
      fsyncSync(fd);
      closeSync(fd);
    }
    this.items.push({ seq, sm3: photo.ref.sm3, contentType: photo.contentType, bytes: file ? null : photo.bytes, file, attempt: 0, nextAt: 0 });
    this.kick();
  }

  /** Try now (a new photo, or an event was just acknowledged). */
  kick(): void {
    if (this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    void this.run();
  }

  /** Resolves when nothing is left to upload (photos refused for good are set aside). */
  idle(): Promise<void> {
    if (this.items.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        if (this.stopped) return;
        const now = Date.now();
        const item = this.items.find((i) => i.nextAt <= now && this.opts.announced(i.seq));
        if (!item) break;
        await this.attempt(item);
      }
    } finally {
      this.running = false;
    }
    if (this.items.length === 0) {
      for (const w of this.waiters.splice(0)) w();
      return;
    }
    // Sleep until the earliest retry; an acknowledgement kicks earlier.
    const wait = Math.max(50, Math.min(...this.items.map((i) => i.nextAt)) - Date.now());
    this.timer = setTimeout(() => this.kick(), Math.min(wait, 60_000));
    this.timer.unref();
  }

  private async attempt(item: Item): Promise<void> {
    item.attempt++;
    const bytes = item.bytes ?? readFileSync(item.file!);
    const { status, error } = await putPhoto(this.opts.http, this.opts.dev, item.sm3, bytes, item.contentType, this.opts.timeoutMs);
    let outcome: UploadResult['outcome'];
    if (status === 200 || status === 201) outcome = 'done';
    else if (status === null || status === 408 || status === 429 || status >= 500) outcome = 'retry';
    else if (status === 404 && item.attempt <= (this.opts.notFoundRetries ?? 5)) outcome = 'retry';
    else outcome = 'failed';

    if (outcome === 'retry') {
      const base = Math.min(this.opts.maxBackoffMs ?? 60_000, (this.opts.firstBackoffMs ?? 1000) * 2 ** (item.attempt - 1));
      item.nextAt = Date.now() + Math.round(base * (0.8 + Math.random() * 0.4));
    } else {
      this.items.splice(this.items.indexOf(item), 1);
      if (item.file && outcome === 'done') rmSync(item.file, { force: true });
      // Refused photos are kept aside for inspection, never silently deleted.
      if (item.file && outcome === 'failed') renameSync(item.file, path.join(path.dirname(item.file), 'failed', path.basename(item.file)));
    }
    this.opts.onResult?.({ sm3: item.sm3, outcome, status, attempt: item.attempt, ...(error || outcome === 'failed' ? { error: error ?? `HTTP ${status}` } : {}) });
  }
}
