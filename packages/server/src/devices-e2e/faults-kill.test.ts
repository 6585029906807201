import { stockShot, type EmulatedDevice } from '@cunzhang/device';
import { openDatabase, verifyAuditTrail, type Database } from '@cunzhang/store';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { startServer } from '../server.js';
import { spawnServer, startMosquitto, type ChildServer, type Mosquitto } from './processes.js';
import {
  approvedApplication, baseEnv, freshStorage, operatorCodeOf, provision, range, sessions, startDevice, storedSeqs, TEST_DIALECTS, villageSeal, waitFor,
} from './support.js';

/**
 * The server SIGKILLed during a burst (issue 4 item 11b): the server runs in a child process
 * (`node --import tsx packages/server/src/main.ts`) against an external Mosquitto that outlives
 * it, with a stable client id and a persistent session, so what the broker holds for the
 * platform — queued, or delivered but not yet acknowledged — comes again when it is back. A
 * device bursts impressions; the server is killed mid-burst and restarted on the same data.
 * Afterwards every number the device used (1..N) is stored exactly once and the audit chain
 * verifies.
 */
const STAMPS = 100;

for (const dialect of TEST_DIALECTS) {
  describe(`server killed mid-burst and restarted [${dialect}]`, () => {
    let mosq: Mosquitto | null = null;
    let storage: Awaited<ReturnType<typeof freshStorage>> | null = null;
    let child: ChildServer | null = null;
    let device: EmulatedDevice | null = null;
    let reader: Database | null = null;
    afterEach(async () => {
      await device?.stop();
      await child?.kill('SIGKILL');
      await reader?.close();
      await storage?.drop();
      await mosq?.close();
    });

    it(`every event of a ${STAMPS}-impression burst is stored exactly once; the ledger and the audit chain are whole`, async () => {
      mosq = await startMosquitto();
      storage = await freshStorage(dialect);
      const env = baseEnv({ ...storage.env, CUNZHANG_MQTT_URL: mosq.url });

      // Set-up in this process on the same data: demo data, a bound device, an approved application.
      const setup = await startServer(loadConfig(env), { logger: false, webRoot: null });
      const e = { server: setup, deps: setup.runtime.deps, database: setup.runtime.database, dataDir: storage.dataDir, mqttUrl: mosq.url, close: async () => undefined };
      const sealId = await villageSeal(e.deps);
      device = await startDevice(await provision(e, { sealId }), { light: true, queueLimit: 100_000, reconnectMs: 300 });
      const { appId, authId } = await approvedApplication(setup.app, await sessions(setup.app), sealId, [(await stockShot()).before.bytes], STAMPS);
      await waitFor('authorized', () => device!.status().auth === authId);
      expect(device.enterCode(await operatorCodeOf(e.deps, appId))).toMatchObject({ ok: true });
      await setup.close();

      child = await spawnServer(env);
      reader = openDatabase({ url: env.CUNZHANG_DATABASE_URL, dataDir: storage.dataDir });
      const db = reader;
      const count = async () => (await storedSeqs(db, device!.dev)).length;
      const before = await count();

      // The burst: the device makes its impressions as fast as it can; the broker takes them all
      // at once and the server works through them. It is killed when about a third are stored.
      const burst = (async () => {
        for (let i = 0; i < STAMPS; i++) {
          const r = await device!.stamp();
          if (!r.ok) throw new Error(`stamp ${i + 1} refused: ${r.reason}`);
        }
      })();
      await waitFor('about a third of the burst stored', async () => (await count()) >= before + STAMPS, 20_000, 5);
      await child.kill('SIGKILL');
      const atKill = await count();
      await burst;
      const last = device.status().seq;
      expect(atKill).toBeLessThan(last);
      expect(device.status().state).toBe('locked');

      child = await spawnServer(env);
      await waitFor(`all ${last} events stored`, async () => (await count()) >= last, 30_000);
      expect(await storedSeqs(db, device.dev)).toEqual(range(1, last));
      await child.kill('SIGTERM');

      const ledger = await db.db.selectFrom('stampings').select(['device_seq']).where('application_id', '=', appId).execute();
      expect(ledger).toHaveLength(STAMPS);
      expect(new Set(ledger.map((r) => Number(r.device_seq))).size).toBe(STAMPS);
      const auth = await db.db.selectFrom('authorizations').select(['impressions_used', 'status']).where('id', '=', authId).executeTakeFirstOrThrow();
      expect({ used: Number(auth.impressions_used), status: auth.status }).toEqual({ used: STAMPS, status: 'used' });
      const recorded = await db.db.selectFrom('audit_log').select('seq').where('action', '=', 'STAMPING_RECORDED').where('target_id', '=', appId).execute();
      expect(recorded).toHaveLength(STAMPS);
      expect((await verifyAuditTrail(db)).ok).toBe(true);
    }, 90_000);
  });
}
