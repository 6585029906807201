/**
 * The closed list of audit event types. Every state change appends exactly one of these
 * to the hash-chained trail, in the same transaction as the change.
 */
export const AUDIT_EVENTS = {
  ORG_IMPORTED: 'An org unit was created or renamed by a division import.',
  USER_CREATED: 'A person account was created.',
  USER_DISABLED: 'A person account was disabled and its sessions ended.',
  USER_UNLOCKED: 'A security administrator lifted a login lockout.',
  ROLE_GRANTED: 'A role on an org unit was granted to a person.',
  ROLE_REVOKED: 'A role on an org unit was taken from a person.',
  LOGIN_SUCCEEDED: 'A person logged in (after the second factor where due).',
  LOGIN_FAILED: 'A login attempt failed (wrong password or second factor).',
  ACCOUNT_LOCKED: 'Too many failed logins locked an account for a while.',
  LOGOUT: 'A person logged out.',
  TOTP_ENABLED: 'A person enrolled a TOTP second factor.',
  PASSWORD_CHANGED: 'A person changed their password.',
  SEAL_TYPE_CREATED: 'A configurable seal type was added.',
  SEAL_ISSUED: 'The town issued (制发) a new seal and entered its master record.',
  SEAL_UPDATED: 'A seal master record changed (keeper, approvers, impression image).',
  SEAL_FILED: 'A seal was registered and filed (备案) with its filing number.',
  SEAL_ACTIVATED: 'A filed or suspended seal was put into use.',
  SEAL_HANDED_OVER: 'Custody passed to a new keeper with a handover slip (移交).',
  SEAL_SUSPENDED: 'A seal was suspended from use, with the reason.',
  SEAL_DECLARED_LOST: 'A seal was declared lost and void (遗失作废).',
  SEAL_RETIRED: 'A seal was retired: sealed or destroyed by at least two people.',
  APPLICATION_SUBMITTED: 'An application to use a seal was filed with its photographed pages.',
  APPLICATION_APPROVED: 'An application was approved, with an opinion; an authorization was created.',
  APPLICATION_REJECTED: 'An application was rejected, with an opinion.',
  APPLICATION_WITHDRAWN: 'The applicant withdrew a pending application.',
  AUTHORIZATION_REVOKED: 'An unused authorization was revoked before any impression.',
  DELEGATION_CREATED: 'An approver named a deputy to decide for them during a period.',
  DELEGATION_ENDED: 'An approver ended (or cancelled) a delegation before its end.',
  APPLICATION_EXPIRED: 'A pending application nobody decided within the configured days lapsed.',
  STAMPING_RECORDED: 'An impression was made under an authorization (recorded by the keeper by hand, or by a device), with the stamped page.',
  CERTIFICATE_ISSUED: 'A service-point clerk filled a certificate template; its stamping application was filed with it.',
  MATTER_CHANGED: 'A town added or changed a matter in its catalogue (routing of applications).',
  CERTIFICATE_TEMPLATE_CHANGED: 'A town added or changed a certificate template.',
  LEDGER_EXPORTED: 'Somebody exported the seal-use ledger (XLSX or PDF), with the filter used.',
  DEVICE_PROVISIONED: 'A smart-seal device was entered in the registry with its credentials and public key.',
  DEVICE_UPDATED: 'A device\'s label, geofence or allowed hours changed.',
  DEVICE_BOUND: 'A device was bound to a seal (or unbound from it).',
  DEVICE_REPLACED: 'A device was replaced by a new one, which took over its seal.',
  DEVICE_RETIRED: 'A device was retired; its credentials no longer admit it.',
  DEVICE_LOCK_REQUESTED: 'Somebody (or a critical alarm) ordered a device locked; the command waits in the outbox.',
  DEVICE_LOCKED: 'A device acknowledged a lock command.',
  DEVICE_UNLOCK_REQUESTED: 'Somebody asked for a locked device to be unlocked, with a reason.',
  DEVICE_UNLOCK_DECIDED: 'A second person approved or rejected an unlock request.',
  DEVICE_UNLOCKED: 'A device acknowledged an unlock command.',
  DEVICE_MAINTENANCE_REQUESTED: 'The keeper on site asked to open a device for maintenance (ink, seal replacement, repair).',
  DEVICE_MAINTENANCE_DECIDED: 'A remote approver approved or rejected a maintenance opening.',
  ALARM_RAISED: 'An anomaly rule raised an alarm with its evidence (and, if critical, locked the device).',
  ALARM_ACKNOWLEDGED: 'Somebody acknowledged an alarm: it is being looked into.',
  ALARM_RESOLVED: 'Somebody resolved an alarm with a note.',
  ALARM_RULE_CHANGED: 'A town changed one of its alarm rules (enabled, severity, auto-lock, threshold).',
} as const;

export type AuditAction = keyof typeof AUDIT_EVENTS;
export const AUDIT_ACTIONS = Object.keys(AUDIT_EVENTS) as AuditAction[];

export interface AuditInput {
  actorId: string;
  action: AuditAction;
  targetType: 'org' | 'user' | 'seal' | 'seal_type' | 'session' | 'application' | 'delegation' | 'certificate' | 'matter' | 'certificate_template' | 'ledger' | 'device' | 'alarm' | 'device_request';
  targetId: string;
  /** The unit the target belongs to, so scoped readers can filter the trail. */
  orgCode: string;
  ip: string;
  before: unknown;
  after: unknown;
}

export interface AuditEntry extends AuditInput {
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
}
