import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { Dialect } from '../database.js';
import type { DB } from '../schema.js';

/** A repository's handle: the transaction (or pool) to run on, and the dialect. */
export interface Ctx {
  db: Kysely<DB> | Transaction<DB>;
  dialect: Dialect;
}

export const bool = (n: number): boolean => n === 1;
export const flag = (b: boolean): number => (b ? 1 : 0);

export const encodeCursor = (parts: string[]): string => Buffer.from(JSON.stringify(parts)).toString('base64url');

export function decodeCursor(cursor: string | undefined, n: number): string[] | null {
  if (!cursor) return null;
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === n && parts.every((p) => typeof p === 'string')) return parts as string[];
  } catch {
    // fall through: a malformed cursor is treated as the first page
  }
  return null;
}

/** `LIKE` pattern matching codes within a scope, with the scope's own wildcards escaped. */
export const within = (scope: string): string => `${scope.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export const likeAny = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** `col LIKE pattern ESCAPE '\'` in a form both dialects read the same way. */
export const like = (col: string, pattern: string): RawBuilder<SqlBool> => sql<SqlBool>`${sql.ref(col)} like ${pattern} escape '\\'`;
