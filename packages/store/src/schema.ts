/** Row shapes as stored. Both dialects use text timestamps (ISO 8601, UTC) and 0/1 flags. */
export interface OrgUnitsTable { code: string; name: string; level: string; parent_code: string | null }
export interface UsersTable {
  id: string; name: string; phone_enc: string; phone_index: string; id_number_enc: string | null;
  password_hash: string; totp_secret_enc: string | null; totp_enabled: number; failed_logins: number;
  locked_until: string | null; disabled: number; demo: number; home_org_code: string; created_at: string;
  totp_last_step: number;
}
export interface GrantsTable { id: string; user_id: string; role: string; org_code: string; created_at: string }
export interface SessionsTable { id_hash: string; user_id: string; csrf_token: string; stage: string; created_at: string; expires_at: string; ip: string }
export interface SealTypesTable { code: string; name_zh: string; name_en: string; custody: string; builtin: number }
export interface SealsTable {
  id: string; type_code: string; org_code: string; name: string; status: string; issuing_authority: string;
  filing_number: string | null; activated_at: string | null; keeper_user_id: string | null; approver_user_ids: string;
  custody_org_code: string; impression_blob: string | null; device_id: string | null; created_at: string; updated_at: string; version: number;
}
export interface SealHandoversTable {
  id: string; seal_id: string; giver_user_id: string | null; giver_name: string; receiver_user_id: string; receiver_name: string;
  witness_name: string; handed_at: string; note: string; impression_blob: string | null;
}
export interface AuditLogTable {
  seq: number; at: string; actor_id: string; action: string; target_type: string; target_id: string; org_code: string;
  ip: string; before_json: string; after_json: string; prev_hash: string; hash: string;
}
/** One row: the chain head, locked by each append so concurrent writers serialise. */
export interface AuditHeadTable { id: number; seq: number; hash: string }

export interface ApplicationsTable {
  id: string; seal_id: string; org_code: string; matter_code: string; route: string; reason: string; document_title: string;
  copies: number; impressions: number; applicant_user_id: string; on_behalf_of_name: string | null; clerk_user_id: string | null;
  contract_words: string; resolution_blob: string | null; status: string; decided_by: string | null; decided_for_user_id: string | null;
  decided_at: string | null; opinion: string | null; created_at: string; updated_at: string; version: number;
  serial_no: number; reminded_at: string | null;
  /** Free-text index terms (searchTerms); SQLite's ledger_fts and PostgreSQL's search_vec follow it. */
  search_terms: string;
}
export interface ApplicationPagesTable { application_id: string; page_no: number; blob_key: string; thumb_key: string; sm3: string; phash: string }
export interface AuthorizationsTable {
  id: string; application_id: string; seal_id: string; device_id: string | null; impressions_allowed: number; impressions_used: number;
  valid_from: string; valid_until: string; status: string; revoked_at: string | null; pages: string; created_at: string; version: number;
}
export interface DelegationsTable {
  id: string; approver_user_id: string; deputy_user_id: string; org_code: string; valid_from: string; valid_until: string; created_at: string;
}

export interface StampingsTable {
  id: string; application_id: string; authorization_id: string; seal_id: string; org_code: string; source: string; impressions: number;
  stamped_at: string; operator_user_id: string | null; device_id: string | null; latitude: number | null; longitude: number | null;
  photo_key: string | null; thumb_key: string | null; sm3: string | null; phash: string | null; matched_page_no: number | null;
  phash_distance: number | null; note: string | null; created_at: string;
  device_seq: number | null; received_at: string | null; before_key: string | null; flags: string;
}
export interface MattersTable { town_code: string; code: string; name_zh: string; name_en: string; route: string; enabled: number; sort_order: number; updated_at: string }
export interface CertificateTemplatesTable {
  town_code: string; code: string; name_zh: string; name_en: string; matter_code: string; fields: string; body: string; enabled: number; updated_at: string;
}
export interface CertificatesTable {
  id: string; verify_code: string; template_code: string; title: string; org_code: string; seal_id: string; application_id: string;
  clerk_user_id: string; fields_enc: string; pdf_key: string; issued_at: string;
}

export interface DevicesTable {
  id: string; org_code: string; seal_id: string | null; status: string; label: string; public_key: string; credential_hash: string; hb_key_enc: string;
  fence_lat_e6: number | null; fence_lng_e6: number | null; fence_radius_m: number | null; hours_from: string | null; hours_to: string | null;
  replaces: string | null; replaced_by: string | null; virtual: number; lock_wanted: number; lock_reason: string | null; lock_command_id: string | null;
  model: string | null; firmware: string | null; hardware: string | null; hb_seconds: number | null; state: string | null; online: number;
  connected_at: string | null; last_seen_at: string | null; seq_high: number; seq_gaps: string; battery: number | null; ink: number | null;
  lat_e6: number | null; lng_e6: number | null; clock_skew_ms: number | null; created_at: string; updated_at: string; version: number;
}
export interface DeviceEventsTable { device_id: string; seq: number; type: string; device_time: string; received_at: string; body: string; sig: string }
export interface DeviceCommandsTable {
  id: string; device_id: string; type: string; message: string; status: string; attempts: number; next_attempt_at: string; expires_at: string;
  created_by: string; created_at: string; acked_at: string | null; error: string | null;
}
export interface AlarmsTable {
  id: string; org_code: string; device_id: string | null; seal_id: string | null; rule: string; severity: string; status: string; evidence: string;
  event_seq: number | null; dedupe_key: string | null; auto_locked: number; created_at: string; acknowledged_by: string | null; acknowledged_at: string | null;
  resolved_by: string | null; resolved_at: string | null; note: string | null; version: number;
}
export interface AlarmRulesTable { town_code: string; rule: string; enabled: number; severity: string; auto_lock: number; threshold: number | null; updated_at: string }
export interface DeviceRequestsTable {
  id: string; device_id: string; org_code: string; kind: string; maintenance_kind: string | null; reason: string; status: string; requested_by: string;
  requested_at: string; decided_by: string | null; decided_at: string | null; opinion: string | null; version: number;
}

export interface DevicePhotosTable { sm3: string; device_id: string; announced_at: string; stored_at: string | null; thumb_key: string | null }

export interface DB {
  device_photos: DevicePhotosTable;
  devices: DevicesTable;
  device_events: DeviceEventsTable;
  device_commands: DeviceCommandsTable;
  alarms: AlarmsTable;
  alarm_rules: AlarmRulesTable;
  device_requests: DeviceRequestsTable;
  stampings: StampingsTable;
  matters: MattersTable;
  certificate_templates: CertificateTemplatesTable;
  certificates: CertificatesTable;
  applications: ApplicationsTable;
  application_pages: ApplicationPagesTable;
  authorizations: AuthorizationsTable;
  delegations: DelegationsTable;
  org_units: OrgUnitsTable;
  users: UsersTable;
  role_grants: GrantsTable;
  sessions: SessionsTable;
  seal_types: SealTypesTable;
  seals: SealsTable;
  seal_handovers: SealHandoversTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
}
