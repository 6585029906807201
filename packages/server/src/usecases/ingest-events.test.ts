import {
  decideApplication, ingestEvents, revokeAuthorization, submitApplication, type Actor, type Application, type Device, type EventItem, type Seal,
} from '@cunzhang/core';
import type { DeviceEvent } from '@cunzhang/protocol';
import { verifyAuditTrail } from '@cunzhang/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { people, sealSteps, type People } from './seal-fixture.js';
import { auditSince, lastSeq } from './support.js';

const FENCE = { latE6: 35_770_000, lngE6: 116_790_000, radiusM: 200 };
const page = (c: string) => ({ blobKey: c.repeat(64), thumbKey: 'f'.repeat(64), sm3: c.repeat(64), phash: c.repeat(16) });
const photo = (c: string, phash = c.repeat(16)) => ({ sm3: c.repeat(64), phash, bytes: 1000 });
let serial = 0;

/** A device row as the registry would hold it, bound to `seal` (provisioning is tested elsewhere). */
async function insertDevice(env: TestEnv, seal: Seal | null, patch: Partial<Device> = {}): Promise<Device> {
  const now = env.deps.clock.now().toISOString();
  const d: Device = {
    id: `CZ${String(++serial).padStart(10, '0')}`, orgCode: seal?.orgCode ?? DEMO_VILLAGE, sealId: seal?.id ?? null, status: 'active', label: `印章柜${serial}`,
    publicKey: `04${'1'.repeat(128)}`, credentialHash: 'x', hbKeyEnc: env.deps.cipher.encrypt('00'.repeat(16)), geofence: FENCE, hours: { from: '00:00', to: '00:00' }, replaces: null, replacedBy: null,
    virtual: false, lockWanted: false, lockReason: null, lockCommandId: null, model: null, firmware: null, hardware: null, hbSeconds: 60, state: 'locked',
    online: true, connectedAt: now, lastSeenAt: now, seqHigh: 0, seqGaps: [], battery: 90, ink: 90, latE6: FENCE.latE6, lngE6: FENCE.lngE6, clockSkewMs: 0,
    createdAt: now, updatedAt: now, version: 1, ...patch,
  };
  await env.deps.uow.write(async (tx) => {
    await tx.devices.insert(d);
    if (seal) await tx.seals.update(seal.id, (await tx.seals.get(seal.id))!.version, { deviceId: d.id });
  });
  return d;
}

/** Signed events of one device (the gateway checked the signature; ingest trusts it). */
function emitter(env: TestEnv, deviceId: string) {
  let seq = 0;
  const at = () => env.deps.clock.now().toISOString();
  const item = (event: DeviceEvent, receivedAt = at()): EventItem => ({ deviceId, event, receivedAt });
  return {
    impression: (auth: string | null, o: { n?: number; ts?: string; after?: ReturnType<typeof photo>; lat?: number; seq?: number } = {}) => item({
      v: 1, dev: deviceId, seq: o.seq ?? ++seq, ts: o.ts ?? at(), type: 'impression', sig: 'ab'.repeat(36),
      body: { auth, n: o.n ?? 1, lat_e6: o.lat ?? FENCE.latE6, lng_e6: FENCE.lngE6, acc_m: 5, before: photo('9'), after: o.after ?? photo('a'), operator: { method: 'otp', ref: 'ok' }, offline: false },
    }),
  };
}

