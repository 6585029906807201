import {
  acknowledgeAlarm, alarmAudience, getAlarm, getAlarmRules, ingestEvents, listAlarms, recordHeartbeats, resolveAlarm, setAlarmRule,
  type Alarm, type Device, type SetAlarmRuleInput,
} from '@cunzhang/core';
import type { DeviceEvent } from '@cunzhang/protocol';
import { verifyAuditTrail } from '@cunzhang/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from '../demo/seed.js';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { people, type People } from './seal-fixture.js';
import { auditSince, expectAppError, lastSeq } from './support.js';

let serial = 700;

/** A device row bound to the village's committee seal (provisioning is tested elsewhere). */
async function insertDevice(env: TestEnv, orgCode: string, patch: Partial<Device> = {}): Promise<Device> {
  const now = env.deps.clock.now().toISOString();
  const seal = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], orgCode, typeCode: 'village_committee', limit: 1 }))).items[0]!;
  const d: Device = {
    id: `CZ${String(++serial).padStart(10, '0')}`, orgCode, sealId: seal.id, status: 'active', label: `印章柜${serial}`, publicKey: `04${'1'.repeat(128)}`,
    credentialHash: 'x', hbKeyEnc: 'x', geofence: null, hours: null, replaces: null, replacedBy: null, virtual: false, lockWanted: false, lockReason: null,
    lockCommandId: null, model: null, firmware: null, hardware: null, hbSeconds: 60, state: 'locked', online: true, connectedAt: now, lastSeenAt: now,
    seqHigh: 0, seqGaps: [], battery: 90, ink: 90, latE6: null, lngE6: null, clockSkewMs: null, createdAt: now, updatedAt: now, version: 1, ...patch,
  };
  await env.deps.uow.write((tx) => tx.devices.insert(d));
  return d;
}

