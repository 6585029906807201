import { AppError, divisionRowSchema, type DivisionRow } from '@cunzhang/core';

/**
 * Parses a division CSV in the official layout (`code,name,town_code,town,county_code,county`,
 * or the province file's `code,name,town_code,county_code`). Names hold no commas or quotes
 * in the official data, but quoted fields are still read correctly.
 */
export function parseDivisionsCsv(text: string): DivisionRow[] {
  // Keep each row's file line number, so errors point at the line an editor shows.
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l, i) => ({ line: i + 1, text: l })).filter((l) => l.text.trim() !== '');
  if (lines.length === 0) throw new AppError('VALIDATION', 'the file is empty', { field: 'file' });
  const header = splitCsvLine(lines[0]!.text).map((h) => h.trim().toLowerCase());
  for (const col of ['code', 'name', 'town_code', 'county_code']) {
    if (!header.includes(col)) throw new AppError('VALIDATION', `line ${lines[0]!.line}: missing column "${col}" (expected code,name,town_code,county_code[,town,county])`, { field: col });
  }
  const idx = (c: string): number => header.indexOf(c);
  return lines.slice(1).map(({ line, text: row }) => {
    const cells = splitCsvLine(row);
    const get = (c: string): string | undefined => (idx(c) >= 0 ? cells[idx(c)]?.trim() : undefined);
    const raw = {
      code: get('code'), name: get('name'), townCode: get('town_code'), countyCode: get('county_code'),
      ...(get('town') ? { townName: get('town') } : {}), ...(get('county') ? { countyName: get('county') } : {}),
    };
    const parsed = divisionRowSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const column = COLUMN_OF[String(issue.path[0])] ?? 'line';
      throw new AppError('VALIDATION', `line ${line}: ${column}: ${issue.message}`, { field: column, details: { line } });
    }
    return parsed.data;
  });
}

/** CSV column of each parsed field, for error messages in the file's own terms. */
const COLUMN_OF: Record<string, string> = { code: 'code', name: 'name', townCode: 'town_code', townName: 'town', countyCode: 'county_code', countyName: 'county' };

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Code → name from a CSV with `code` and `name` columns (the official towns.csv, counties.csv). */
export function parseNameTable(text: string): Map<string, string> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const [ci, ni] = [header.indexOf('code'), header.indexOf('name')];
  if (ci < 0 || ni < 0) throw new AppError('VALIDATION', 'line 1: a name table needs "code" and "name" columns', { field: ci < 0 ? 'code' : 'name' });
  const out = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const cells = splitCsvLine(line);
    const code = cells[ci]?.trim();
    const name = cells[ni]?.trim();
    if (code && name) out.set(code, name);
  }
  return out;
}
