import { importDivisions, systemActor } from '@cunzhang/core';
import { parseDivisionsCsv } from '@cunzhang/server';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { UsageError, withRuntime, type Out } from '../context.js';

/** cunzhang import-divisions FILE.csv[.gz] [--town CODE] */
export async function importDivisionsCommand(args: { file: string; town?: string | undefined }, out: Out, env?: NodeJS.ProcessEnv): Promise<void> {
  if (args.town && !/^\d{9}$/.test(args.town)) throw new UsageError(`--town ${args.town}: a town code has 9 digits`);
  let bytes: Buffer;
  try {
    bytes = await readFile(args.file);
  } catch (e) {
    throw new UsageError(`cannot read ${args.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const text = (args.file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const rows = parseDivisionsCsv(text);
  const r = await withRuntime((rt) => importDivisions(rt.deps, { actor: systemActor('cli'), rows, ...(args.town ? { town: args.town } : {}) }), env);
  out(`imported ${args.file}: ${r.inserted} new, ${r.updated} renamed, ${r.unchanged} unchanged units`);
}