for (const dialect of TEST_DIALECTS) {
  describe(`alarms: handling, lists and town rules [${dialect}]`, () => {
    let env: TestEnv;
    let p: People;
    let here: Device;
    let there: Device;
    const seqs = new Map<string, number>();
    const next = (d: Device) => {
      seqs.set(d.id, (seqs.get(d.id) ?? 0) + 1);
      return seqs.get(d.id)!;
    };
    const now = () => env.deps.clock.now().toISOString();
    const tamper = async (d: Device, kind: 'case_open' | 'shock' = 'case_open'): Promise<Alarm[]> => {
      const event = { v: 1, dev: d.id, seq: next(d), ts: now(), sig: 'ab'.repeat(36), type: 'sensor', body: { kind, lat_e6: 1, lng_e6: 1, acc_m: 1 } } as DeviceEvent;
      return (await ingestEvents(env.deps, { items: [{ deviceId: d.id, event, receivedAt: now() }] }))[0]!.alarms;
    };
    const battery = async (d: Device, level: number) => (await recordHeartbeats(env.deps, [{
      deviceId: d.id, receivedAt: now(), hb: { v: 1, dev: d.id, seq: next(d), ts: now(), mac: 'c'.repeat(64), body: { state: 'locked', battery: level, ink: 80, lat_e6: 1, lng_e6: 1, acc_m: 1, buffered: 0 } },
    }]))[0]!.alarms;

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      p = await people(env.deps);
      here = await insertDevice(env, DEMO_VILLAGE);
      there = await insertDevice(env, DEMO_OTHER_VILLAGE);
    });
    afterAll(async () => {
      await env?.close();
    });

    it('acknowledge then resolve with a note, each audited; refused out of order, without a note, outside one\'s units or without alarm.handle', async () => {
      const [alarm] = await tamper(here);
      const seq = await lastSeq(env.database);
      await expectAppError(acknowledgeAlarm(env.deps, { actor: p.otherApprover, id: alarm!.id }), 'NOT_FOUND');
      await expectAppError(acknowledgeAlarm(env.deps, { actor: p.applicant, id: alarm!.id }), 'NOT_FOUND');
      await expectAppError(acknowledgeAlarm(env.deps, { actor: p.keeper, id: alarm!.id }), 'FORBIDDEN');
      const acked = await acknowledgeAlarm(env.deps, { actor: p.approver, id: alarm!.id });
      expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: p.approver.userId });
      await expectAppError(acknowledgeAlarm(env.deps, { actor: p.supervisor, id: alarm!.id }), 'ILLEGAL_TRANSITION');
      await expectAppError(resolveAlarm(env.deps, { actor: p.supervisor, id: alarm!.id, input: { note: ' ' } }), 'VALIDATION', 'note');
      await expectAppError(resolveAlarm(env.deps, { actor: p.supervisor, id: alarm!.id, input: {} as never }), 'VALIDATION', 'note');
      await expectAppError(resolveAlarm(env.deps, { actor: p.otherApprover, id: alarm!.id, input: { note: '误报' } }), 'NOT_FOUND');
      const done = await resolveAlarm(env.deps, { actor: p.supervisor, id: alarm!.id, input: { note: '保管人更换印油时误开机箱，已核实' } });
      expect(done).toMatchObject({ status: 'resolved', resolvedBy: p.supervisor.userId, note: '保管人更换印油时误开机箱，已核实' });
      await expectAppError(resolveAlarm(env.deps, { actor: p.leader, id: alarm!.id, input: { note: '再次处理' } }), 'ILLEGAL_TRANSITION');
      expect((await auditSince(env.deps, seq)).map((e) => [e.action, e.actorId])).toEqual([['ALARM_ACKNOWLEDGED', p.approver.userId], ['ALARM_RESOLVED', p.supervisor.userId]]);
      // Resolved, the same condition raises a new alarm; the device stays locked until unlocked.
      const [again] = await tamper(here);
      expect(again).toMatchObject({ rule: 'tamper', status: 'open', autoLocked: false });
      expect(again!.id).not.toBe(alarm!.id);
    });

    it('shows one alarm with its evidence, history, the device\'s lock and the actions open to the reader', async () => {
      const [alarm] = await tamper(there, 'shock');
      const detail = await getAlarm(env.deps, { actor: p.otherApprover, id: alarm!.id });
      expect(detail.alarm).toMatchObject({ id: alarm!.id, rule: 'tamper', ruleNameZh: '设备被撬或印章被取出', orgName: expect.any(String), deviceLabel: there.label, evidence: { kind: 'shock' } });
      expect(detail.alarm.sealName).toBeTruthy();
      expect(detail.history.map((h) => h.action)).toEqual(['ALARM_RAISED']);
      expect(detail.deviceLock).toMatchObject({ lockWanted: true, pending: true });
      expect(detail.actions).toEqual(['acknowledge', 'resolve']);
      expect((await getAlarm(env.deps, { actor: p.leader, id: alarm!.id })).actions).toEqual(['acknowledge', 'resolve']);
      await expectAppError(getAlarm(env.deps, { actor: p.approver, id: alarm!.id }), 'NOT_FOUND');
    });

    it('lists the alarms of one\'s units, newest first, by filter and in keyset pages', async () => {
      await battery(here, 5);
      const mine = await listAlarms(env.deps, { actor: p.approver, query: {} });
      expect(mine.items.length).toBeGreaterThanOrEqual(3);
      expect(mine.items.every((a) => a.orgCode === DEMO_VILLAGE)).toBe(true);
      expect(mine.items.map((a) => a.id)).toEqual([...mine.items.map((a) => a.id)].sort().reverse());
      const town = await listAlarms(env.deps, { actor: p.leader, query: {} });
      expect(new Set(town.items.map((a) => a.orgCode))).toEqual(new Set([DEMO_VILLAGE, DEMO_OTHER_VILLAGE]));
      expect((await listAlarms(env.deps, { actor: p.leader, query: { orgCode: DEMO_OTHER_VILLAGE } })).items.every((a) => a.deviceId === there.id)).toBe(true);
      expect((await listAlarms(env.deps, { actor: p.leader, query: { rule: 'low_battery' } })).items.map((a) => a.deviceId)).toEqual([here.id]);
      expect((await listAlarms(env.deps, { actor: p.leader, query: { status: 'resolved', severity: 'critical' } })).items).toHaveLength(1);
      expect((await listAlarms(env.deps, { actor: p.leader, query: { deviceId: here.id, status: 'open' } })).items.map((a) => a.rule).sort()).toEqual(['low_battery', 'tamper']);
      const first = await listAlarms(env.deps, { actor: p.leader, query: { limit: 2 } });
      const second = await listAlarms(env.deps, { actor: p.leader, query: { limit: 2, cursor: first.next! } });
      expect(first.items).toHaveLength(2);
      expect(second.items[0]!.id < first.items[1]!.id).toBe(true);
      await expectAppError(listAlarms(env.deps, { actor: p.applicant, query: {} }), 'FORBIDDEN');
      await expectAppError(listAlarms(env.deps, { actor: p.leader, query: { rule: 'nonsense' as never } }), 'VALIDATION', 'rule');
    });

    it('names who hears of an alarm at once: the seal\'s approvers, the village\'s approvers, the town\'s leaders and supervisors', async () => {
      const [alarm] = await tamper(here, 'shock');
      const ids = await env.deps.uow.read((tx) => alarmAudience(tx, alarm!));
      expect(ids).toEqual(expect.arrayContaining([p.approver.userId, p.leader.userId, p.supervisor.userId]));
      expect(ids).not.toContain(p.otherApprover.userId);
      expect(ids).not.toContain(p.keeper.userId);
      expect(ids).not.toContain(p.applicant.userId);
    });

    it('a town changes its rules within their ranges, audited; the new threshold and a disabled rule take effect at once', async () => {
      const rules = await getAlarmRules(env.deps, { actor: p.keeper, query: { townCode: DEMO_TOWN } });
      expect(rules).toHaveLength(13);
      expect(rules.find((r) => r.rule === 'low_battery')).toMatchObject({ threshold: 20, unit: 'percent', isDefault: true, nameZh: '电量低' });
      const set = (input: SetAlarmRuleInput, actor = p.officer) => setAlarmRule(env.deps, { actor, townCode: DEMO_TOWN, input });
      const base = { enabled: true, severity: 'warning', autoLock: false } as const;
      await expectAppError(set({ rule: 'low_battery', ...base, threshold: 40 }, p.approver), 'FORBIDDEN');
      await expectAppError(set({ rule: 'low_battery', ...base, threshold: 120 }), 'VALIDATION', 'threshold');
      await expectAppError(set({ rule: 'low_battery', ...base, threshold: null }), 'VALIDATION', 'threshold');
      await expectAppError(set({ rule: 'tamper', ...base, threshold: 3 }), 'VALIDATION', 'threshold');
      await expectAppError(set({ rule: 'low_battery', ...base, autoLock: true, threshold: 30 }), 'VALIDATION', 'autoLock');
      await expectAppError(setAlarmRule(env.deps, { actor: p.officer, townCode: '3709', input: { rule: 'low_battery', ...base, threshold: 30 } }), 'VALIDATION', 'townCode');

      expect(await battery(there, 35)).toEqual([]);
      const seq = await lastSeq(env.database);
      const after = await set({ rule: 'low_battery', ...base, threshold: 40 });
      expect(after.find((r) => r.rule === 'low_battery')).toMatchObject({ threshold: 40, isDefault: false, defaults: { threshold: 20 } });
      const [entry] = await auditSince(env.deps, seq);
      expect(entry).toMatchObject({ action: 'ALARM_RULE_CHANGED', orgCode: DEMO_TOWN, targetId: `rule:${DEMO_TOWN}:low_battery`, before: { threshold: 20 }, after: { threshold: 40 } });
      expect((await battery(there, 35)).map((a) => [a.rule, a.evidence.threshold])).toEqual([['low_battery', 40]]);

      await set({ rule: 'tamper', enabled: false, severity: 'critical', autoLock: true, threshold: null }, p.leader);
      const quiet = await insertDevice(env, DEMO_OTHER_VILLAGE, { sealId: null });
      expect(await tamper(quiet)).toEqual([]);
      expect((await env.deps.uow.read((tx) => tx.devices.get(quiet.id)))!.lockWanted).toBe(false);
      expect((await verifyAuditTrail(env.database)).ok).toBe(true);
    });
  });
}