for (const dialect of TEST_DIALECTS) {
  describe(`device impressions [${dialect}]`, () => {
    let env: TestEnv;
    let p: People;
    const steps = sealSteps(() => env, () => p);

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      p = await people(env.deps);
    });
    afterAll(async () => {
      await env?.close();
    });

    /** A fresh active seal of the demo village, a device bound to it, and an approved application. */
    const setup = async (impressions = 2, devicePatch: Partial<Device> = {}, applicant: Actor = p.applicant, decider: Actor = p.keeper) => {
      const seal = await steps.activeSeal();
      const device = await insertDevice(env, seal, devicePatch);
      const app = await approved(seal, impressions, applicant, decider);
      const auth = (await env.deps.uow.read((tx) => tx.applications.authorizationOf(app.id)))!;
      return { seal, device, app, auth, ev: emitter(env, device.id) };
    };
    const approved = async (seal: Seal, impressions: number, applicant: Actor, decider: Actor): Promise<Application> => {
      const app = await submitApplication(env.deps, {
        actor: applicant, input: { sealId: seal.id, matterCode: 'cert_residence', reason: '子女入学需要居住证明', documentTitle: '居住证明', copies: 1, impressions, pages: [page('a'), page('b')] },
      });
      await decideApplication(env.deps, { actor: decider, id: app.id, input: { decision: 'approve', opinion: '同意' } });
      return app;
    };
    const rows = (table: 'stampings' | 'device_events', deviceId: string) =>
      env.database.db.selectFrom(table).selectAll().where('device_id', '=', deviceId).execute();

    it('records an impression under its authorization: ledger row with the device facts, count used, application stamped, audited once', async () => {
      const { device, app, auth, ev } = await setup(2);
      const seq = await lastSeq(env.database);
      const item = ev.impression(auth.id);
      const [r] = await ingestEvents(env.deps, { items: [item] });
      expect(r).toMatchObject({ status: 'stored', alarms: [], applicationId: app.id, deviceId: device.id, seq: 1 });
      expect(r!.stamping).toMatchObject({
        source: 'device', impressions: 1, deviceId: device.id, deviceSeq: 1, stampedAt: item.event.ts, receivedAt: item.receivedAt, photoKey: 'a'.repeat(64),
        beforeKey: '9'.repeat(64), sm3: 'a'.repeat(64), matchedPageNo: 1, phashDistance: 0, latitude: 35.77, longitude: 116.79, flags: [],
      });
      const read = await env.deps.uow.read(async (tx) => ({ app: await tx.applications.get(app.id), auth: await tx.applications.authorization(auth.id), dev: await tx.devices.get(device.id) }));
      expect(read.app!.status).toBe('stamped');
      expect(read.auth).toMatchObject({ impressionsUsed: 1, status: 'active' });
      expect(read.dev).toMatchObject({ seqHigh: 1, seqGaps: [], lockWanted: false });
      const trail = await auditSince(env.deps, seq);
      expect(trail.map((e) => e.action)).toEqual(['STAMPING_RECORDED']);
      expect(trail[0]).toMatchObject({ actorId: 'system', targetId: app.id, ip: `device:${device.id}` });
      expect(trail[0]!.after).toMatchObject({ source: 'device', deviceSeq: 1, stampedAt: item.event.ts, receivedAt: item.receivedAt, impressionsUsed: 1, applicationStamped: true });

      // The second impression uses the count up; the authorization is then used.
      const [r2] = await ingestEvents(env.deps, { items: [ev.impression(auth.id, { n: 2 })] });
      expect(r2!.alarms).toEqual([]);
      expect(await env.deps.uow.read((tx) => tx.applications.authorization(auth.id))).toMatchObject({ impressionsUsed: 2, status: 'used' });
    });

    it('is idempotent by (device, seq): the same batch twice makes one stamping, one audit entry, one event row', async () => {
      const { device, auth, ev } = await setup(3);
      const batch = [ev.impression(auth.id), ev.impression(auth.id, { n: 2 })];
      const seq = await lastSeq(env.database);
      expect((await ingestEvents(env.deps, { items: batch })).map((r) => r.status)).toEqual(['stored', 'stored']);
      const again = await ingestEvents(env.deps, { items: batch });
      expect(again).toEqual([
        { deviceId: device.id, seq: 1, status: 'duplicate', alarms: [] }, { deviceId: device.id, seq: 2, status: 'duplicate', alarms: [] },
      ]);
      expect(await rows('stampings', device.id)).toHaveLength(2);
      expect(await rows('device_events', device.id)).toHaveLength(2);
      expect((await auditSince(env.deps, seq)).map((e) => e.action)).toEqual(['STAMPING_RECORDED', 'STAMPING_RECORDED']);
      expect(await env.deps.uow.read((tx) => tx.applications.authorization(auth.id))).toMatchObject({ impressionsUsed: 2 });
    });

    it('an impression without an authorization: no ledger row, the event kept, a critical alarm that locks the device (command in the outbox)', async () => {
      const { device, ev } = await setup(1);
      const seq = await lastSeq(env.database);
      const [r] = await ingestEvents(env.deps, { items: [ev.impression(null, { n: 0 })] });
      expect(r!.stamping).toBeUndefined();
      expect(r!.alarms).toHaveLength(1);
      const alarm = r!.alarms[0]!;
      expect(alarm).toMatchObject({ rule: 'unauthorized_impression', severity: 'critical', status: 'open', autoLocked: true, deviceId: device.id, eventSeq: 1, orgCode: DEMO_VILLAGE });
      expect(alarm.evidence).toMatchObject({ reason: 'no_authorization', auth: null, photos: { after: 'a'.repeat(64), before: '9'.repeat(64) } });
      expect(await rows('stampings', device.id)).toHaveLength(0);
      expect(await rows('device_events', device.id)).toHaveLength(1);
      const dev = (await env.deps.uow.read((tx) => tx.devices.get(device.id)))!;
      expect(dev).toMatchObject({ lockWanted: true });
      const locks = async () => (await env.deps.uow.read((tx) => tx.devices.commands(device.id, 10))).filter((c) => c.type === 'lock');
      const [cmd] = await locks();
      expect(cmd).toMatchObject({ id: dev.lockCommandId, type: 'lock', status: 'pending' });
      expect(JSON.parse(cmd!.message)).toMatchObject({ type: 'lock', dev: device.id, body: { alarm: alarm.id } });
      expect((await auditSince(env.deps, seq)).map((e) => [e.action, e.targetId])).toEqual([['ALARM_RAISED', alarm.id], ['DEVICE_LOCK_REQUESTED', device.id]]);

      // An unknown authorization alarms too; the device is wanted locked already: no second command.
      const [r2] = await ingestEvents(env.deps, { items: [ev.impression('NO-SUCH-AUTH')] });
      expect(r2!.alarms.map((a) => [a.rule, a.autoLocked, a.evidence.reason])).toEqual([['unauthorized_impression', false, 'unknown_authorization']]);
      expect(await locks()).toHaveLength(1);
    });

    it('over the count, revoked, and outside the window: a ledger row with its flag, and a critical alarm', async () => {
      const { device, auth, ev } = await setup(1);
      const [ok, over] = await ingestEvents(env.deps, { items: [ev.impression(auth.id), ev.impression(auth.id, { n: 2 })] });
      expect(ok!.alarms).toEqual([]);
      expect(over!.stamping!.flags).toEqual(['over_count']);
      expect(over!.alarms.map((a) => [a.rule, a.evidence.reason, a.evidence.impressionsAllowed, a.evidence.impressionsUsedBefore, a.autoLocked])).toEqual([['unauthorized_impression', 'over_count', 1, 1, true]]);
      expect(await env.deps.uow.read((tx) => tx.applications.authorization(auth.id))).toMatchObject({ impressionsUsed: 2, status: 'used' });

      const other = await setup(2);
      await revokeAuthorization(env.deps, { actor: p.keeper, id: other.app.id, input: { reason: '材料有误' } });
      const [rev] = await ingestEvents(env.deps, { items: [other.ev.impression(other.auth.id)] });
      expect(rev!.stamping!.flags).toEqual(['revoked']);
      expect(rev!.alarms[0]).toMatchObject({ rule: 'unauthorized_impression', evidence: { reason: 'revoked' } });
      // An impression "made" before the approval is outside the window.
      const early = new Date(Date.parse(other.auth.validFrom) - 60_000).toISOString();
      const [pre] = await ingestEvents(env.deps, { items: [other.ev.impression(other.auth.id, { ts: early })] });
      expect(pre!.alarms[0]!.evidence).toMatchObject({ reason: 'revoked' });
      expect((await rows('stampings', device.id)).length).toBe(2);
    });

    it('accepts a late (buffered) impression with both times and the flag late, judged at the device time', async () => {
      const { auth, ev } = await setup(1);
      const made = new Date(Date.parse(auth.validFrom) + 1000).toISOString();
      env.tick(20 * 60_000);
      try {
        const [r] = await ingestEvents(env.deps, { items: [ev.impression(auth.id, { ts: made })] });
        expect(r!.alarms).toEqual([]);
        expect(r!.stamping).toMatchObject({ stampedAt: made, flags: ['late'] });
        expect(Date.parse(r!.stamping!.receivedAt!) - Date.parse(made)).toBeGreaterThan(19 * 60_000);
      } finally {
        env.tick(-20 * 60_000);
      }
    });

    it('flags a stamped page unlike the approved ones, outside the fence, and off hours, each with its evidence', async () => {
      // Allowed hours that exclude now: from two hours ahead to three hours ahead (local).
      const local = (h: number) => new Intl.DateTimeFormat('en-GB', { timeZone: env.config.tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
        .format(new Date(Date.now() + h * 3_600_000));
      const { ev, auth } = await setup(1, { hours: { from: local(2), to: local(3) } });
      const far = FENCE.latE6 + 10_000; // ~1.1 km north
      const [r] = await ingestEvents(env.deps, { items: [ev.impression(auth.id, { after: photo('c', '0'.repeat(16)), lat: far })] });
      expect(r!.stamping!.flags.sort()).toEqual(['off_hours', 'outside_fence', 'page_mismatch']);
      expect(r!.stamping).toMatchObject({ matchedPageNo: null, phashDistance: 32 });
      const by = Object.fromEntries(r!.alarms.map((a) => [a.rule, a]));
      expect(Object.keys(by).sort()).toEqual(['geofence', 'off_hours', 'page_mismatch']);
      expect(by.geofence!.evidence).toMatchObject({ source: 'impression', toleranceM: 50 });
      expect(by.geofence!.evidence.distanceM).toBeGreaterThan(1000);
      expect(by.page_mismatch!.evidence).toMatchObject({ distance: 32, threshold: 20, nearestPageNo: 1, stampingId: r!.stamping!.id });
      expect(by.off_hours!.evidence).toMatchObject({ hours: { from: local(2), to: local(3) }, hoursOf: 'device', timeZone: env.config.tz });
      expect(r!.alarms.every((a) => a.severity === 'warning' && !a.autoLocked)).toBe(true);
    });

    it('raises one burst alarm when a village makes more than the floor of impressions in an hour', async () => {
      const seal = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], orgCode: DEMO_OTHER_VILLAGE, typeCode: 'village_committee', limit: 1 }))).items[0]!;
      const device = await insertDevice(env, seal);
      const villager = await steps.person('后村村民', DEMO_OTHER_VILLAGE, [['applicant', DEMO_OTHER_VILLAGE]]);
      const app = await approved(seal, 12, villager, p.otherKeeper);
      const auth = (await env.deps.uow.read((tx) => tx.applications.authorizationOf(app.id)))!;
      const ev = emitter(env, device.id);
      const results = await ingestEvents(env.deps, { items: Array.from({ length: 12 }, (_, i) => ev.impression(auth.id, { n: i + 1 })) });
      const bursts = results.flatMap((r, i) => r.alarms.filter((a) => a.rule === 'burst').map((a) => [i, a]));
      expect(bursts.map(([i]) => i)).toEqual([10]);
      expect((bursts[0]![1] as { evidence: unknown }).evidence).toMatchObject({ orgCode: DEMO_OTHER_VILLAGE, lastHour: 11, last30Days: 0, floor: 10 });
    });

    it('skips events of unknown and retired devices, and leaves a verifiable audit trail', async () => {
      const { device, auth, ev } = await setup(1, { status: 'retired' });
      const [r] = await ingestEvents(env.deps, { items: [ev.impression(auth.id), { ...ev.impression(null), deviceId: 'CZ9999999999' }] });
      expect(r!.status).toBe('unknown_device');
      expect(await rows('device_events', device.id)).toHaveLength(0);
      expect((await verifyAuditTrail(env.database)).ok).toBe(true);
    });
  });
}
