import type { Alarm, Deps } from '@cunzhang/core';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmWebhooks, evidenceSummaryZh, type WebhookOutcome } from './alarm-webhooks.js';

const alarm = (patch: Partial<Alarm> = {}): Alarm => ({
  id: '01JALARM0000000000000000AA', orgCode: '370921113201', deviceId: 'CZ0000000001', sealId: 'S1', rule: 'unauthorized_impression', severity: 'critical',
  status: 'open', evidence: { reason: 'over_count', impressionsAllowed: 2, impressionsUsedBefore: 2 }, eventSeq: 9, dedupeKey: null, autoLocked: true,
  createdAt: '2026-11-27T02:03:04.000Z', acknowledgedBy: null, acknowledgedAt: null, resolvedBy: null, resolvedAt: null, note: null, version: 1, ...patch,
});

/** Names as the store would give them, without a database. */
const deps = {
  uow: {
    read: async <T>(fn: (tx: never) => Promise<T>) => fn({
      orgs: { get: async () => ({ name: '前鹤山村' }) },
      devices: { get: async () => ({ label: '村委会印章柜' }) },
      seals: { get: async () => ({ name: '前鹤山村民委员会印章' }) },
    } as never),
  },
} as unknown as Pick<Deps, 'uow'>;

interface Hit { path: string; body: Record<string, unknown> }

describe('alarm webhooks (DingTalk and WeCom robots)', () => {
  let server: Server;
  let base: string;
  const hits: Hit[] = [];
  /** path → what to do on each successive request to it. */
  const plan = new Map<string, ('ok' | 'errcode' | 'http500' | 'hang')[]>();

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString('utf8')));
      req.on('end', () => {
        const path = req.url ?? '';
        hits.push({ path, body: JSON.parse(data) as Record<string, unknown> });
        const step = plan.get(path)?.shift() ?? 'ok';
        if (step === 'hang') return; // never answers: the sender's timeout must fire
        if (step === 'http500') return res.writeHead(500).end('oops');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(step === 'ok' ? { errcode: 0, errmsg: 'ok' } : { errcode: 310000, errmsg: 'keywords not in content' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const hooks = (outcomes: WebhookOutcome[], paths: [string, string]) => new AlarmWebhooks({
    targets: [{ kind: 'dingtalk', url: `${base}${paths[0]}` }, { kind: 'wecom', url: `${base}${paths[1]}` }],
    deps, publicUrl: 'https://cz.example.cn', timeoutMs: 300, retryDelayMs: 20, onOutcome: (o) => outcomes.push(o),
  });

  it('sends Chinese markdown in each robot\'s format: rule, village, device, Shanghai time, severity, evidence, link', async () => {
    const outcomes: WebhookOutcome[] = [];
    const w = hooks(outcomes, ['/ding1', '/wecom1']);
    const started = Date.now();
    w.notify(alarm());
    expect(Date.now() - started).toBeLessThan(20); // returns at once
    await w.idle();
    const ding = hits.find((h) => h.path === '/ding1')!.body as { msgtype: string; markdown: { title: string; text: string } };
    const wecom = hits.find((h) => h.path === '/wecom1')!.body as { msgtype: string; markdown: { content: string } };
    expect(ding.msgtype).toBe('markdown');
    expect(ding.markdown.title).toBe('【村章告警】未授权用印');
    for (const text of [ding.markdown.text, wecom.markdown.content]) {
      expect(text).toContain('前鹤山村');
      expect(text).toContain('村委会印章柜（前鹤山村民委员会印章）');
      expect(text).toContain('2026/11/27 10:03:04');
      expect(text).toContain('严重（已自动锁定设备）');
      expect(text).toContain('超出批准的用印次数（准 2 次，已用 2 次）');
      expect(text).toContain('(https://cz.example.cn/alarms/01JALARM0000000000000000AA)');
    }
    expect(Object.keys(wecom.markdown)).toEqual(['content']);
    expect(outcomes.map((o) => [o.kind, o.ok, o.attempts])).toEqual(expect.arrayContaining([['dingtalk', true, 1], ['wecom', true, 1]]));
    expect([w.delivered, w.failures]).toEqual([2, 0]);
  });

  it('tries once more after an error or a timeout, then counts the failure; never throws', async () => {
    plan.set('/ding2', ['http500', 'ok']);
    plan.set('/wecom2', ['hang', 'errcode']);
    const outcomes: WebhookOutcome[] = [];
    const w = hooks(outcomes, ['/ding2', '/wecom2']);
    w.notify(alarm({ rule: 'tamper', evidence: { kind: 'case_open' }, autoLocked: true }));
    await w.idle();
    expect(outcomes.find((o) => o.kind === 'dingtalk')).toMatchObject({ ok: true, attempts: 2 });
    expect(outcomes.find((o) => o.kind === 'wecom')).toMatchObject({ ok: false, attempts: 2, error: expect.stringMatching(/errcode 310000/) });
    expect([w.delivered, w.failures]).toEqual([1, 1]);
    expect(hits.filter((h) => h.path === '/wecom2')).toHaveLength(2);
  });

  it('keeps notices below the least severity off the chat, and summarises every rule', () => {
    const w = new AlarmWebhooks({ targets: [{ kind: 'wecom', url: `${base}/never` }], deps, publicUrl: null });
    w.notify(alarm({ rule: 'low_ink', severity: 'info', evidence: { ink: 8 } }));
    expect(hits.some((h) => h.path === '/never')).toBe(false);
    expect(evidenceSummaryZh({ rule: 'offline', evidence: { minutes: 42 } })).toBe('已离线 42 分钟');
    expect(evidenceSummaryZh({ rule: 'geofence', evidence: { distanceM: 1300, beyondM: 1050 } })).toBe('距围栏中心 1300 米，超出围栏 1050 米');
    expect(evidenceSummaryZh({ rule: 'clock_skew', evidence: { skewMs: -400_000 } })).toBe('设备时钟偏差 -400 秒');
  });
});
