import {
  createUser, grantRole, importDivisions, issueSeal, systemActor, transitionSeal, type Deps, type Role,
} from '@cunzhang/core';
import { readFileSync } from 'node:fs';
import { parseDivisionsCsv } from '../divisions-csv.js';

export const DEMO_PASSWORD = 'Heshan@2026';
export const DEMO_TOWN = '370921113';
export const DEMO_VILLAGE = '370921113201'; // 前鹤山村
export const DEMO_OTHER_VILLAGE = '370921113202'; // 后鹤山村
/** Known TOTP secret of the demo administrators, printed at start-up in demo mode only. */
export const DEMO_TOTP_SECRET = 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD';

export interface DemoLogin { phone: string; name: string; role: Role; orgCode: string; totp: boolean }

export const DEMO_LOGINS: DemoLogin[] = [
  { phone: '13800000001', name: '张村民', role: 'applicant', orgCode: DEMO_VILLAGE, totp: false },
  { phone: '13800000002', name: '李经办', role: 'service_clerk', orgCode: DEMO_VILLAGE, totp: false },
  { phone: '13800000003', name: '王保管', role: 'seal_keeper', orgCode: DEMO_VILLAGE, totp: false },
  { phone: '13800000004', name: '赵书记', role: 'village_approver', orgCode: DEMO_VILLAGE, totp: false },
  { phone: '13800000005', name: '孙经管', role: 'station_officer', orgCode: DEMO_TOWN, totp: false },
  { phone: '13800000006', name: '周镇长', role: 'town_leader', orgCode: DEMO_TOWN, totp: false },
  { phone: '13800000007', name: '吴纪委', role: 'supervisor', orgCode: DEMO_TOWN, totp: false },
  { phone: '13800000008', name: '郑审计', role: 'auditor', orgCode: DEMO_TOWN, totp: false },
  { phone: '13800000009', name: '钱系统', role: 'sys_admin', orgCode: DEMO_TOWN, totp: true },
  { phone: '13800000010', name: '冯安全', role: 'sec_admin', orgCode: DEMO_TOWN, totp: true },
  { phone: '13800000011', name: '陈审计员', role: 'audit_admin', orgCode: DEMO_TOWN, totp: true },
];

/** Seeds Heshan town when the database holds no org units yet. Returns false if it was seeded already. */
export async function seedDemo(deps: Deps, opts: { csvPath: string; log?: (msg: string) => void }): Promise<boolean> {
  if ((await deps.uow.read((tx) => tx.orgs.count())) > 0) return false;
  const log = opts.log ?? (() => undefined);
  const actor = systemActor('demo-seed');
  const rows = parseDivisionsCsv(readFileSync(opts.csvPath, 'utf8'));
  await importDivisions(deps, { actor, rows, town: DEMO_TOWN });
  log(`demo: imported ${rows.length} village units of 鹤山镇`);

  // Hash the shared demo password once: argon2 per account would slow the first start.
  const hasher = deps.hasher;
  const hash = await hasher.hash(DEMO_PASSWORD);
  const fast: Deps = { ...deps, hasher: { hash: async () => hash, verify: hasher.verify } };
  const person = async (phone: string, name: string, orgCode: string, roles: Role[]): Promise<string> => {
    const u = await createUser(fast, { actor, input: { name, phone, password: DEMO_PASSWORD, orgCode }, demo: true });
    for (const role of roles) await grantRole(fast, { actor, userId: u.id, input: { role, orgCode } });
    return u.id;
  };
  const ids = new Map<string, string>();
  for (const d of DEMO_LOGINS) ids.set(d.phone, await person(d.phone, d.name, d.orgCode, [d.role]));
  if (DEMO_LOGINS.some((d) => d.totp)) {
    await deps.uow.write(async (tx) => {
      for (const d of DEMO_LOGINS.filter((x) => x.totp)) {
        await tx.users.update(ids.get(d.phone)!, { totpSecretEnc: deps.cipher.encrypt(DEMO_TOTP_SECRET), totpEnabled: true });
      }
    });
  }
  const stationOfficer = ids.get('13800000005')!;
  const leader = ids.get('13800000006')!;
  let n = 0;
  for (const [i, row] of rows.filter((r) => r.townCode === DEMO_TOWN).entries()) {
    const isDemoVillage = row.code === DEMO_VILLAGE;
    const keeper = isDemoVillage ? ids.get('13800000003')! : await person(`1390921${String(i * 2).padStart(4, '0')}`, `${row.name.slice(0, 3)}保管员`, row.code, ['seal_keeper']);
    const approver = isDemoVillage ? ids.get('13800000004')! : await person(`1390921${String(i * 2 + 1).padStart(4, '0')}`, `${row.name.slice(0, 3)}书记`, row.code, ['village_approver']);
    for (const [typeCode, keeperId, approverIds] of [['village_committee', keeper, [approver]], ['contract', stationOfficer, [leader]]] as const) {
      const seal = await issueSeal(deps, { actor, input: { typeCode, orgCode: row.code, issuingAuthority: '宁阳县鹤山镇人民政府', keeperUserId: keeperId, approverUserIds: [...approverIds] } });
      await transitionSeal(deps, { actor, id: seal.id, action: 'file', input: { filingNumber: `鹤公备${row.code.slice(-3)}${typeCode === 'contract' ? 'H' : 'C'}2026` } });
      await transitionSeal(deps, { actor, id: seal.id, action: 'activate', input: {} });
      n++;
    }
  }
  log(`demo: issued, filed and activated ${n} seals`);
  return true;
}
