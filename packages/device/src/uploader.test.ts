import { sm3Hex } from '@cunzhang/media';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PhotoUploader, type UploadResult } from './uploader.js';

/** A stand-in for the platform's photo endpoint: answers from a script per SM3, records requests. */
let server: Server;
let http: string;
const script = new Map<string, number[]>();
const requests: { sm3: string; device: string | undefined; type: string | undefined; ok: boolean; status: number }[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const sm3 = /^\/api\/device-photos\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1] ?? '';
      const body = Buffer.concat(chunks);
      const plan = script.get(sm3) ?? [];
      const status = req.method !== 'PUT' ? 405 : sm3Hex(body) !== sm3 ? 422 : (plan.shift() ?? 201);
      requests.push({ sm3, device: req.headers['x-cunzhang-device'] as string | undefined, type: req.headers['content-type'], ok: sm3Hex(body) === sm3, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  http = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
beforeEach(() => {
  requests.length = 0;
  script.clear();
});

const photo = (text: string) => {
  const bytes = Buffer.from(`fake jpeg ${text}`);
  return { bytes, contentType: 'image/jpeg', ref: { sm3: sm3Hex(bytes) } };
};
const newDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'cz-upl-'));
  dirs.push(d);
  return d;
};

function uploader(dir: string | null, results: UploadResult[], announced: (seq: number) => boolean = () => true) {
  return new PhotoUploader({ http, dev: 'CZ7K2M9Q4T8W', dir, announced, firstBackoffMs: 20, maxBackoffMs: 100, notFoundRetries: 2, onResult: (r) => results.push(r) });
}

describe('PhotoUploader (design §13)', () => {
  it('PUTs to /api/device-photos/<sm3> with the device header, and deletes the photo once stored', async () => {
    const dir = newDir();
    const results: UploadResult[] = [];
    const u = uploader(dir, results);
    const p = photo('one');
    u.add(7, p);
    expect(readdirSync(dir)).toContain(`7.${p.ref.sm3}.jpg`);
    await u.idle();
    expect(requests).toEqual([{ sm3: p.ref.sm3, device: 'CZ7K2M9Q4T8W', type: 'image/jpeg', ok: true, status: 201 }]);
    expect(results.map((r) => [r.outcome, r.status])).toEqual([['done', 201]]);
    expect(existsSync(path.join(dir, `7.${p.ref.sm3}.jpg`))).toBe(false);
  });

  it('retries with backoff on 5xx, 429 and a refused connection until 200', async () => {
    const results: UploadResult[] = [];
    const u = uploader(null, results);
    const p = photo('two');
    script.set(p.ref.sm3, [503, 429, 500, 200]);
    const started = Date.now();
    u.add(1, p);
    await u.idle();
    expect(requests.map((r) => r.status)).toEqual([503, 429, 500, 200]);
    expect(results.map((r) => r.outcome)).toEqual(['retry', 'retry', 'retry', 'done']);
    // 20 + 40 + 80 ms of backoff (±20 %).
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);

    // Nothing listens on port 9: no answer at all, retried.
    const seen: UploadResult[] = [];
    const d2 = new PhotoUploader({ http: 'http://127.0.0.1:9', dev: 'CZ7K2M9Q4T8W', dir: null, announced: () => true, firstBackoffMs: 10, maxBackoffMs: 20, onResult: (r) => seen.push(r) });
    d2.add(1, photo('x'));
    await new Promise((r) => setTimeout(r, 150));
    d2.stop();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((r) => r.outcome === 'retry' && r.status === null && r.error)).toBe(true);
    expect(d2.pending).toBe(1);
  });

  it('gives up on 422 (kept aside in failed/) and on 404 after the grace retries', async () => {
    const dir = newDir();
    const results: UploadResult[] = [];
    const u = uploader(dir, results);
    const bad = { ...photo('three'), ref: { sm3: 'a'.repeat(64) } };
    const unannounced = photo('four');
    script.set(unannounced.ref.sm3, [404, 404, 404, 201]);
    u.add(3, bad);
    u.add(4, unannounced);
    await u.idle();
    expect(results.map((r) => [r.sm3.slice(0, 4), r.outcome, r.status])).toEqual([
      ['aaaa', 'failed', 422],
      [unannounced.ref.sm3.slice(0, 4), 'retry', 404],
      [unannounced.ref.sm3.slice(0, 4), 'retry', 404],
      [unannounced.ref.sm3.slice(0, 4), 'failed', 404],
    ]);
    expect(readdirSync(path.join(dir, 'failed')).sort()).toEqual([`3.${'a'.repeat(64)}.jpg`, `4.${unannounced.ref.sm3}.jpg`].sort());
  });

  it('waits until the announcing event is acknowledged, and resumes photos left by an earlier run', async () => {
    const dir = newDir();
    const acked = new Set<number>();
    const results: UploadResult[] = [];
    const first = uploader(dir, results, (seq) => acked.has(seq));
    const p = photo('five');
    first.add(12, p);
    await new Promise((r) => setTimeout(r, 120));
    expect(requests).toEqual([]);
    first.stop();

    const second = uploader(dir, results, (seq) => acked.has(seq));
    expect(second.pending).toBe(1);
    acked.add(12);
    second.kick();
    await second.idle();
    expect(requests.map((r) => [r.sm3, r.status])).toEqual([[p.ref.sm3, 201]]);
    expect(readdirSync(dir).filter((f) => f !== 'failed')).toEqual([]);
  });
});
