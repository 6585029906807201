import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskQueue, MemoryQueue, type UpEntry } from './buffer.js';

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'cz-queue-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entry = (seq: number, kind: 'ev' | 'hb' = 'ev'): UpEntry => ({ seq, kind, payload: JSON.stringify({ v: 1, seq, text: `消息 ${seq} "quoted"` }) });

describe('DiskQueue (design §7)', () => {
  it('keeps order and content across a reopen (process restart)', () => {
    const dir = freshDir();
    const q = new DiskQueue(dir);
    for (let s = 1; s <= 20; s++) q.append(entry(s, s % 3 === 0 ? 'hb' : 'ev'));
    q.close();
    const again = new DiskQueue(dir);
    expect(again.live()).toEqual(Array.from({ length: 20 }, (_, i) => entry(i + 1, (i + 1) % 3 === 0 ? 'hb' : 'ev')));
    expect(again.lastSeq).toBe(20);
    again.close();
  });

  it('an entry leaves only with its PUBACK; unacknowledged ones come back after a restart', () => {
    const dir = freshDir();
    const q = new DiskQueue(dir);
    for (let s = 1; s <= 6; s++) q.append(entry(s));
    // "Published" 1–4, acknowledged 1, 2 and (out of order) 4.
    expect(q.after(0, 4).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    q.ack(1);
    q.ack(2);
    q.ack(4);
    q.ack(99);
    expect(q.size).toBe(3);
    expect(q.has(4)).toBe(false);
    expect(q.has(3)).toBe(true);
    q.close();
    const again = new DiskQueue(dir);
    expect(again.live().map((e) => e.seq)).toEqual([3, 5, 6]);
    again.ack(3);
    again.ack(5);
    again.ack(6);
    expect(again.size).toBe(0);
    again.close();
    // Emptied, it still remembers the last number it stored.
    const third = new DiskQueue(dir);
    expect(third.size).toBe(0);
    expect(third.lastSeq).toBe(6);
    expect(() => third.append(entry(6))).toThrow(/not above/);
    third.close();
  });

  it('cuts a line torn by a power cut and keeps everything before it', () => {
    const dir = freshDir();
    const q = new DiskQueue(dir);
    q.append(entry(1));
    q.append(entry(2));
    q.close();
    appendFileSync(path.join(dir, 'outbox.jsonl'), '{"s":3,"k":"ev","m":{"v":1,"se');
    const again = new DiskQueue(dir);
    expect(again.live().map((e) => e.seq)).toEqual([1, 2]);
    again.append(entry(3));
    again.close();
    expect(new DiskQueue(dir).live().map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('when full drops the oldest heartbeats first, then the oldest messages', () => {
    const dir = freshDir();
    const q = new DiskQueue(dir, 4);
    q.append(entry(1, 'ev'));
    q.append(entry(2, 'hb'));
    q.append(entry(3, 'ev'));
    q.append(entry(4, 'hb'));
    q.append(entry(5, 'ev'));
    expect(q.live().map((e) => e.seq)).toEqual([1, 3, 4, 5]);
    q.append(entry(6, 'ev'));
    expect(q.live().map((e) => e.seq)).toEqual([1, 3, 5, 6]);
    q.append(entry(7, 'ev'));
    expect(q.live().map((e) => e.seq)).toEqual([3, 5, 6, 7]);
    expect(q.dropped).toBe(3);
    q.close();
    expect(new DiskQueue(dir, 4).live().map((e) => e.seq)).toEqual([3, 5, 6, 7]);
  });

  it('compacts a mostly acknowledged file', () => {
    const dir = freshDir();
    const q = new DiskQueue(dir);
    for (let s = 1; s <= 3000; s++) {
      q.append(entry(s));
      if (s <= 2990) q.ack(s);
    }
    q.close();
    const lines = readFileSync(path.join(dir, 'outbox.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(2000);
    expect(new DiskQueue(dir).live().map((e) => e.seq)).toEqual([2991, 2992, 2993, 2994, 2995, 2996, 2997, 2998, 2999, 3000]);
  });
});

describe('MemoryQueue', () => {
  it('after() walks from a cursor, skipping acknowledged entries', () => {
    const q = new MemoryQueue(100);
    for (let s = 10; s <= 15; s++) q.append(entry(s));
    q.ack(12);
    expect(q.after(10, 3).map((e) => e.seq)).toEqual([11, 13, 14]);
    expect(q.after(0, 100).map((e) => e.seq)).toEqual([10, 11, 13, 14, 15]);
    expect(() => q.append(entry(15))).toThrow();
  });
});
