import {
  acknowledgeAlarm, decideApplication, decideDeviceRequest, getDevice, ingestEvents, provisionDevice, requestUnlock, resolveAlarm, submitApplication,
  sweepDevices, type DeviceCommand, type EventItem,
} from '@cunzhang/core';
import { otpDigest, sign, type AuthToken, type DeviceEvent } from '@cunzhang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { people, sealSteps, type People } from './seal-fixture.js';
import { auditSince, lastSeq } from './support.js';

/**
 * Review of issue 4: the operator code is not recoverable from what device readers see; a
 * tamper that recurs under an open alarm locks again; a device that locked itself can be
 * unlocked; sequence holes are not dropped unreported; the sweep does not overwrite holes an
 * ingest of another process wrote meanwhile (PostgreSQL).
 */
const endpoints = { mqttUrl: 'mqtt://cz.example.cn:1883', httpBase: 'https://cz.example.cn' };
const page = (c: string) => ({ blobKey: c.repeat(64), thumbKey: 'f'.repeat(64), sm3: c.repeat(64), phash: c.repeat(16) });
const POS = { lat_e6: 35_842_000, lng_e6: 116_703_000, acc_m: 5 };

for (const dialect of TEST_DIALECTS) {
  describe(`device review [${dialect}]`, () => {
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

    const boundDevice = async () => {
      const seal = await steps.activeSeal();
      const made = await provisionDevice(env.deps, { actor: p.officer, input: { orgCode: DEMO_VILLAGE, label: '柜', sealId: seal.id }, endpoints });
      return { seal, device: made.device, key: made.bundle.private_key! };
    };
    const row = (id: string) => env.deps.uow.read(async (tx) => (await tx.devices.get(id))!);
    const seqOf = new Map<string, number>();
    const event = (deviceId: string, key: string, type: DeviceEvent['type'], body: unknown, seq?: number): EventItem => {
      const n = seq ?? (seqOf.get(deviceId) ?? 0) + 1;
      seqOf.set(deviceId, Math.max(n, seqOf.get(deviceId) ?? 0));
      const ev = sign({ v: 1, dev: deviceId, seq: n, ts: env.deps.clock.now().toISOString(), type, body } as Record<string, unknown>, key) as unknown as DeviceEvent;
      return { deviceId, event: ev, receivedAt: env.deps.clock.now().toISOString() };
    };
    const caseOpen = (d: { id: string }, key: string) => event(d.id, key, 'sensor', { kind: 'case_open', ...POS });

    it('never shows the authorization token\'s operator-code digest to device readers (the screens have no use for it)', async () => {
      const { seal, device } = await boundDevice();
      const app = await submitApplication(env.deps, {
        actor: p.applicant, input: { sealId: seal.id, matterCode: 'cert_residence', reason: '子女入学需要居住证明', documentTitle: '居住证明', copies: 1, impressions: 1, pages: [page('a')] },
      });
      const { authorization } = await decideApplication(env.deps, { actor: p.keeper, id: app.id, input: { decision: 'approve', opinion: '同意' } });
      const code = env.deps.deviceKeys.operatorCode(authorization!.id);
      const digest = otpDigest(authorization!.id, code, env.deps.cipher.decrypt((await row(device.id)).hbKeyEnc));
      // The outbox still sends the device the full token (it checks the code offline).
      const [sent] = await env.deps.uow.read((tx) => tx.devices.commands(device.id, 5));
      expect((JSON.parse(sent!.message) as { body: { token: AuthToken } }).body.token.otp).toBe(digest);
      // The keeper (device.read) reads the device: the authorize command is there, its token without the digest.
      const detail = await getDevice(env.deps, { actor: p.keeper, id: device.id });
      const authorize = detail.commands.find((c) => c.type === 'authorize')!;
      expect((authorize.body as { token: Record<string, unknown> }).token).toMatchObject({ auth: authorization!.id, n: 1 });
      expect((authorize.body as { token: Record<string, unknown> }).token).not.toHaveProperty('otp');
      expect(JSON.stringify(detail)).not.toContain(digest);
    });

    it('locks again when a tamper recurs after a two-person unlock while its alarm is only acknowledged', async () => {
      const { device, key } = await boundDevice();
      const [first] = await ingestEvents(env.deps, { items: [caseOpen(device, key)] });
      const alarm = first!.alarms.find((a) => a.rule === 'tamper')!;
      expect(alarm.autoLocked).toBe(true);
      await acknowledgeAlarm(env.deps, { actor: p.approver, id: alarm.id });
      const { request } = await requestUnlock(env.deps, { actor: p.approver, id: device.id, input: { reason: '保管员开柜取章已核实' } });
      await decideDeviceRequest(env.deps, { actor: p.leader, id: request.id, input: { approve: true, opinion: '同意解锁' } });
      expect((await row(device.id)).lockWanted).toBe(false);

      const seq = await lastSeq(env.database);
      const [again] = await ingestEvents(env.deps, { items: [caseOpen(device, key)] });
      expect(again!.status).toBe('stored');
      const now = await row(device.id);
      expect(now.lockWanted).toBe(true);
      const cmd = (await env.deps.uow.read((tx) => tx.devices.getCommand(now.lockCommandId!))) as DeviceCommand;
      expect(JSON.parse(cmd.message)).toMatchObject({ type: 'lock', body: { alarm: alarm.id } });
      const audit = await auditSince(env.deps, seq);
      expect(audit.map((e) => e.action)).toEqual(['DEVICE_LOCK_REQUESTED']);
      expect(audit[0]!.after).toMatchObject({ lockWanted: true, alarm: alarm.id });
    });

    it('lets a device that alarm-locked itself (its town turned the auto-lock off) be unlocked by two people', async () => {
      const { device, key } = await boundDevice();
      // The device reports it alarm-locked itself (tamper); the platform never wanted a lock.
      await ingestEvents(env.deps, { items: [event(device.id, key, 'state', { from: 'locked', to: 'alarm_locked', reason: 'tamper_case_open', auth: null })] });
      await env.deps.uow.write(async (tx) => tx.devices.update(device.id, (await tx.devices.get(device.id))!.version, { lockWanted: false, lockCommandId: null }));
      expect(await row(device.id)).toMatchObject({ state: 'alarm_locked', lockWanted: false });
      expect((await getDevice(env.deps, { actor: p.approver, id: device.id })).actions).toContain('request_unlock');
      const { request } = await requestUnlock(env.deps, { actor: p.approver, id: device.id, input: { reason: '已到现场检查' } });
      const { command } = await decideDeviceRequest(env.deps, { actor: p.leader, id: request.id, input: { approve: true, opinion: '同意' } });
      expect(command).toMatchObject({ type: 'unlock', status: 'pending' });
    });

    it('keeps sequence holes on the device while an older gap alarm is open, and reports them once it is resolved', async () => {
      const { device, key } = await boundDevice();
      await ingestEvents(env.deps, { items: [caseOpen(device, key)] }); // seq 1
      await ingestEvents(env.deps, { items: [event(device.id, key, 'sensor', { kind: 'case_closed', ...POS }, 5)] }); // hole 2–4
      env.tick(120_000);
      const first = (await sweepDevices(env.deps)).alarms.find((a) => a.deviceId === device.id && a.rule === 'sequence_gap')!;
      expect(first.evidence).toMatchObject({ ranges: [{ from: 2, to: 4 }] });
      expect((await row(device.id)).seqGaps).toEqual([]);

      await ingestEvents(env.deps, { items: [event(device.id, key, 'sensor', { kind: 'case_closed', ...POS }, 9)] }); // hole 6–8
      env.tick(120_000);
      expect((await sweepDevices(env.deps)).alarms.filter((a) => a.deviceId === device.id)).toEqual([]);
      // Not reported (the open alarm names 2–4 only): the hole must stay, not vanish.
      expect((await row(device.id)).seqGaps).toMatchObject([{ from: 6, to: 8 }]);

      await resolveAlarm(env.deps, { actor: p.approver, id: first.id, input: { note: '设备断电重启，已核实' } });
      const second = (await sweepDevices(env.deps)).alarms.find((a) => a.deviceId === device.id && a.rule === 'sequence_gap')!;
      expect(second.evidence).toMatchObject({ ranges: [{ from: 6, to: 8 }] });
      expect((await row(device.id)).seqGaps).toEqual([]);
    });

    // Two processes at once: only PostgreSQL has them (SQLite is one process, one writer).
    if (dialect === 'postgres') it('does not overwrite holes an ingest wrote while the sweep ran (row locked, not read stale)', async () => {
      const { device } = await boundDevice();
      const old = new Date(env.deps.clock.now().getTime() - 3_600_000).toISOString();
      await env.deps.uow.write((tx) => tx.devices.touch(device.id, { seqHigh: 10, seqGaps: [{ from: 3, to: 4, seenAt: old }] }));
      const fresh = { from: 12, to: 12, seenAt: env.deps.clock.now().toISOString() };
      let release!: () => void;
      const gate = new Promise<void>((r) => { release = r; });
      let locked!: () => void;
      const holding = new Promise<void>((r) => { locked = r; });
      // Another process's ingest: holds the device row, then adds a hole and commits.
      const ingest = env.database.db.transaction().execute(async (trx) => {
        await trx.selectFrom('devices').select('id').where('id', '=', device.id).forUpdate().execute();
        locked();
        await gate;
        await trx.updateTable('devices').set({ seq_high: 13, seq_gaps: JSON.stringify([{ from: 3, to: 4, seenAt: old }, fresh]) } as never).where('id', '=', device.id).execute();
      });
      await holding;
      const sweep = sweepDevices(env.deps);
      await new Promise((r) => setTimeout(r, 400));
      release();
      await ingest;
      await sweep;
      const after = await row(device.id);
      expect(after.seqGaps).toEqual([fresh]);
    });
  });
}

