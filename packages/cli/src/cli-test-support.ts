import type { Database } from '@cunzhang/store';
import { openSqlite } from '@cunzhang/store';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, vi } from 'vitest';
import { run } from './main.js';

/** Shared by the CLI suites: run the command in-process, count rows, temporary data dirs. */
export interface Result { code: number; out: string; err: string }

/** Runs the CLI in-process, as `cunzhang ARGS` with exactly the environment `env`. */
export async function cli(args: string[], env: Record<string, string>): Promise<Result> {
  const lines: string[] = [];
  const errs: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    errs.push(String(chunk));
    return true;
  });
  try {
    const code = await run(args, (l) => lines.push(l), env);
    return { code, out: lines.join('\n'), err: errs.join('') };
  } finally {
    spy.mockRestore();
  }
}

export const count = async (database: Database, table: 'audit_log' | 'org_units' | 'users' | 'seals' | 'role_grants' | 'seal_handovers'): Promise<number> =>
  Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

export async function withSqlite<T>(dataDir: string, fn: (d: Database) => Promise<T>): Promise<T> {
  const d = openSqlite(path.join(dataDir, 'cunzhang.db'));
  try {
    return await fn(d);
  } finally {
    await d.close();
  }
}

const tmpDirs: string[] = [];
export async function tmp(label: string): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), `cz-cli-${label}-`));
  tmpDirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});
