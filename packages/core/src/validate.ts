import type { z } from 'zod';
import { AppError } from './errors.js';

/**
 * Checks a use-case's input against its schema. The HTTP edge validates too, but the CLI and
 * the demo seed call use-cases directly, and the rules in the schemas (phone format, ID check
 * digit, two distinct witnesses…) are domain rules, so every caller meets them.
 * Parsing is idempotent for already-parsed input.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  throw new AppError('VALIDATION', field ? `${field}: ${issue.message}` : issue.message, field ? { field } : {});
}
