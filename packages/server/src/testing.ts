import type { Deps } from '@cunzhang/core';
import { ensureBuiltinSealTypes, FsBlobStore, openTestDatabase, unitOfWork, type TestDatabase } from '@cunzhang/store';
import type { Dialect } from '@cunzhang/store';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from './config.js';
import { HESHAN_CSV } from './server.js';
import { seedDemo } from './demo/seed.js';
import { buildApp } from './http/app.js';
import { LiveHub } from './http/live.js';
import { createMetrics } from './http/metrics.js';
import { argon2Hasher, sm4FieldCipher, totp, ulidIds } from './infra/crypto.js';
import { deviceKeys } from './infra/device-keys.js';
import { authenticator } from 'otplib';

export { TEST_DIALECTS } from '@cunzhang/store';

export interface TestEnv {
  database: TestDatabase;
  deps: Deps;
  config: Readonly<Config>;
  dataDir: string;
  /** Advances the test clock. */
  tick(ms: number): void;
  close(): Promise<void>;
}

/** A fresh database of `dialect` with the use-case deps wired as in production, and a movable clock. */
export async function openTestEnv(dialect: Dialect, opts: { demo?: boolean; env?: Record<string, string> } = {}): Promise<TestEnv> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cz-test-'));
  const database = await openTestDatabase(dialect);
  const config = loadConfig({ CUNZHANG_DATA_DIR: dataDir, CUNZHANG_PORT: '0', CUNZHANG_MQTT_PORT: '0', CUNZHANG_LOG_LEVEL: 'silent', ...opts.env });
  let offset = 0;
  const masterKey = randomBytes(32);
  const deps: Deps = {
    uow: unitOfWork(database),
    deviceKeys: deviceKeys(masterKey),
    clock: { now: () => new Date(Date.now() + offset) },
    ids: ulidIds,
    hasher: argon2Hasher,
    cipher: sm4FieldCipher(masterKey),
    totp: totp('cunzhang-test'),
    policy: {
      maxFailedLogins: config.maxFailedLogins, lockoutMinutes: config.lockoutMinutes, sessionHours: config.sessionHours,
      minPasswordLength: 8, separateApprovalAndCustody: config.separateApprovalAndCustody,
      maxImpressions: config.maxImpressions, maxPages: config.maxPages, applicationExpiryDays: config.applicationExpiryDays, timeZone: config.tz, unlockSecondPerson: config.unlockSecondPerson,
    },
  };
  await ensureBuiltinSealTypes(deps.uow);
  if (opts.demo) await seedDemo(deps, { csvPath: HESHAN_CSV });
  return {
    database, deps, config, dataDir,
    tick: (ms) => { offset += ms; },
    close: async () => {
      await database.cleanup();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The HTTP app over a test env (no listener, no broker): drive it with app.inject. */
export async function buildTestApp(env: TestEnv, opts: { live?: LiveHub; liveHeartbeatMs?: number } = {}): Promise<FastifyInstance> {
  const metrics = createMetrics({ dbUp: () => env.database.ping(), brokerUp: () => true });
  return buildApp({
    config: env.config, deps: env.deps, blobs: testBlobs(env), database: env.database,
    broker: null, metrics, live: opts.live ?? new LiveHub(), webRoot: null, ...(opts.liveHeartbeatMs ? { liveHeartbeatMs: opts.liveHeartbeatMs } : {}),
  });
}

/** The blob store a test app uses (files under the env's data directory). */
export const testBlobs = (env: TestEnv): FsBlobStore => new FsBlobStore(path.join(env.dataDir, 'blobs'));

const lastStepOf = new Map<string, number>();

/**
 * A TOTP code the server has not seen yet for `who`. The server refuses a code whose time step
 * was used before (replay), so a test that logs the same person in several times takes the
 * next step each time (the server accepts one step of drift), waiting when it must.
 */
export async function freshTotpCode(secret: string, who: string): Promise<string> {
  const now = Math.floor(Date.now() / 30_000);
  const step = Math.max(now, (lastStepOf.get(who) ?? 0) + 1);
  if (step > now + 1) await new Promise((r) => setTimeout(r, (step - 1) * 30_000 - Date.now() + 200));
  lastStepOf.set(who, step);
  return authenticator.clone({ epoch: step * 30_000 }).generate(secret);
}
