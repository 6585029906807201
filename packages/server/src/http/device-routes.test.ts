import { decideApplication, submitApplication, type Seal } from '@cunzhang/core';
import { provisioningBundle, verify } from '@cunzhang/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_VILLAGE } from '../demo/seed.js';
import { buildTestApp, openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { actorByPhone, auditCount, demoLogin } from '../usecases/support.js';
import { as, expectError, login, type Session } from './http-test-support.js';
import { endpointsOf } from './routes/devices.js';

const hex = (c: string, n: number): string => c.repeat(n);

for (const dialect of TEST_DIALECTS) {
  describe(`device routes [${dialect}]`, () => {
    let env: TestEnv;
    let app: FastifyInstance;
    let s: Record<'officer' | 'leader' | 'approver' | 'keeper' | 'applicant' | 'other', Session>;
    let seal: Seal;
    let otherSeal: Seal;

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      app = await buildTestApp(env);
      // Until app.ts registers the device routes, the test adds them itself.
      const seals = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], typeCode: 'village_committee', limit: 200 }))).items;
      seal = seals.find((x) => x.orgCode === DEMO_VILLAGE)!;
      otherSeal = seals.find((x) => x.orgCode === DEMO_OTHER_VILLAGE)!;
      const otherUser = (await env.deps.uow.read((tx) => tx.users.get(otherSeal.approverUserIds[0]!)))!;
      s = {
        officer: await login(app, demoLogin('station_officer').phone), leader: await login(app, demoLogin('town_leader').phone),
        approver: await login(app, demoLogin('village_approver').phone), keeper: await login(app, demoLogin('seal_keeper').phone),
        applicant: await login(app, demoLogin('applicant').phone), other: await login(app, env.deps.cipher.decrypt(otherUser.phoneEnc)),
      };
    });
    afterAll(async () => {
      await app?.close();
      await env?.close();
    });

    const post = (who: Session, url: string, payload: unknown) => app.inject(as(who, { method: 'POST', url, payload: payload as object }));
    const get = (who: Session, url: string) => app.inject(as(who, { method: 'GET', url }));
    let deviceId: string;

    it('POST /api/devices provisions: 201 with the bundle once, a QR code, and no caching', async () => {
      const res = await post(s.officer, '/api/devices', { orgCode: DEMO_VILLAGE, label: '前鹤山村委会印章柜', sealId: seal.id, hours: { from: '08:00', to: '18:00' } });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json() as { device: { id: string; sealId: string; lockDisplay: string }; bundle: unknown; qrDataUrl: string };
      const bundle = provisioningBundle.parse(body.bundle);
      expect(bundle.dev).toBe(body.device.id);
      expect(bundle.http).toBe('http://localhost:80');
      expect(bundle.mqtt.url).toMatch(/^mqtt:\/\/localhost:\d+$/);
      expect(body.device).toMatchObject({ sealId: seal.id, lockDisplay: 'unlocked' });
      expect(body.device).not.toHaveProperty('credentialHash');
      expect(body.qrDataUrl).toMatch(/^data:image\/png;base64,/);
      deviceId = body.device.id;
    });

    it('refuses bad input (400), a reader without device.manage (403), another village (404), a taken seal (409), a seal kept elsewhere (422)', async () => {
      const before = await auditCount(env.database);
      expect(expectError(await post(s.officer, '/api/devices', { orgCode: DEMO_VILLAGE, label: 'x', secret: 1 }), 400, 'VALIDATION').field).toBe('secret');
      expect(expectError(await post(s.officer, '/api/devices', { orgCode: '123', label: 'x' }), 400, 'VALIDATION').field).toBe('orgCode');
      expectError(await post(s.keeper, '/api/devices', { orgCode: DEMO_VILLAGE, label: 'x' }), 403, 'FORBIDDEN');
      expectError(await get(s.other, `/api/devices/${deviceId}`), 404, 'NOT_FOUND');
      expect(await auditCount(env.database)).toBe(before);
      const second = (await post(s.officer, '/api/devices', { orgCode: DEMO_VILLAGE, label: '备用柜' })).json() as { device: { id: string } };
      expectError(await post(s.officer, `/api/devices/${second.device.id}/bind`, { sealId: seal.id }), 409, 'CONFLICT');
      expect(expectError(await post(s.officer, `/api/devices/${second.device.id}/bind`, { sealId: otherSeal.id }), 422, 'RULE_VIOLATION').field).toBe('sealId');
      expectError(await post(s.officer, `/api/devices/${second.device.id}/unbind`, {}), 409, 'ILLEGAL_TRANSITION');
      const retired = await post(s.officer, `/api/devices/${second.device.id}/retire`, { reason: '多余' });
      expect(retired.json()).toMatchObject({ status: 'retired' });
      expectError(await post(s.officer, `/api/devices/${second.device.id}/lock`, { reason: '锁定' }), 409, 'ILLEGAL_TRANSITION');
    });

    it('GET lists and shows devices; PATCH sends a config command', async () => {
      const list = await get(s.keeper, '/api/devices?online=false&status=active');
      expect(list.statusCode, list.body).toBe(200);
      expect((list.json() as { items: { id: string }[] }).items.map((d) => d.id)).toContain(deviceId);
      expectError(await get(s.applicant, '/api/devices'), 403, 'FORBIDDEN');
      expectError(await get(s.keeper, '/api/devices?online=maybe'), 400, 'VALIDATION');
      const patched = await app.inject(as(s.leader, { method: 'PATCH', url: `/api/devices/${deviceId}`, payload: { geofence: { latE6: 35_770_000, lngE6: 116_790_000, radiusM: 300 } } }));
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json()).toMatchObject({ device: { geofence: { radiusM: 300 } }, command: { type: 'config', status: 'pending' } });
      const detail = await get(s.keeper, `/api/devices/${deviceId}`);
      expect(detail.statusCode, detail.body).toBe(200);
      const d = detail.json() as { commands: { type: string; status: string }[]; history: { action: string }[]; actions: string[] };
      expect(d.commands.map((c) => [c.type, c.status])).toEqual([['config', 'pending'], ['config', 'superseded']]);
      expect(d.history.map((h) => h.action)).toContain('DEVICE_BOUND');
      expect(d.actions).toEqual(['request_maintenance']);
    });

    it('lock, unlock request and the second person\'s decision; self-approval is 422', async () => {
      const locked = await post(s.approver, `/api/devices/${deviceId}/lock`, { reason: '疑似异常' });
      expect(locked.statusCode, locked.body).toBe(200);
      expect(locked.json()).toMatchObject({ lockWanted: true, lockDisplay: 'locking' });
      expectError(await post(s.approver, `/api/devices/${deviceId}/unlock-requests`, {}), 400, 'VALIDATION');
      const asked = await post(s.leader, `/api/devices/${deviceId}/unlock-requests`, { reason: '已核实' });
      expect(asked.statusCode, asked.body).toBe(201);
      const request = (asked.json() as { request: { id: string; status: string } }).request;
      expect(request.status).toBe('pending');
      expectError(await post(s.approver, `/api/devices/${deviceId}/unlock-requests`, { reason: '再次' }), 409, 'CONFLICT');
      const self = expectError(await post(s.leader, `/api/device-requests/${request.id}/decision`, { approve: true, opinion: '同意' }), 422, 'RULE_VIOLATION');
      expect(self.message).toContain('解锁需第二人');
      expectError(await post(s.approver, `/api/device-requests/${request.id}/decision`, { approve: true, opinion: '同意' }), 403, 'FORBIDDEN');
      expectError(await post(s.other, `/api/device-requests/${request.id}/decision`, { approve: true, opinion: '同意' }), 404, 'NOT_FOUND');
      expectError(await post(s.leader, `/api/device-requests/${request.id}/decision`, { approve: 'yes', opinion: '同意' }), 400, 'VALIDATION');
      const mine = await get(s.leader, '/api/device-requests');
      expect((mine.json() as { id: string; mayDecide: boolean }[]).find((r) => r.id === request.id)).toMatchObject({ mayDecide: false });

      const locked2 = await post(s.leader, '/api/devices', { orgCode: DEMO_VILLAGE, label: '二号柜' });
      const id2 = (locked2.json() as { device: { id: string } }).device.id;
      await post(s.leader, `/api/devices/${id2}/lock`, { reason: '演练' });
      const r2 = (await post(s.approver, `/api/devices/${id2}/unlock-requests`, { reason: '演练结束' })).json() as { request: { id: string } };
      const decided = await post(s.leader, `/api/device-requests/${r2.request.id}/decision`, { approve: true, opinion: '同意' });
      expect(decided.statusCode, decided.body).toBe(200);
      expect(decided.json()).toMatchObject({ request: { status: 'approved' }, command: { type: 'unlock', body: { reason: '演练结束' } } });
      expect((await get(s.leader, `/api/devices/${id2}`)).json()).toMatchObject({ device: { lockDisplay: 'unlocking' } });
    });

    it('maintenance: the keeper asks (201), the approver approves; a non-keeper is 403', async () => {
      expectError(await post(s.officer, `/api/devices/${deviceId}/maintenance-requests`, { kind: 'ink', reason: '加印油' }), 403, 'FORBIDDEN');
      const asked = await post(s.keeper, `/api/devices/${deviceId}/maintenance-requests`, { kind: 'ink', reason: '加印油' });
      expect(asked.statusCode, asked.body).toBe(201);
      const id = (asked.json() as { request: { id: string } }).request.id;
      const waiting = (await get(s.approver, '/api/device-requests')).json() as { id: string; mayDecide: boolean }[];
      expect(waiting.find((r) => r.id === id)).toMatchObject({ mayDecide: true });
      const ok = await post(s.approver, `/api/device-requests/${id}/decision`, { approve: true, opinion: '同意' });
      expect(ok.json()).toMatchObject({ request: { status: 'approved' }, command: { type: 'maintenance', body: { kind: 'ink' } } });
    });

    it('GET /api/applications/:id/device-pass: 200 for the applicant, 403 for others, 409 when not approved', async () => {
      const applicant = await actorByPhone(env.deps, demoLogin('applicant').phone);
      const keeper = await actorByPhone(env.deps, demoLogin('seal_keeper').phone);
      const input = { sealId: seal.id, matterCode: 'cert_residence', reason: '入学', documentTitle: '居住证明', copies: 1, impressions: 1, pages: [{ blobKey: hex('a', 64), thumbKey: hex('f', 64), sm3: hex('a', 64), phash: hex('a', 16) }] };
      const pending = await submitApplication(env.deps, { actor: applicant, input });
      expectError(await get(s.applicant, `/api/applications/${pending.id}/device-pass`), 409, 'ILLEGAL_TRANSITION');
      await decideApplication(env.deps, { actor: keeper, id: pending.id, input: { decision: 'approve', opinion: '同意' } });
      const res = await get(s.applicant, `/api/applications/${pending.id}/device-pass`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const pass = res.json() as { code: string; token: Parameters<typeof verify>[0] & { dev: string }; qrDataUrl: string };
      expect(pass.code).toMatch(/^\d{6}$/);
      expect(pass.token.dev).toBe(deviceId);
      expect(verify(pass.token, env.deps.deviceKeys.platformPublicKey)).toBe(true);
      expect(pass.qrDataUrl).toMatch(/^data:image\/png;base64,/);
      expectError(await get(s.keeper, `/api/applications/${pending.id}/device-pass`), 403, 'FORBIDDEN');
      expectError(await get(s.other, `/api/applications/${pending.id}/device-pass`), 404, 'NOT_FOUND');
    });

    it('POST replace answers 201 with the new bundle; the bundle leaves out the broker\'s own login', async () => {
      const res = await post(s.officer, `/api/devices/${deviceId}/replace`, { reason: '主板故障' });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json() as { device: { id: string; replaces: string; sealId: string }; replaced: { status: string }; bundle: { dev: string } };
      expect(body).toMatchObject({ device: { replaces: deviceId, sealId: seal.id }, replaced: { status: 'retired' } });
      expect(body.bundle.dev).toBe(body.device.id);
      const req = { protocol: 'https', host: 'cz.example.cn', hostname: 'cz.example.cn' } as FastifyRequest;
      const external = endpointsOf({ config: { ...env.config, mqttUrl: 'mqtts://gateway:s3cret@broker.example.cn:8883', mqttPublicUrl: null, publicUrl: null }, broker: null }, req);
      expect(external).toEqual({ mqttUrl: 'mqtts://broker.example.cn:8883', httpBase: 'https://cz.example.cn' });
      const configured = endpointsOf({ config: { ...env.config, mqttPublicUrl: 'mqtts://mqtt.cz.gov.cn:8883', publicUrl: 'https://cz.gov.cn' }, broker: null }, req);
      expect(configured).toEqual({ mqttUrl: 'mqtts://mqtt.cz.gov.cn:8883', httpBase: 'https://cz.gov.cn' });
      const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
      for (const path of ['/api/devices', '/api/devices/{id}/lock', '/api/device-requests/{id}/decision', '/api/applications/{id}/device-pass']) expect(doc.paths).toHaveProperty([path]);
    });
  });
}
