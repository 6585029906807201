/**
 * The world a device benchmark runs in, made through the product's own use-cases where a
 * person would act (seeding of 鹤山镇, filing and approving applications, provisioning a
 * device bound to a seal) and through the registry's transaction function where thousands
 * of devices are entered at once (createDeviceInTx, 500 per transaction, each audited as
 * DEVICE_PROVISIONED like the use-case does).
 */
import {
  createDeviceInTx, decideApplication, grantRole, provisionDevice, provisionedFacts, record, submitApplication, systemActor, type Actor, type Deps,
} from '@cunzhang/core';
import { PROTOCOL_VERSION, sign, type ProvisioningBundle } from '@cunzhang/protocol';
import { DEMO_LOGINS, DEMO_TOWN, HESHAN_CSV, seedDemo } from '@cunzhang/server';
import { randomBytes } from 'node:crypto';

export interface Village { code: string; name: string; sealId: string; approver: Actor }
export interface World { villages: Village[]; officer: Actor; applicant: Actor }

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

async function actorOf(deps: Deps, userId: string): Promise<Actor> {
  return { userId, grants: await deps.uow.read((tx) => tx.grants.forUser(userId)), ip: '127.0.0.1' };
}

async function actorByRole(deps: Deps, role: string): Promise<Actor> {
  const login = DEMO_LOGINS.find((l) => l.role === role)!;
  const user = await deps.uow.read((tx) => tx.users.byPhoneIndex(deps.cipher.index(login.phone)));
  return actorOf(deps, user!.id);
}

/**
 * 鹤山镇 with its 46 villages, each with a village committee seal (keeper and approver of its
 * own) — the demo seeder of the product, run by the bench on a server started with demo off —
 * and one applicant (张村民) who may apply in every village.
 */
export async function seedWorld(deps: Deps): Promise<World> {
  await seedDemo(deps, { csvPath: HESHAN_CSV });
  const seals = await deps.uow.read((tx) => tx.seals.list({ scopes: [DEMO_TOWN], typeCode: 'village_committee', limit: 500 }));
  const orgs = new Map((await deps.uow.read((tx) => tx.orgs.children(DEMO_TOWN))).map((o) => [o.code, o.name] as const));
  const applicant = await actorByRole(deps, 'applicant');
  const system = systemActor('bench');
  const villages: Village[] = [];
  for (const s of seals.items) {
    if (!applicant.grants.some((g) => g.orgCode === s.orgCode)) await grantRole(deps, { actor: system, userId: applicant.userId, input: { role: 'applicant', orgCode: s.orgCode } });
    villages.push({ code: s.orgCode, name: orgs.get(s.orgCode) ?? s.orgCode, sealId: s.id, approver: await actorOf(deps, s.approverUserIds[0]!) });
  }
  return { villages, officer: await actorByRole(deps, 'station_officer'), applicant: await actorOf(deps, applicant.userId) };
}

/** An application of `impressions` impressions on one photographed page, approved by the village's approver. */
export async function approvedAuthorization(deps: Deps, w: World, v: Village, impressions: number, phash: string): Promise<{ appId: string; authId: string }> {
  const app = await submitApplication(deps, {
    actor: w.applicant,
    input: {
      sealId: v.sealId, matterCode: 'cert_income', reason: '申请低保需要家庭收入证明', documentTitle: '家庭收入证明', copies: 1, impressions,
      pages: [{ blobKey: hex(32), thumbKey: hex(32), sm3: hex(32), phash }],
    },
  });
  const { authorization } = await decideApplication(deps, { actor: v.approver, id: app.id, input: { decision: 'approve', opinion: '情况属实，同意' } });
  return { appId: app.id, authId: authorization!.id };
}

export interface Endpoints { mqttUrl: string; httpBase: string }

/**
 * A device of the village, bound to its seal, through the provisioning use-case. Its allowed
 * hours are set to the whole day straight in the registry (no config command: the bench's
 * devices never answer commands), so the off-hours rule stays quiet whenever the bench runs.
 */
export async function provisionBound(deps: Deps, w: World, v: Village, endpoints: Endpoints): Promise<ProvisioningBundle> {
  const { bundle } = await provisionDevice(deps, { actor: w.officer, input: { orgCode: v.code, label: `${v.name}印章柜`, sealId: v.sealId }, endpoints });
  await deps.uow.write(async (tx) => {
    const d = (await tx.devices.get(bundle.dev))!;
    await tx.devices.update(d.id, d.version, { hours: { from: '00:00', to: '00:00' } });
  });
  return bundle;
}

/** `n` unbound devices spread over the villages, 500 per transaction; returns their bundles. */
export async function bulkDevices(deps: Deps, w: World, n: number, endpoints: Endpoints): Promise<ProvisioningBundle[]> {
  const out: ProvisioningBundle[] = [];
  for (let start = 0; start < n; start += 500) {
    await deps.uow.write(async (tx) => {
      for (let i = start; i < Math.min(n, start + 500); i++) {
        const v = w.villages[i % w.villages.length]!;
        const { device, bundle } = await createDeviceInTx(tx, deps, { orgCode: v.code, label: `${v.name}设备${i}`, geofence: null, hours: null, virtual: false, replaces: null }, endpoints);
        await record(tx, deps, w.officer, { action: 'DEVICE_PROVISIONED', targetType: 'device', targetId: device.id, orgCode: device.orgCode, before: null, after: provisionedFacts(device, true) });
        out.push(bundle);
      }
    });
  }
  return out;
}

/** The position of the device's village office (all bench devices stand near 鹤山镇). */
const HOME = { lat_e6: 35_750_000, lng_e6: 116_800_000, acc_m: 8 };

/**
 * A signed impression event as a device publishes it: the `n`th impression under `authId`,
 * photos of its own (fresh SM3s) whose after-photo matches the approved page (`phash`).
 */
export function impressionEvent(bundle: ProvisioningBundle, seq: number, authId: string, n: number, phash: string): string {
  const body = {
    auth: authId, n, ...HOME,
    before: { sm3: hex(32), phash, bytes: 812_345 }, after: { sm3: hex(32), phash, bytes: 845_678 },
    operator: { method: 'otp' as const, ref: 'otp' }, offline: false,
  };
  return JSON.stringify(sign({ v: PROTOCOL_VERSION, dev: bundle.dev, seq, ts: new Date().toISOString(), type: 'impression', body }, bundle.private_key!));
}
