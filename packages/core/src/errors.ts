/**
 * Domain errors carry a code; the HTTP edge maps each code to one status in one table
 * (server/src/http/errors.ts). Core never speaks HTTP.
 */
export const ERROR_CODES = [
  'VALIDATION', // input is malformed or breaks a rule of its field
  'UNAUTHENTICATED', // no valid session
  'TOTP_REQUIRED', // password accepted, second factor still due
  'FORBIDDEN', // the actor's roles do not cover this action on this unit
  'NOT_FOUND', // no such record visible to the actor
  'CONFLICT', // the record exists already or changed meanwhile
  'ILLEGAL_TRANSITION', // a lifecycle step that the current state does not allow
  'ACCOUNT_LOCKED', // too many failed logins; locked until a time
  'RULE_VIOLATION', // a domain rule (e.g. separation of duties) refuses the step
  'TOO_LARGE', // an upload (bytes, pixels, files) is over a configured limit
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, opts: { field?: string; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.field = opts.field;
    this.details = opts.details;
  }
}

export const notFound = (what: string, id: string): AppError =>
  new AppError('NOT_FOUND', `${what} ${id} not found`, { field: 'id' });
