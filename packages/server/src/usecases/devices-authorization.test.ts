import { decideApplication, revokeAuthorization, submitApplication, type Actor, type DeviceCommand, type Seal } from '@cunzhang/core';
import { authToken, command, otpDigest, verify, type AuthToken } from '@cunzhang/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OTHER_VILLAGE, DEMO_VILLAGE } from '../demo/seed.js';
import { getDevicePass, provisionDevice, retireDevice } from '@cunzhang/core';
import { openTestEnv, TEST_DIALECTS, type TestEnv } from '../testing.js';
import { sealSteps, people, type People } from './seal-fixture.js';
import { actorByPhone, actorOf, demoLogin, expectAppError } from './support.js';

const endpoints = { mqttUrl: 'mqtt://cz.example.cn:1883', httpBase: 'https://cz.example.cn' };
const hex = (c: string, n: number): string => c.repeat(n);
const page = (c: string) => ({ blobKey: hex(c, 64), thumbKey: hex('f', 64), sm3: hex(c, 64), phash: hex(c, 16) });
const base = { matterCode: 'cert_residence', reason: '子女入学需要居住证明', documentTitle: '居住证明', copies: 1, impressions: 2, pages: [page('a'), page('b')] };

for (const dialect of TEST_DIALECTS) {
  describe(`authorization push to the device [${dialect}]`, () => {
    let env: TestEnv;
    let p: People;
    let clerk: Actor;
    let otherVillager: Actor;

    beforeAll(async () => {
      env = await openTestEnv(dialect, { demo: true });
      p = await people(env.deps);
      clerk = await actorByPhone(env.deps, demoLogin('service_clerk').phone);
      const other = (await env.deps.uow.read((tx) => tx.seals.list({ scopes: [''], orgCode: DEMO_OTHER_VILLAGE, limit: 1 }))).items[0]!;
      otherVillager = await actorOf(env.deps, other.keeperUserId!);
    });
    afterAll(async () => {
      await env?.close();
    });
    const { activeSeal, step } = sealSteps(() => env, () => p);

    const sealWithDevice = async (): Promise<{ seal: Seal; deviceId: string }> => {
      const seal = await activeSeal();
      const { device } = await provisionDevice(env.deps, { actor: p.officer, input: { orgCode: DEMO_VILLAGE, label: '柜', sealId: seal.id }, endpoints });
      return { seal, deviceId: device.id };
    };
    const approved = async (seal: Seal, actor: Actor = p.applicant) => {
      const app = await submitApplication(env.deps, { actor, input: { ...base, sealId: seal.id } });
      const { authorization } = await decideApplication(env.deps, { actor: p.keeper, id: app.id, input: { decision: 'approve', opinion: '同意' } });
      return { app, auth: authorization! };
    };
    const commands = (deviceId: string) => env.deps.uow.read((tx) => tx.devices.commands(deviceId, 20));
    const signed = (c: DeviceCommand) => {
      const msg = JSON.parse(c.message) as Parameters<typeof verify>[0];
      expect(verify(msg, env.deps.deviceKeys.platformPublicKey)).toBe(true);
      expect(command.safeParse(msg).success).toBe(true);
      return msg as unknown as { type: string; dev: string; body: Record<string, unknown> };
    };

    const hbKeyOf = async (deviceId: string) => env.deps.cipher.decrypt((await env.deps.uow.read((tx) => tx.devices.get(deviceId)))!.hbKeyEnc);

    it('approval sends the bound device a signed token: seal, count, window, page fingerprints, operator code digest', async () => {
      const { seal, deviceId } = await sealWithDevice();
      const { app, auth } = await approved(seal);
      expect(auth.deviceId).toBe(deviceId);
      const [cmd] = await commands(deviceId);
      const msg = signed(cmd!);
      expect(msg).toMatchObject({ type: 'authorize', dev: deviceId });
      const token = msg.body.token as AuthToken;
      expect(authToken.safeParse(token).success).toBe(true);
      expect(verify(token, env.deps.deviceKeys.platformPublicKey)).toBe(true);
      expect(token).toMatchObject({
        v: 1, auth: auth.id, app: app.id, dev: deviceId, seal: seal.id, n: 2, from: auth.validFrom, until: auth.validUntil,
        pages: [{ no: 1, phash: hex('a', 16), sm3: hex('a', 64) }, { no: 2, phash: hex('b', 16), sm3: hex('b', 64) }],
      });
      // The code is keyed with the device's heartbeat key: the token alone gives nothing to try codes against.
      const hbKey = await hbKeyOf(deviceId);
      expect(token.otp).toBe(otpDigest(auth.id, env.deps.deviceKeys.operatorCode(auth.id), hbKey));
      expect(token.otp).not.toBe(otpDigest(auth.id, env.deps.deviceKeys.operatorCode(auth.id), '00'.repeat(16)));
      // A forged token (count changed) does not verify.
      expect(verify({ ...token, n: 50 }, env.deps.deviceKeys.platformPublicKey)).toBe(false);
    });

    it('gives the applicant (or the filing clerk) the device pass while the authorization is active, nobody else', async () => {
      const { seal, deviceId } = await sealWithDevice();
      const { app, auth } = await approved(seal);
      const pass = await getDevicePass(env.deps, { actor: p.applicant, applicationId: app.id });
      expect(pass.code).toMatch(/^\d{6}$/);
      expect(pass.code).toBe(env.deps.deviceKeys.operatorCode(auth.id));
      expect(otpDigest(auth.id, pass.code, await hbKeyOf(deviceId))).toBe(pass.token.otp);
      expect(verify(pass.token, env.deps.deviceKeys.platformPublicKey)).toBe(true);
      expect(pass.token).toMatchObject({ auth: auth.id, dev: deviceId, n: 2 });
      expect(pass.validUntil).toBe(auth.validUntil);
      await expectAppError(getDevicePass(env.deps, { actor: p.keeper, applicationId: app.id }), 'FORBIDDEN');
      await expectAppError(getDevicePass(env.deps, { actor: otherVillager, applicationId: app.id }), 'NOT_FOUND');
      const filed = await approved(seal, clerk);
      expect((await getDevicePass(env.deps, { actor: clerk, applicationId: filed.app.id })).token.auth).toBe(filed.auth.id);
      // After the window the pass is gone.
      env.tick(2 * 86_400_000);
      try {
        const late = await expectAppError(getDevicePass(env.deps, { actor: p.applicant, applicationId: app.id }), 'ILLEGAL_TRANSITION');
        expect(late.message).toContain('ended');
      } finally {
        env.tick(-2 * 86_400_000);
      }
    });

    it('revoking sends a signed revoke and ends the pass; a seal leaving use revokes its open authorizations on the device too', async () => {
      const { seal, deviceId } = await sealWithDevice();
      const first = await approved(seal);
      await revokeAuthorization(env.deps, { actor: p.keeper, id: first.app.id, input: { reason: '申请人撤回' } });
      const [revoke] = await commands(deviceId);
      expect(signed(revoke!)).toMatchObject({ type: 'revoke', dev: deviceId, body: { auth: first.auth.id } });
      const gone = await expectAppError(getDevicePass(env.deps, { actor: p.applicant, applicationId: first.app.id }), 'ILLEGAL_TRANSITION');
      expect(gone.message).toContain('revoked');

      const second = await approved(seal);
      const third = await approved(seal);
      await step(seal.id, 'suspend', { reason: '换届' });
      const revokes = (await commands(deviceId)).filter((c) => c.type === 'revoke').map((c) => signed(c).body.auth);
      expect(revokes).toEqual(expect.arrayContaining([second.auth.id, third.auth.id]));
      expect(revokes).toHaveLength(3);
    });

    it('a seal without a device: no command, and no pass (the keeper records the stamping by hand)', async () => {
      const seal = await activeSeal();
      const { app, auth } = await approved(seal);
      expect(auth.deviceId).toBeNull();
      expect(await env.database.db.selectFrom('device_commands').select('id').where('type', '=', 'authorize').where('message', 'like', `%${auth.id}%`).execute()).toEqual([]);
      const none = await expectAppError(getDevicePass(env.deps, { actor: p.applicant, applicationId: app.id }), 'ILLEGAL_TRANSITION', 'deviceId');
      expect(none.message).toContain('by hand');
      await expectAppError(getDevicePass(env.deps, { actor: p.applicant, applicationId: 'NOSUCHAPP' }), 'NOT_FOUND');
    });

    it('a retired device receives nothing more: revocation after retirement puts no command in its outbox', async () => {
      const { seal, deviceId } = await sealWithDevice();
      const { app } = await approved(seal);
      await retireDevice(env.deps, { actor: p.officer, id: deviceId, input: { reason: '报废' } });
      const before = (await commands(deviceId)).length;
      await revokeAuthorization(env.deps, { actor: p.keeper, id: app.id, input: { reason: '设备停用' } });
      expect((await commands(deviceId)).length).toBe(before);
      expect((await env.deps.uow.read((tx) => tx.seals.get(seal.id)))!.deviceId).toBeNull();
    });
  });
}
