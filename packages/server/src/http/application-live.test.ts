import type { Seal } from '@cunzhang/core';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VILLAGE } from '../demo/seed.js';
import { sweepApplications } from '../sweeper.js';
import { buildTestApp, openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { auditSince, demoLogin, lastSeq } from '../usecases/support.js';
import { as, expectError, login, multipart, pagePhoto, type Session } from './http-test-support.js';
import { LiveHub, type LiveEvent } from './live.js';
import { createMetrics } from './metrics.js';

const DAY = 86_400_000;

for (const dialect of TEST_DIALECTS) {
  describe(`application decisions over time, and live updates [${dialect}]`, () => {
    let env: TestEnv;
    let app: FastifyInstance;
    let live: LiveHub;
    let s: Record<'applicant' | 'keeper' | 'approver' | 'clerk', Session>;
    let ids: Record<'applicant' | 'keeper' | 'approver', string>;
    let seal: Seal;
    let photo: Buffer;
    const heard: Record<string, LiveEvent[]> = {};

    const file = async (who: Session, over: Record<string, unknown> = {}): Promise<string> => {
      const body = multipart([
        { name: 'data', value: JSON.stringify({ sealId: seal.id, matterCode: 'cert_income', reason: '申请低保需要家庭收入证明', documentTitle: '家庭收入证明', copies: 1, impressions: 1, ...over }) },
        { name: 'page', filename: 'p.jpg', contentType: 'image/jpeg', bytes: photo },
      ]);
      const res = await app.inject(as(who, { method: 'POST', url: '/api/applications', payload: body.payload, headers: body.headers }));
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const decide = (who: Session, id: string, decision = 'approve') =>
      app.inject(as(who, { method: 'POST', url: `/api/applications/${id}/decision`, payload: { decision, opinion: '同意' } }));
    const userId = async (phone: string) => (await env.deps.uow.read((tx) => tx.users.byPhoneIndex(env.deps.cipher.index(phone))))!.id;
    const sweep = () => sweepApplications({ deps: env.deps, live, metrics: createMetrics({ dbUp: async () => true, brokerUp: () => true }), config: env.config });

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true, env: { CUNZHANG_REMINDER_MINUTES: '60', CUNZHANG_APPLICATION_EXPIRY_DAYS: '7' } });
      live = new LiveHub();
      app = await buildTestApp(env, { live, liveHeartbeatMs: 200 });
      seal = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [DEMO_VILLAGE], typeCode: 'village_committee', limit: 5 }))).items[0]!;
      s = {
        applicant: await login(app, demoLogin('applicant').phone), keeper: await login(app, demoLogin('seal_keeper').phone),
        approver: await login(app, demoLogin('village_approver').phone), clerk: await login(app, demoLogin('service_clerk').phone),
      };
      ids = { applicant: await userId(demoLogin('applicant').phone), keeper: await userId(demoLogin('seal_keeper').phone), approver: await userId(demoLogin('village_approver').phone) };
      for (const [who, id] of Object.entries(ids)) live.subscribe(id, (e) => (heard[who] ??= []).push(e));
      photo = await pagePhoto(5);
    });
    afterAll(async () => {
      await app?.close();
      await env?.close();
    });

    const lastHeard = (who: string, id: string) => (heard[who] ?? []).filter((e) => e.applicationId === id).map((e) => e.type);

    it('tells the applicant, keeper and approver of each step as it happens', async () => {
      const id = await file(s.applicant);
      expect(lastHeard('approver', id)).toEqual(['submitted']);
      expect(lastHeard('keeper', id)).toEqual(['submitted']);
      expect(lastHeard('applicant', id)).toEqual(['submitted']);
      await decide(s.approver, id);
      expect(lastHeard('applicant', id)).toEqual(['submitted', 'approved']);
      const revoked = await app.inject(as(s.approver, { method: 'POST', url: `/api/applications/${id}/revoke`, payload: { reason: '申请人材料有误' } }));
      expect(revoked.statusCode, revoked.body).toBe(200);
      expect(lastHeard('keeper', id)).toEqual(['submitted', 'approved', 'revoked']);
      // The revoked application shows so, and cannot be approved again.
      const detail = (await app.inject(as(s.applicant, { method: 'GET', url: `/api/applications/${id}` }))).json();
      expect(detail.application.status).toBe('revoked');
      expect(detail.authorization).toMatchObject({ status: 'revoked' });
      expect(expectError(await decide(s.approver, id), 409, 'ILLEGAL_TRANSITION').message).toMatch(/revoked already/);
    });

    it('streams the events over server-sent events to a logged-in browser', async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const addr = app.server.address() as { port: number };
      const controller = new AbortController();
      const cookie = Object.entries(s.approver.cookies).map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(`http://127.0.0.1:${addr.port}/api/live`, { headers: { cookie }, signal: controller.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      const id = await file(s.applicant, { documentTitle: '实时推送测试' });
      let text = '';
      const deadline = Date.now() + 5000;
      while (!text.includes(id) && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      const block = text.split('\n\n').find((b) => b.includes(id))!;
      expect(block).toMatch(/^id: .*\nevent: application\ndata: /m);
      expect(JSON.parse(block.split('data: ')[1]!)).toMatchObject({ type: 'submitted', applicationId: id, status: 'pending', documentTitle: '实时推送测试', orgCode: DEMO_VILLAGE });
      // Without a session there is no stream.
      expectError(await app.inject({ method: 'GET', url: '/api/live' }), 401, 'UNAUTHENTICATED');
      // A logout ends an open stream at the next heartbeat.
      const approver2 = await login(app, demoLogin('village_approver').phone);
      const cookie2 = Object.entries(approver2.cookies).map(([k, v]) => `${k}=${v}`).join('; ');
      const res2 = await fetch(`http://127.0.0.1:${addr.port}/api/live`, { headers: { cookie: cookie2 } });
      const reader2 = res2.body!.getReader();
      await reader2.read();
      expect((await app.inject(as(approver2, { method: 'POST', url: '/api/auth/logout' }))).statusCode).toBeLessThan(300);
      const until = Date.now() + 5000;
      let done = false;
      while (!done && Date.now() < until) done = (await reader2.read()).done;
      expect(done).toBe(true);
    });

    it('never lets somebody approve their own application', async () => {
      const grantId = env.deps.ids.next();
      await env.deps.uow.write((tx) => tx.grants.insert({ id: grantId, userId: ids.approver, role: 'applicant', orgCode: DEMO_VILLAGE, createdAt: new Date().toISOString() }));
      try {
        const id = await file(s.approver, { documentTitle: '本人申请' });
        const seq = await lastSeq(env.database);
        expect(expectError(await decide(s.approver, id), 422, 'RULE_VIOLATION').message).toMatch(/nobody approves their own application/);
        expect(await auditSince(env.deps, seq)).toEqual([]);
        // Nor is it in their own inbox.
        const inbox = (await app.inject(as(s.approver, { method: 'GET', url: '/api/applications?box=inbox' }))).json();
        expect(inbox.items.map((i: { id: string }) => i.id)).not.toContain(id);
      } finally {
        await env.deps.uow.write((tx) => tx.grants.delete(grantId));
      }
    });

    it('reminds the deciders, not the applicant, once the wait passes the reminder time, and again after as long', async () => {
      const id = await file(s.applicant, { documentTitle: '等待提醒' });
      heard.approver = [];
      heard.applicant = [];
      await sweep();
      expect(lastHeard('approver', id)).toEqual([]);
      env.tick(61 * 60_000);
      expect((await sweep()).reminded).toBeGreaterThanOrEqual(1);
      expect(lastHeard('approver', id)).toEqual(['reminder']);
      expect(lastHeard('applicant', id)).toEqual([]);
      await sweep();
      expect(lastHeard('approver', id)).toEqual(['reminder']);
      env.tick(61 * 60_000);
      await sweep();
      expect(lastHeard('approver', id)).toEqual(['reminder', 'reminder']);
      await decide(s.approver, id, 'reject');
    });

    it('lapses an application nobody decided within the expiry days; deciding it then is refused', async () => {
      const id = await file(s.applicant, { documentTitle: '无人审批' });
      env.tick(7 * DAY + 60_000);
      // Sessions last hours, not days: everybody logs in again.
      for (const r of ['applicant', 'keeper', 'approver', 'clerk'] as const) s[r] = await login(app, demoLogin(r === 'approver' ? 'village_approver' : r === 'keeper' ? 'seal_keeper' : r === 'clerk' ? 'service_clerk' : 'applicant').phone);
      const seq = await lastSeq(env.database);
      expect(expectError(await decide(s.approver, id), 409, 'ILLEGAL_TRANSITION').message).toMatch(/expired at/);
      expect(await auditSince(env.deps, seq)).toEqual([]);
      heard.applicant = [];
      const r = await sweep();
      expect(r.expired).toBeGreaterThanOrEqual(1);
      expect(lastHeard('applicant', id)).toEqual(['expired']);
      const trail = await auditSince(env.deps, seq);
      expect(trail.filter((e) => e.targetId === id).map((e) => [e.action, e.actorId])).toEqual([['APPLICATION_EXPIRED', 'system']]);
      const detail = (await app.inject(as(s.applicant, { method: 'GET', url: `/api/applications/${id}` }))).json();
      expect(detail.application.status).toBe('expired');
      expect(detail.actions).toEqual([]);
      // A second sweep finds nothing more to lapse for this one.
      expect((await sweep()).expired).toBe(0);
    });

    it('lets a named deputy decide for an away approver; the record shows both', async () => {
      const keeperGrantless = demoLogin('town_leader');
      const deputy = await login(app, keeperGrantless.phone);
      const deputyId = await userId(keeperGrantless.phone);
      const candidates = (await app.inject(as(s.approver, { method: 'GET', url: `/api/delegation-candidates?orgCode=${DEMO_VILLAGE}` }))).json();
      expect(candidates.map((c: { id: string }) => c.id)).toContain(deputyId);
      const now = env.deps.clock.now();
      const created = await app.inject(as(s.approver, {
        method: 'POST', url: '/api/delegations',
        payload: { deputyUserId: deputyId, orgCode: DEMO_VILLAGE, validFrom: now.toISOString(), validUntil: new Date(now.getTime() + 3 * DAY).toISOString() },
      }));
      expect(created.statusCode, created.body).toBe(201);
      const mine = (await app.inject(as(s.approver, { method: 'GET', url: '/api/delegations' }))).json();
      expect(mine.given).toEqual([expect.objectContaining({ deputyUserId: deputyId, deputyName: keeperGrantless.name })]);
      // A delegation that starts later is listed too, and gives no power yet.
      const later = await app.inject(as(s.approver, {
        method: 'POST', url: '/api/delegations',
        payload: { deputyUserId: deputyId, orgCode: DEMO_VILLAGE, validFrom: new Date(now.getTime() + 10 * DAY).toISOString(), validUntil: new Date(now.getTime() + 12 * DAY).toISOString() },
      }));
      expect(later.statusCode, later.body).toBe(201);
      const received = (await app.inject(as(deputy, { method: 'GET', url: '/api/delegations' }))).json().received;
      expect(received.map((d: { validFrom: string }) => d.validFrom)).toEqual([now.toISOString(), later.json().validFrom]);
      const id = await file(s.applicant, { documentTitle: '代批' });
      const res = await decide(deputy, id);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().application).toMatchObject({ decidedBy: deputyId, decidedByName: keeperGrantless.name, decidedForUserId: ids.approver, decidedForName: demoLogin('village_approver').name });
      // The approver comes back and ends the delegation: the deputy decides no more, and cancels the later one too.
      expectError(await app.inject(as(deputy, { method: 'DELETE', url: `/api/delegations/${created.json().id}` })), 404, 'NOT_FOUND');
      const ended = await app.inject(as(s.approver, { method: 'DELETE', url: `/api/delegations/${created.json().id}` }));
      expect(ended.statusCode, ended.body).toBe(200);
      expect((await app.inject(as(s.approver, { method: 'DELETE', url: `/api/delegations/${later.json().id}` }))).statusCode).toBe(200);
      expect((await app.inject(as(deputy, { method: 'GET', url: '/api/delegations' }))).json().received).toEqual([]);
      const next = await file(s.applicant, { documentTitle: '代批结束后' });
      expectError(await decide(deputy, next), 403, 'FORBIDDEN');
      expectError(await app.inject(as(s.approver, { method: 'DELETE', url: `/api/delegations/${created.json().id}` })), 409, 'ILLEGAL_TRANSITION');
      // A town leader does not delegate through this: the town arranges its own stand-ins.
      const leaderDelegates = await app.inject(as(deputy, {
        method: 'POST', url: '/api/delegations',
        payload: { deputyUserId: ids.approver, orgCode: DEMO_VILLAGE, validFrom: now.toISOString(), validUntil: new Date(now.getTime() + DAY).toISOString() },
      }));
      expectError(leaderDelegates, 403, 'FORBIDDEN');
    });
  });
}
