/**
 * Shared by the device end-to-end suites (not a test file itself): a real server (HTTP, broker,
 * gateway, outbox, sweeper) on a temporary data directory and a fresh database, a device of
 * our own provisioned and bound as the station officer would, an application filed with
 * photographed pages and approved over HTTP, and small readers of the rows and metrics.
 */
import { getDevicePass, provisionDevice, type Actor, type Deps } from '@cunzhang/core';
import { EmulatedDevice, type DeviceOptions, type PageSource } from '@cunzhang/device';
import type { ProvisioningBundle } from '@cunzhang/protocol';
import { openTestDatabase, type Database, type Dialect, type TestDatabase } from '@cunzhang/store';
import type { FastifyInstance } from 'fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { loadConfig } from '../config.js';
import { DEMO_VILLAGE } from '../demo/seed.js';
import { as, login, multipart, type Session } from '../http/http-test-support.js';
import { startServer, type RunningServer } from '../server.js';
import { actorByPhone, demoLogin } from '../usecases/support.js';

export { TEST_DIALECTS } from '@cunzhang/store';

export interface E2E {
  server: RunningServer;
  deps: Deps;
  database: Database;
  dataDir: string;
  /** The broker address devices use (embedded or external). */
  mqttUrl: string;
  close(): Promise<void>;
}

