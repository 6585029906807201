import { forgedMessage, type Alarm, type Device } from '@cunzhang/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { buildTestApp, openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { auditCount, demoLogin } from '../usecases/support.js';
import { as, expectError, login, type Session } from './http-test-support.js';

let serial = 900;

async function insertDevice(env: TestEnv, orgCode: string): Promise<Device> {
  const now = env.deps.clock.now().toISOString();
  const d: Device = {
    id: `CZ${String(++serial).padStart(10, '0')}`, orgCode, sealId: null, status: 'active', label: `印章柜${serial}`, publicKey: `04${'1'.repeat(128)}`,
    credentialHash: 'x', hbKeyEnc: 'x', geofence: null, hours: null, replaces: null, replacedBy: null, virtual: false, lockWanted: false, lockReason: null,
    lockCommandId: null, model: null, firmware: null, hardware: null, hbSeconds: 60, state: 'locked', online: true, connectedAt: now, lastSeenAt: now,
    seqHigh: 0, seqGaps: [], battery: 90, ink: 90, latE6: null, lngE6: null, clockSkewMs: null, createdAt: now, updatedAt: now, version: 1,
  };
  await env.deps.uow.write((tx) => tx.devices.insert(d));
  return d;
}

for (const dialect of TEST_DIALECTS) {
  describe(`alarm routes [${dialect}]`, () => {
    let env: TestEnv;
    let app: FastifyInstance;
    let approver: Session;
    let officer: Session;
    let alarm: Alarm;
    let other: Alarm;

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      app = await buildTestApp(env);
      // Until app.ts registers them (the lead wires the route plugins), add them here.
      const d = await insertDevice(env, DEMO_VILLAGE);
      const o = await insertDevice(env, DEMO_OTHER_VILLAGE);
      const topic = (x: Device) => `cz/v1/d/${x.id}/up/ev`;
      alarm = (await forgedMessage(env.deps, { deviceId: d.id, reason: 'bad_signature', topic: topic(d) }))!;
      other = (await forgedMessage(env.deps, { deviceId: o.id, reason: 'bad_signature', topic: topic(o) }))!;
      approver = await login(app, demoLogin('village_approver').phone);
      officer = await login(app, demoLogin('station_officer').phone);
    });
    afterAll(async () => {
      await app?.close();
      await env?.close();
    });

    it('GET /api/alarms lists my units\' alarms with names; GET /api/alarms/:id gives the evidence, or 404 outside my units', async () => {
      const list = await app.inject(as(approver, { method: 'GET', url: '/api/alarms?status=open&limit=10' }));
      expect(list.statusCode, list.body).toBe(200);
      const page = list.json() as { items: { id: string; ruleNameZh: string; deviceLabel: string }[]; next: string | null };
      expect(page.items.map((a) => a.id)).toEqual([alarm.id]);
      expect(page.items[0]).toMatchObject({ ruleNameZh: '伪造或重放消息', deviceLabel: expect.stringMatching(/^印章柜/) });
      const detail = await app.inject(as(approver, { method: 'GET', url: `/api/alarms/${alarm.id}` }));
      expect(detail.statusCode).toBe(200);
      expect(detail.json()).toMatchObject({ alarm: { id: alarm.id, evidence: { reason: 'bad_signature' } }, actions: ['acknowledge', 'resolve'], history: [{ action: 'ALARM_RAISED' }] });
      expectError(await app.inject(as(approver, { method: 'GET', url: `/api/alarms/${other.id}` })), 404, 'NOT_FOUND');
      expectError(await app.inject(as(approver, { method: 'GET', url: '/api/alarms?bogus=1' })), 400, 'VALIDATION');
      expectError(await app.inject({ method: 'GET', url: '/api/alarms' }), 401, 'UNAUTHENTICATED');
    });

    it('POST acknowledge and resolve: a note is required, a second step is a conflict, another village is 404', async () => {
      const ack = await app.inject(as(approver, { method: 'POST', url: `/api/alarms/${alarm.id}/acknowledge` }));
      expect(ack.statusCode, ack.body).toBe(200);
      expect(ack.json()).toMatchObject({ status: 'acknowledged' });
      expectError(await app.inject(as(approver, { method: 'POST', url: `/api/alarms/${alarm.id}/acknowledge` })), 409, 'ILLEGAL_TRANSITION');
      const before = await auditCount(env.database);
      expectError(await app.inject(as(approver, { method: 'POST', url: `/api/alarms/${alarm.id}/resolve`, payload: {} })), 400, 'VALIDATION');
      expectError(await app.inject(as(approver, { method: 'POST', url: `/api/alarms/${other.id}/resolve`, payload: { note: '误报' } })), 404, 'NOT_FOUND');
      expect(await auditCount(env.database)).toBe(before);
      const res = await app.inject(as(approver, { method: 'POST', url: `/api/alarms/${alarm.id}/resolve`, payload: { note: '设备固件升级导致签名错误，已回滚' } }));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: 'resolved', note: '设备固件升级导致签名错误，已回滚' });
    });

    it('GET and PUT /api/alarm-rules?townCode=: read by alarm readers, changed by alarm.configure only', async () => {
      const url = `/api/alarm-rules?townCode=${DEMO_TOWN}`;
      const got = await app.inject(as(approver, { method: 'GET', url }));
      expect(got.statusCode).toBe(200);
      expect((got.json() as unknown[]).length).toBe(13);
      const body = { rule: 'offline', enabled: true, severity: 'critical', autoLock: false, threshold: 30 };
      expectError(await app.inject(as(approver, { method: 'PUT', url, payload: body })), 403, 'FORBIDDEN');
      expectError(await app.inject(as(officer, { method: 'PUT', url, payload: { ...body, threshold: 0 } })), 400, 'VALIDATION');
      const put = await app.inject(as(officer, { method: 'PUT', url, payload: body }));
      expect(put.statusCode, put.body).toBe(200);
      expect((put.json() as { rule: string }[]).find((r) => r.rule === 'offline')).toMatchObject({ severity: 'critical', threshold: 30, isDefault: false });
      expectError(await app.inject(as(officer, { method: 'GET', url: '/api/alarm-rules?townCode=12' })), 400, 'VALIDATION');
    });
  });
}
