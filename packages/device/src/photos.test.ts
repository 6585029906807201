import { hammingDistance, perceptualHash, sm3Hex } from '@cunzhang/media';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatedDevice } from './device.js';
import { synthPage } from './page-synth.js';
import { startBroker, TestPlatform, type TestBroker } from './testing.js';

/** Impression → photo upload, end to end: broker, a photo endpoint, and the device between them. */
let broker: TestBroker;
let platform: TestPlatform;
let server: Server;
let http: string;
const puts: { sm3: string; bodySm3: string; device: string; at: number; phash: Promise<string> }[] = [];
const dir = mkdtempSync(path.join(tmpdir(), 'cz-photos-'));

beforeAll(async () => {
  broker = await startBroker();
  platform = new TestPlatform();
  await platform.connect(broker.url);
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const sm3 = req.url!.split('/').pop()!;
      // Like the platform: only photos a received impression event announced.
      const announced = platform.events(String(req.headers['x-cunzhang-device']), 'impression').some((e) => e.type === 'impression' && (e.body.before.sm3 === sm3 || e.body.after.sm3 === sm3));
      puts.push({ sm3, bodySm3: sm3Hex(body), device: String(req.headers['x-cunzhang-device']), at: Date.now(), phash: perceptualHash(body) });
      res.writeHead(announced ? 201 : 404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  http = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await platform.close();
  await broker.close();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('impression photos (design §12, §13)', () => {
  it('uploads both photos of an impression after its event, with the announced SM3 and phash near the approved page', async () => {
    const page = await synthPage(77, 'letter');
    const pageHash = await perceptualHash(page);
    const bundle = platform.provision(broker.url, http);
    const d = new EmulatedDevice({ bundle, stateDir: path.join(dir, 'a'), pages: async () => page, upload: { firstBackoffMs: 50, maxBackoffMs: 200 } });
    await d.start();
    const token = platform.token(bundle.dev, '135790', { n: 3, pages: [{ no: 1, sm3: sm3Hex(page), phash: pageHash }] });
    expect(d.loadOfflineToken(token)).toEqual({ ok: true });
    d.enterCode('135790');
    const online = await d.stamp();
    expect(online.ok).toBe(true);
    await platform.waitFor(() => puts.length === 2, 5000, 'online photos');

    // Offline: the impression is flagged, its photos wait for the event's PUBACK.
    d.goOffline();
    const offline = await d.stamp({ page: 'different' });
    if (!online.ok || !offline.ok) throw new Error('stamp refused');
    expect(offline.offline).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(puts.map((p) => p.sm3)).toEqual([online.before.sm3, online.after.sm3]);
    d.goOnline();
    await platform.waitFor(() => puts.filter((p) => p.sm3 === offline.after.sm3).length === 1, 5000, 'offline photos');
    await d.uploader!.idle();

    expect(puts.every((p) => p.sm3 === p.bodySm3 && p.device === bundle.dev)).toBe(true);
    const events = platform.events(bundle.dev, 'impression');
    expect(events.map((e) => e.type === 'impression' && e.body.offline)).toEqual([false, true]);
    const after = await puts.find((p) => p.sm3 === online.after.sm3)!.phash;
    expect(hammingDistance(after, pageHash)).toBeLessThanOrEqual(10);
    expect(hammingDistance(await puts.find((p) => p.sm3 === offline.after.sm3)!.phash, pageHash)).toBeGreaterThan(20);
    expect(d.status()).toMatchObject({ photosPending: 0, ink: 96, battery: 98 });
    await d.stop();
  });
});
