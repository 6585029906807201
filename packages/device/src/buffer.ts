import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, ftruncateSync } from 'node:fs';
import path from 'node:path';

/**
 * The device's outgoing FIFO (design §7). Every up message goes in here first and leaves only
 * when the broker has acknowledged it (PUBACK), so nothing is lost across a dropped link or a
 * restart; the link publishes from the head, in sequence order.
 */
export interface UpEntry {
  seq: number;
  kind: 'ev' | 'hb';
  /** The JSON text published. */
  payload: string;
}

export interface UpQueue {
  /** Entries waiting for their PUBACK (published or not). */
  readonly size: number;
  /** How many entries were dropped because the queue was full, since it was opened. */
  readonly dropped: number;
  append(entry: UpEntry): void;
  /** Up to `limit` entries with a sequence number above `seq`, oldest first. */
  after(seq: number, limit: number): UpEntry[];
  /** The broker acknowledged `seq`: it leaves the queue. Unknown numbers are ignored. */
  ack(seq: number): void;
  has(seq: number): boolean;
  /** The highest sequence number ever stored (0 when none). */
  readonly lastSeq: number;
  close(): void;
}

export const DEFAULT_QUEUE_LIMIT = 100_000;

/** The in-memory part, shared by both kinds of queue. Entries stay sorted by seq. */
export class MemoryQueue implements UpQueue {
  protected entries: UpEntry[] = [];
  protected head = 0;
  protected readonly acked = new Set<number>();
  dropped = 0;
  lastSeq = 0;

  constructor(protected readonly limit = DEFAULT_QUEUE_LIMIT) {}

  get size(): number {
    return this.entries.length - this.head - this.acked.size;
  }

  append(entry: UpEntry): void {
    if (entry.seq <= this.lastSeq) throw new Error(`queue: seq ${entry.seq} is not above the last stored ${this.lastSeq}`);
    while (this.size >= this.limit) this.dropOne();
    this.entries.push(entry);
    this.lastSeq = entry.seq;
  }

  after(seq: number, limit: number): UpEntry[] {
    const out: UpEntry[] = [];
    for (let i = this.indexAbove(seq); i < this.entries.length && out.length < limit; i++) {
      const e = this.entries[i]!;
      if (!this.acked.has(e.seq)) out.push(e);
    }
    return out;
  }

  ack(seq: number): void {
    const i = this.indexOf(seq);
    if (i < 0 || this.acked.has(seq)) return;
    this.acked.add(seq);
    this.onAck(seq);
    // Acknowledgements come in order almost always; an early one waits in `acked` for the head.
    while (this.head < this.entries.length && this.acked.delete(this.entries[this.head]!.seq)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  has(seq: number): boolean {
    return this.indexOf(seq) >= 0 && !this.acked.has(seq);
  }

  /** Live entries, oldest first (for tests and the status view). */
  live(): UpEntry[] {
    return this.after(0, Number.MAX_SAFE_INTEGER);
  }

  close(): void {}

  protected onAck(_seq: number): void {}
  protected onDrop(_seq: number): void {}

  /** Full: the oldest heartbeat goes first (a heartbeat only said "alive then"); else the oldest message. */
  private dropOne(): void {
    let victim = -1;
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.kind === 'hb' && !this.acked.has(e.seq)) {
        victim = i;
        break;
      }
    }
    if (victim < 0) {
      for (let i = this.head; i < this.entries.length; i++) {
        if (!this.acked.has(this.entries[i]!.seq)) {
          victim = i;
          break;
        }
      }
    }
    if (victim < 0) return;
    const [gone] = this.entries.splice(victim, 1);
    this.dropped++;
    this.onDrop(gone!.seq);
  }

  private indexAbove(seq: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entries[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(seq: number): number {
    const i = this.indexAbove(seq - 1);
    return i < this.entries.length && this.entries[i]!.seq === seq ? i : -1;
  }
}

/**
 * The same queue backed by an append-only JSON-lines file: `{"s","k","m"}` stores a message
 * (fsync'd before `append` returns), `{"a":seq}` records its PUBACK, `{"d":seq}` a drop. On
 * opening, the file is replayed; a line torn by a crash is cut off. The file is rewritten
 * (temporary file, fsync, rename) when mostly dead.
 */
export class DiskQueue extends MemoryQueue {
  private fd: number;
  private readonly file: string;
  private deadLines = 0;

  constructor(dir: string, limit = DEFAULT_QUEUE_LIMIT) {
    super(limit);
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'outbox.jsonl');
    this.replay();
    this.fd = openSync(this.file, 'a');
  }

  override append(entry: UpEntry): void {
    // Validates and drops first (a drop writes its own line), then stores.
    super.append(entry);
    this.write(`{"s":${entry.seq},"k":"${entry.kind}","m":${entry.payload}}\n`, true);
  }

  override close(): void {
    closeSync(this.fd);
  }

  protected override onAck(seq: number): void {
    // Not fsync'd: losing it in a crash only re-sends a message the platform then ignores as a duplicate (§8).
    this.write(`{"a":${seq}}\n`, false);
    this.deadLines += 2;
    this.maybeCompact();
  }

  protected override onDrop(seq: number): void {
    this.write(`{"d":${seq}}\n`, false);
    this.deadLines += 2;
  }

  private write(line: string, sync: boolean): void {
    writeSync(this.fd, line);
    if (sync) fsyncSync(this.fd);
  }

  private replay(): void {
    if (!existsSync(this.file)) return;
    const text = readFileSync(this.file, 'utf8');
    const stored = new Map<number, UpEntry>();
    let good = 0;
    let pos = 0;
    while (pos < text.length) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      const line = text.slice(pos, nl);
      let rec: { s?: number; k?: 'ev' | 'hb'; m?: unknown; a?: number; d?: number; last?: number };
      try {
        rec = JSON.parse(line);
      } catch {
        break;
      }
      if (rec.s !== undefined && rec.k) {
        stored.set(rec.s, { seq: rec.s, kind: rec.k, payload: JSON.stringify(rec.m) });
        this.lastSeq = Math.max(this.lastSeq, rec.s);
      } else if (rec.a !== undefined) {
        stored.delete(rec.a);
        if (rec.last) this.lastSeq = Math.max(this.lastSeq, rec.last);
      } else if (rec.d !== undefined) stored.delete(rec.d);
      pos = nl + 1;
      good = pos;
    }
    if (good < text.length) {
      // A torn last line (power cut mid-write): keep everything before it.
      const fd = openSync(this.file, 'r+');
      ftruncateSync(fd, Buffer.byteLength(text.slice(0, good)));
      closeSync(fd);
    }
    this.entries = [...stored.values()].sort((a, b) => a.seq - b.seq);
    this.rewrite();
  }

  private maybeCompact(): void {
    if (this.deadLines > 4096 && this.deadLines > this.size * 2) {
      closeSync(this.fd);
      this.rewrite();
      this.fd = openSync(this.file, 'a');
    }
  }

  /** Writes only the live entries to a new file and swaps it in atomically. */
  private rewrite(): void {
    const tmp = `${this.file}.tmp`;
    const fd = openSync(tmp, 'w');
    // Remembers the highest seq even when every entry has been acknowledged.
    writeSync(fd, `{"a":0,"last":${this.lastSeq}}\n`);
    for (const e of this.live()) writeSync(fd, `{"s":${e.seq},"k":"${e.kind}","m":${e.payload}}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.file);
    this.deadLines = 0;
  }
}
