import { importDivisions, systemActor, type DivisionRow } from '@cunzhang/core';
import { parseDivisionsCsv, parseNameTable } from '@cunzhang/server';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UsageError, withRuntime, type Out } from '../context.js';

async function readText(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

/**
 * The province file names only villages; towns.csv and counties.csv beside it (the official
 * layout of divisions/shandong) give the names of the towns and counties above them.
 */
async function withNamesFromBeside(file: string, rows: DivisionRow[], out: Out): Promise<DivisionRow[]> {
  if (rows.every((r) => r.townName && r.countyName)) return rows;
  const dir = path.dirname(file);
  const table = async (name: string): Promise<Map<string, string>> =>
    existsSync(path.join(dir, name)) ? parseNameTable(await readText(path.join(dir, name))) : new Map();
  const [towns, counties] = [await table('towns.csv'), await table('counties.csv')];
  if (towns.size || counties.size) out(`names of towns and counties from ${dir}/towns.csv and counties.csv`);
  return rows.map((r) => {
    const townName = r.townName ?? towns.get(r.townCode);
    const countyName = r.countyName ?? counties.get(r.countyCode);
    return { ...r, ...(townName ? { townName } : {}), ...(countyName ? { countyName } : {}) };
  });
}

/** cunzhang import-divisions FILE.csv[.gz] [--town CODE] */
export async function importDivisionsCommand(args: { file: string; town?: string | undefined }, out: Out, env?: NodeJS.ProcessEnv): Promise<void> {
  if (args.town && !/^\d{9}$/.test(args.town)) throw new UsageError(`--town ${args.town}: a town code has 9 digits`);
  const rows = await withNamesFromBeside(args.file, parseDivisionsCsv(await readText(args.file)), out);
  const r = await withRuntime((rt) => importDivisions(rt.deps, { actor: systemActor('cli'), rows, ...(args.town ? { town: args.town } : {}) }), env);
  out(`imported ${args.file}: ${r.inserted} new, ${r.updated} renamed, ${r.unchanged} unchanged units`);
}
