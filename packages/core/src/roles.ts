/**
 * Roles are always granted on an org unit and cover that unit and everything beneath it.
 * Permissions are the only thing use-cases check; a role is a named bundle of them.
 */
export const ROLES = [
  'applicant', // 申请人: a villager who asks for a stamp or certificate
  'service_clerk', // 代办点经办人: drafts certificates, applies on behalf of villagers
  'seal_keeper', // 印章保管人: keeps a seal and its device, reviews general matters
  'village_approver', // 村书记/主任: approves seal uses remotely
  'station_officer', // 镇经管站: keeps contract seals, runs the seal registry of the town
  'town_leader', // 分管领导: approves major matters, receives alarms
  'supervisor', // 纪委/村务监督委员会: reads the ledger, alarms and audit trail
  'auditor', // 审计组: runs the monthly joint review
  'sys_admin', // 系统管理员: accounts, org tree, seal types; cannot grant roles or read the trail
  'sec_admin', // 安全管理员: grants roles, unlocks accounts; cannot create accounts
  'audit_admin', // 安全审计员: reads and verifies the audit trail; changes nothing
] as const;
export type Role = (typeof ROLES)[number];

export const ADMIN_ROLES: readonly Role[] = ['sys_admin', 'sec_admin', 'audit_admin'];

export const PERMISSIONS = [
  'org.read',
  'org.import',
  'seal.read',
  'seal.manage',
  'sealtype.manage',
  'user.read',
  'user.create',
  'user.disable',
  'role.grant',
  'user.unlock',
  'audit.read',
  'application.create', // apply to use a seal (for oneself, or for a villager at the service point)
  'application.decide', // approve or reject applications routed to one
  'application.read', // read applications and their pages in one's units, and the ledger
  'stamping.record', // record by hand an impression made where no device is bound yet
  'certificate.issue', // fill a certificate template at the service point
  'matter.manage', // change a town's matter catalogue and certificate templates
  'ledger.export', // export the ledger (XLSX, PDF)
  'device.read', // see devices, their state, events and commands
  'device.manage', // provision, bind, fence, replace and retire devices
  'device.lock', // one-tap remote lock; ask for an unlock
  'device.unlock', // the second person who approves an unlock
  'device.maintain', // the keeper on site asks to open the device for maintenance
  'device.approve', // approve a maintenance opening remotely
  'alarm.read', // see alarms and their evidence
  'alarm.handle', // acknowledge and resolve alarms
  'alarm.configure', // change a town's alarm rules
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  applicant: ['org.read', 'application.create'],
  service_clerk: ['org.read', 'seal.read', 'application.create', 'application.read', 'certificate.issue'],
  seal_keeper: ['org.read', 'seal.read', 'application.decide', 'application.read', 'stamping.record', 'device.read', 'device.maintain', 'alarm.read'],
  village_approver: ['org.read', 'seal.read', 'application.decide', 'application.read', 'ledger.export', 'device.read', 'device.lock', 'device.approve', 'alarm.read', 'alarm.handle'],
  station_officer: [
    'org.read', 'seal.read', 'seal.manage', 'application.decide', 'application.read', 'stamping.record', 'matter.manage', 'ledger.export',
    'device.read', 'device.manage', 'device.lock', 'device.maintain', 'device.approve', 'alarm.read', 'alarm.handle', 'alarm.configure',
  ],
  town_leader: [
    'org.read', 'seal.read', 'seal.manage', 'application.decide', 'application.read', 'matter.manage', 'ledger.export',
    'device.read', 'device.manage', 'device.lock', 'device.unlock', 'device.approve', 'alarm.read', 'alarm.handle', 'alarm.configure',
  ],
  supervisor: ['org.read', 'seal.read', 'audit.read', 'user.read', 'application.read', 'ledger.export', 'device.read', 'device.lock', 'alarm.read', 'alarm.handle'],
  auditor: ['org.read', 'seal.read', 'application.read', 'ledger.export', 'device.read', 'alarm.read'],
  sys_admin: ['org.read', 'org.import', 'sealtype.manage', 'user.read', 'user.create', 'user.disable'],
  sec_admin: ['org.read', 'user.read', 'role.grant', 'user.unlock', 'device.read', 'device.unlock', 'alarm.read'],
  audit_admin: ['org.read', 'user.read', 'audit.read'],
};

/** Roles a village-level grant may carry; the others need a town or higher unit. */
export const VILLAGE_ROLES: readonly Role[] = ['applicant', 'service_clerk', 'seal_keeper', 'village_approver'];

export const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);
