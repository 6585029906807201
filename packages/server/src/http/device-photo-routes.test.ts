import { ingestEvents, provisionDevice } from '@cunzhang/core';
import { perceptualHash, sm3Hex } from '@cunzhang/media';
import { sign, type DeviceEvent } from '@cunzhang/protocol';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VILLAGE } from '../demo/seed.js';
import { buildTestApp, openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { actorByPhone, demoLogin } from '../usecases/support.js';
import { as, expectError, login, pagePhoto } from './http-test-support.js';

describe.each(TEST_DIALECTS)('device photos over HTTP [%s]', (dialect) => {
  let env: TestEnv;
  let app: FastifyInstance;
  let deviceId: string;
  let before: Buffer;
  let after: Buffer;
  let alarmId: string;

  beforeAll(async () => {
    env = await openTestEnv(dialect, { demo: true });
    app = await buildTestApp(env);
    const officer = await actorByPhone(env.deps, demoLogin('station_officer').phone);
    const made = await provisionDevice(env.deps, { actor: officer, input: { orgCode: DEMO_VILLAGE, label: '柜' }, endpoints: { mqttUrl: 'mqtt://x', httpBase: 'http://x' } });
    deviceId = made.device.id;
    [before, after] = [await pagePhoto(1), await pagePhoto(2)];
    const ref = async (b: Buffer) => ({ sm3: sm3Hex(b), phash: await perceptualHash(b), bytes: b.byteLength });
    // The seal pressed with no authorization: a stored event, a critical alarm naming both photos.
    const event = sign({
      v: 1, dev: deviceId, seq: 1, ts: new Date().toISOString(), type: 'impression',
      body: { auth: null, n: 0, lat_e6: 35_842_000, lng_e6: 116_703_000, acc_m: 5, before: await ref(before), after: await ref(after), operator: null, offline: false },
    }, made.bundle.private_key!) as DeviceEvent;
    const [result] = await ingestEvents(env.deps, { items: [{ deviceId, event, receivedAt: new Date().toISOString() }] });
    alarmId = result!.alarms.find((a) => a.rule === 'unauthorized_impression')!.id;
  });
  afterAll(async () => {
    await app?.close();
    await env?.close();
  });

  const put = (sm3: string, body: Buffer, device = deviceId, type = 'image/jpeg') =>
    app.inject({ method: 'PUT', url: `/api/device-photos/${sm3}`, headers: { 'content-type': type, 'x-cunzhang-device': device }, payload: body });

  it('takes a photo an impression event announced, once, and refuses any other bytes', async () => {
    expectError(await put(sm3Hex(before), after), 422, 'RULE_VIOLATION'); // bytes not matching the name
    expectError(await put(sm3Hex(await pagePhoto(3)), await pagePhoto(3)), 404, 'NOT_FOUND'); // never announced
    expectError(await put(sm3Hex(before), before, 'CZ0000000000'), 404, 'NOT_FOUND'); // announced by another device
    expectError(await put('nothex', before), 400, 'VALIDATION');
    expect((await app.inject({ method: 'PUT', url: `/api/device-photos/${sm3Hex(before)}`, headers: { 'content-type': 'image/jpeg' }, payload: before })).statusCode).toBe(400);
    expect((await put(sm3Hex(before), before, deviceId, 'application/pdf')).statusCode).toBe(415);
    const first = await put(sm3Hex(before), before);
    expect(first.statusCode).toBe(201);
    const again = await put(sm3Hex(before), before);
    expect([again.statusCode, again.json()]).toEqual([200, { stored: false }]);
    expect(await env.deps.uow.read((tx) => tx.devices.photo(sm3Hex(before)))).toMatchObject({ deviceId, storedAt: expect.any(String), thumbKey: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('shows an alarm\'s photos to those who may read the alarm, and nothing else', async () => {
    const supervisor = await login(app, demoLogin('supervisor').phone);
    const full = await app.inject(as(supervisor, { method: 'GET', url: `/api/alarms/${alarmId}/photos/${sm3Hex(before)}` }));
    expect(full.statusCode).toBe(200);
    expect(full.rawPayload.equals(before)).toBe(true);
    const thumb = await app.inject(as(supervisor, { method: 'GET', url: `/api/alarms/${alarmId}/photos/${sm3Hex(before)}?size=thumb` }));
    expect([thumb.statusCode, thumb.headers['content-type']]).toEqual([200, 'image/jpeg']);
    // Named in the evidence but not uploaded yet.
    expectError(await app.inject(as(supervisor, { method: 'GET', url: `/api/alarms/${alarmId}/photos/${sm3Hex(after)}` })), 404, 'NOT_FOUND');
    const applicant = await login(app, demoLogin('applicant').phone);
    expect((await app.inject(as(applicant, { method: 'GET', url: `/api/alarms/${alarmId}/photos/${sm3Hex(before)}` }))).statusCode).toBeGreaterThanOrEqual(403);
  });
});
