import type { BlobStore, Deps } from '@cunzhang/core';
import { ensureBuiltinSealTypes, FsBlobStore, migrateToLatest, openDatabase, unitOfWork, type Database } from '@cunzhang/store';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from './config.js';
import { argon2Hasher, sm4FieldCipher, totp, ulidIds } from './infra/crypto.js';
import { loadMasterKey } from './infra/master-key.js';
import { deviceKeys } from './infra/device-keys.js';

export interface Runtime {
  config: Readonly<Config>;
  database: Database;
  deps: Deps;
  blobs: BlobStore;
  close(): Promise<void>;
}

function describeDbError(url: string, err: unknown): ConfigError {
  const safe = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  const msg = err instanceof Error ? err.message : String(err);
  // The migrator wraps the driver's error in its own message; the network code is still in it.
  const code = (err as { code?: string }).code ?? /\b(E[A-Z]{4,})\b/.exec(msg)?.[1];
  return new ConfigError('CUNZHANG_DATABASE_URL', `cannot reach ${safe} (${code ?? msg}); start PostgreSQL or fix the URL, or unset it to use SQLite`);
}

/** Opens storage and assembles the use-case dependencies; no network listeners yet. */
export async function openRuntime(config: Readonly<Config>): Promise<Runtime> {
  try {
    mkdirSync(config.dataDir, { recursive: true });
  } catch (e) {
    throw new ConfigError('CUNZHANG_DATA_DIR', `cannot create ${config.dataDir} (${(e as Error).message}); choose a writable directory`);
  }
  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database);
  } catch (e) {
    await database.close().catch(() => undefined);
    if (config.databaseUrl) throw describeDbError(config.databaseUrl, e);
    throw e;
  }
  const masterKey = loadMasterKey(config.dataDir, config.masterKeyHex);
  const deps: Deps = {
    uow: unitOfWork(database),
    deviceKeys: deviceKeys(masterKey),
    clock: { now: () => new Date() },
    ids: ulidIds,
    hasher: argon2Hasher,
    cipher: sm4FieldCipher(masterKey),
    totp: totp('cunzhang 村章'),
    policy: {
      maxFailedLogins: config.maxFailedLogins,
      lockoutMinutes: config.lockoutMinutes,
      sessionHours: config.sessionHours,
      minPasswordLength: 8,
      separateApprovalAndCustody: config.separateApprovalAndCustody,
      maxImpressions: config.maxImpressions,
      maxPages: config.maxPages,
      applicationExpiryDays: config.applicationExpiryDays,
      timeZone: config.tz, unlockSecondPerson: config.unlockSecondPerson,
    },
  };
  await ensureBuiltinSealTypes(deps.uow);
  const blobs = new FsBlobStore(path.join(config.dataDir, 'blobs'));
  return { config, database, deps, blobs, close: () => database.close() };
}