/** A fresh data directory, and on PostgreSQL a fresh database; removed by `drop`. */
export async function freshStorage(dialect: Dialect): Promise<{ dataDir: string; env: Record<string, string>; drop(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cz-e2e-'));
  const pg: TestDatabase | null = dialect === 'postgres' ? await openTestDatabase('postgres') : null;
  return {
    dataDir,
    env: { CUNZHANG_DATA_DIR: dataDir, ...(pg ? { CUNZHANG_DATABASE_URL: pg.url! } : {}) },
    drop: async () => {
      await pg?.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The settings every suite shares: quiet, port 0, no in-server virtual devices. */
export const baseEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  CUNZHANG_HOST: '127.0.0.1', CUNZHANG_PORT: '0', CUNZHANG_MQTT_PORT: '0', CUNZHANG_LOG_LEVEL: 'silent', CUNZHANG_DEMO: 'true',
  CUNZHANG_VIRTUAL_DEVICES: 'false', CUNZHANG_MAX_IMPRESSIONS: '1000', ...extra,
});

/** Starts the whole product on `dialect` (demo data of 鹤山镇 unless CUNZHANG_DEMO=false). */
export async function startE2E(dialect: Dialect, env: Record<string, string> = {}): Promise<E2E> {
  const storage = await freshStorage(dialect);
  try {
    const server = await startServer(loadConfig(baseEnv({ ...storage.env, ...env })), { logger: false, webRoot: null });
    return {
      server, deps: server.runtime.deps, database: server.runtime.database, dataDir: storage.dataDir,
      mqttUrl: env.CUNZHANG_MQTT_URL ?? `mqtt://127.0.0.1:${server.broker.port}`,
      close: async () => {
        await server.close().catch(() => undefined);
        await storage.drop();
      },
    };
  } catch (e) {
    await storage.drop();
    throw e;
  }
}

/** Allowed hours around `at` in local time, so a test never trips the off-hours rule whatever the hour. */
export function hoursAround(at: Date, tz = 'Asia/Shanghai', beforeMin = 120, afterMin = 240): { from: string; to: string } {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return { from: f.format(new Date(at.getTime() - beforeMin * 60_000)), to: f.format(new Date(at.getTime() + afterMin * 60_000)) };
}

export interface People { officer: Actor; applicant: Actor }

export async function people(deps: Deps): Promise<People> {
  return { officer: await actorByPhone(deps, demoLogin('station_officer').phone), applicant: await actorByPhone(deps, demoLogin('applicant').phone) };
}

/** The demo village's committee seal (前鹤山村), bound to no device while virtual devices are off. */
export async function villageSeal(deps: Deps, orgCode = DEMO_VILLAGE): Promise<string> {
  const seals = await deps.uow.read((tx) => tx.seals.list({ scopes: [orgCode], orgCode, typeCode: 'village_committee', limit: 1 }));
  return seals.items[0]!.id;
}

/** Provisions a device as the station officer (bound to `sealId` when given) and returns its bundle. */
export async function provision(e: E2E, opts: { orgCode?: string; sealId?: string; label?: string; at?: Date } = {}): Promise<ProvisioningBundle> {
  const { officer } = await people(e.deps);
  const { bundle } = await provisionDevice(e.deps, {
    actor: officer,
    input: { orgCode: opts.orgCode ?? DEMO_VILLAGE, label: opts.label ?? '前鹤山村测试印章柜', ...(opts.sealId ? { sealId: opts.sealId } : {}), hours: hoursAround(opts.at ?? e.deps.clock.now()) },
    endpoints: { mqttUrl: e.mqttUrl, httpBase: e.server.url },
  });
  return bundle;
}

/** The approved page images, read from the server's blob store by the SM3 the token names. */
export const blobPages = (e: E2E): PageSource => async (token, pageNo) => {
  const page = token.pages.find((p) => p.no === pageNo);
  return page ? e.server.runtime.blobs.get(page.sm3) : null;
};

/** An emulated device on `bundle` (no heartbeats during a test unless asked), started and connected. */
export async function startDevice(bundle: ProvisioningBundle, opts: Partial<DeviceOptions> = {}): Promise<EmulatedDevice> {
  const d = new EmulatedDevice({ bundle, hbS: 3600, reconnectMs: 200, connectTimeoutMs: 3000, upload: { firstBackoffMs: 100, maxBackoffMs: 500 }, drain: { battery: 0, ink: 0 }, ...opts });
  await d.start();
  return d;
}

export interface Sessions { applicant: Session; approver: Session }

export async function sessions(app: FastifyInstance): Promise<Sessions> {
  return { applicant: await login(app, demoLogin('applicant').phone), approver: await login(app, demoLogin('village_approver').phone) };
}

/** The applicant files a certificate application with photographed pages; the village approver approves it. */
export async function approvedApplication(app: FastifyInstance, s: Sessions, sealId: string, pages: Buffer[], impressions: number): Promise<{ appId: string; authId: string }> {
  const data = { sealId, matterCode: 'cert_income', reason: '申请低保需要家庭收入证明', documentTitle: '家庭收入证明', copies: 1, impressions };
  const body = multipart([{ name: 'data', value: JSON.stringify(data) }, ...pages.map((bytes, i) => ({ name: 'page', filename: `p${i + 1}.jpg`, contentType: 'image/jpeg', bytes }))]);
  const filed = await app.inject(as(s.applicant, { method: 'POST', url: '/api/applications', payload: body.payload, headers: body.headers }));
  expect(filed.statusCode, filed.body).toBe(201);
  const appId = filed.json<{ id: string }>().id;
  const decided = await app.inject(as(s.approver, { method: 'POST', url: `/api/applications/${appId}/decision`, payload: { decision: 'approve', opinion: '情况属实，同意' } }));
  expect(decided.statusCode, decided.body).toBe(200);
  return { appId, authId: decided.json<{ authorization: { id: string } }>().authorization.id };
}

/** The one-time operator code the applicant's phone shows (GET /api/applications/:id/device-pass). */
export async function operatorCode(app: FastifyInstance, s: Sessions, appId: string): Promise<string> {
  const res = await app.inject(as(s.applicant, { method: 'GET', url: `/api/applications/${appId}/device-pass` }));
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ code: string }>().code;
}

/** The same, straight from the use-case (no HTTP app at hand, e.g. a server in another process). */
export async function operatorCodeOf(deps: Deps, appId: string): Promise<string> {
  return (await getDevicePass(deps, { actor: (await people(deps)).applicant, applicationId: appId })).code;
}

/** Polls `probe` until it returns a truthy value (or throws after `ms`, naming `what`). */
export async function waitFor<T>(what: string, probe: () => Promise<T> | T, ms = 10_000, every = 25): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Sequence numbers stored for a device, ascending (duplicates would show twice). */
export async function storedSeqs(database: Database, deviceId: string): Promise<number[]> {
  const rows = await database.db.selectFrom('device_events').select('seq').where('device_id', '=', deviceId).orderBy('seq').execute();
  return rows.map((r) => Number(r.seq));
}

export async function alarmsOf(database: Database, deviceId: string): Promise<{ rule: string; severity: string; autoLocked: boolean; evidence: Record<string, unknown> }[]> {
  const rows = await database.db.selectFrom('alarms').select(['rule', 'severity', 'auto_locked', 'evidence']).where('device_id', '=', deviceId).orderBy('created_at').execute();
  return rows.map((r) => ({ rule: r.rule, severity: r.severity, autoLocked: Boolean(r.auto_locked), evidence: JSON.parse(r.evidence) as Record<string, unknown> }));
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The device message counters of /metrics: `kind/result` → count. */
export async function deviceCounters(app: FastifyInstance): Promise<Record<string, number>> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  const out: Record<string, number> = {};
  for (const line of res.body.split('\n')) {
    const m = /^cunzhang_device_messages_total\{([^}]*)\} (\d+)/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    out[`${labels.kind}/${labels.result}`] = Number(m[2]);
  }
  return out;
}
