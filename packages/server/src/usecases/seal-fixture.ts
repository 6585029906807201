import { createUser, grantRole, issueSeal, systemActor, transitionSeal, type Actor, type Deps, type Role, type Seal, type TransitionAction } from '@cunzhang/core';
import { DEMO_OTHER_VILLAGE, DEMO_PASSWORD, DEMO_VILLAGE } from '../demo/seed.js';
import type { TestEnv } from '../testing.js';
import { actorByPhone, actorOf, auditCount, demoLogin } from './support.js';

/** Shared by the seal registry suites: the demo's people and a few steps on fresh seals. */
export const AUTHORITY = '宁阳县鹤山镇人民政府';
let serial = 0;
export const freshPhone = (): string => `1581234${String(++serial).padStart(4, '0')}`;

export interface People {
  officer: Actor; // 孙经管: station_officer of the town
  leader: Actor; // 周镇长: town_leader
  keeper: Actor; // 王保管: seal_keeper of 前鹤山村
  approver: Actor; // 赵书记: village_approver of 前鹤山村
  applicant: Actor; // 张村民
  supervisor: Actor; // 吴纪委
  otherKeeper: Actor; // keeper of 后鹤山村
  otherApprover: Actor; // approver of 后鹤山村
}

export async function people(deps: Deps): Promise<People> {
  const byRole = (r: Role) => actorByPhone(deps, demoLogin(r).phone);
  const other = (await deps.uow.read((tx) => tx.seals.list({ scopes: [''], orgCode: DEMO_OTHER_VILLAGE, typeCode: 'village_committee', limit: 1 }))).items[0]!;
  return {
    officer: await byRole('station_officer'), leader: await byRole('town_leader'), keeper: await byRole('seal_keeper'),
    approver: await byRole('village_approver'), applicant: await byRole('applicant'), supervisor: await byRole('supervisor'),
    otherKeeper: await actorOf(deps, other.keeperUserId!), otherApprover: await actorOf(deps, other.approverUserIds[0]!),
  };
}

/** Everything a refused step must leave as it was. */
export async function snapshot(env: TestEnv, id: string) {
  const db = env.database.db;
  return {
    row: await db.selectFrom('seals').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    handovers: await db.selectFrom('seal_handovers').selectAll().where('seal_id', '=', id).orderBy('id').execute(),
    audit: await auditCount(env.database),
  };
}

/** Helpers bound to a suite's environment and people (read lazily: they are set in beforeAll). */
export function sealSteps(envOf: () => TestEnv, peopleOf: () => People) {
  const system = systemActor('cli');
  /** A new person holding `roles`, granted by the system actor. */
  const person = async (name: string, orgCode: string, roles: [Role, string][]): Promise<Actor> => {
    // Nobody logs in here: skip the argon2 work.
    const quick: Deps = { ...envOf().deps, hasher: { hash: async () => 'not-a-login', verify: async () => false } };
    const u = await createUser(quick, { actor: system, input: { name, phone: freshPhone(), password: DEMO_PASSWORD, orgCode } });
    for (const [role, on] of roles) await grantRole(envOf().deps, { actor: system, userId: u.id, input: { role, orgCode: on } });
    return actorOf(envOf().deps, u.id);
  };
  const issueVillageSeal = (patch: Partial<Parameters<typeof issueSeal>[1]['input']> = {}) =>
    issueSeal(envOf().deps, { actor: peopleOf().officer, input: { typeCode: 'village_committee', orgCode: DEMO_VILLAGE, issuingAuthority: AUTHORITY, keeperUserId: peopleOf().keeper.userId, approverUserIds: [peopleOf().approver.userId], ...patch } });
  const step = <A extends TransitionAction>(id: string, action: A, input: Parameters<typeof transitionSeal<A>>[1]['input'], actor = peopleOf().officer) =>
    transitionSeal(envOf().deps, { actor, id, action, input });
  const activeSeal = async (): Promise<Seal> => {
    const s = await issueVillageSeal();
    await step(s.id, 'file', { filingNumber: `鹤公备T${s.id.slice(-6)}` });
    return step(s.id, 'activate', {});
  };
  return { person, issueVillageSeal, step, activeSeal };
}
