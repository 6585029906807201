import type { Tx, UnitOfWork } from '@cunzhang/core';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';
import { alarmRepo } from './repos/alarm-repo.js';
import { applicationRepo } from './repos/application-repo.js';
import { deviceRepo } from './repos/device-repo.js';
import { auditRepo } from './repos/audit-repo.js';
import { certificateRepo } from './repos/certificate-repo.js';
import type { Ctx } from './repos/common.js';
import { ledgerRepo } from './repos/ledger-repo.js';
import { matterRepo } from './repos/matter-repo.js';
import { orgRepo } from './repos/org-repo.js';
import { sealRepo, sealTypeRepo } from './repos/seal-repo.js';
import { stampingRepo } from './repos/stamping-repo.js';
import { grantRepo, sessionRepo, userRepo } from './repos/user-repo.js';
import type { DB } from './schema.js';

export function repositories(ctx: Ctx, hooks: (() => void)[] = []): Tx {
  return {
    afterCommit: (fn) => { hooks.push(fn); },
    orgs: orgRepo(ctx), users: userRepo(ctx), grants: grantRepo(ctx), sessions: sessionRepo(ctx),
    seals: sealRepo(ctx), sealTypes: sealTypeRepo(ctx), audit: auditRepo(ctx), applications: applicationRepo(ctx),
    stampings: stampingRepo(ctx), ledger: ledgerRepo(ctx), matters: matterRepo(ctx), certificates: certificateRepo(ctx),
    devices: deviceRepo(ctx), alarms: alarmRepo(ctx),
  };
}

export function unitOfWork(database: Database): UnitOfWork {
  const { db, dialect } = database;
  return {
    read: (fn) => fn(repositories({ db, dialect })),
    write: async (fn) => {
      const hooks: (() => void)[] = [];
      const result = await writeTx(fn, hooks);
      for (const h of hooks) {
        try {
          h();
        } catch {
          // A wake-up that fails must not undo a committed change; the pollers catch up.
        }
      }
      return result;
    },
  };

  async function writeTx<T>(fn: (tx: Tx) => Promise<T>, hooks: (() => void)[]): Promise<T> {
    if (dialect === 'postgres') return db.transaction().execute((trx) => fn(repositories({ db: trx, dialect }, hooks)));
    // SQLite: BEGIN IMMEDIATE takes the write lock up front, so a second process (the CLI
    // beside a running server) waits on busy_timeout instead of failing mid-transaction.
    return db.connection().execute(async (conn: Kysely<DB>) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(repositories({ db: conn, dialect }, hooks));
        await sql`commit`.execute(conn);
        return result;
      } catch (err) {
        await sql`rollback`.execute(conn);
        throw err;
      }
    });
  }
}
