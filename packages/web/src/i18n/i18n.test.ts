import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { zh } from './zh';

type Tree = { [k: string]: string | Tree };

function keys(t: Tree, prefix = ''): string[] {
  return Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`))).sort();
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(f) && !f.endsWith('.test.ts') ? [p] : [];
  });
}

const SRC = fileURLToPath(new URL('..', import.meta.url));

describe('translations', () => {
  it('zh-CN and English have exactly the same keys, none empty', () => {
    expect(keys(en as Tree)).toEqual(keys(zh as Tree));
    for (const k of keys(zh as Tree)) {
      const [section, key] = k.split('.') as [keyof typeof zh, string];
      expect((zh[section] as Record<string, string>)[key], `zh ${k}`).not.toBe('');
      expect((en[section] as Record<string, string>)[key], `en ${k}`).not.toBe('');
    }
  });

  it('every literal key the screens ask for exists, and the placeholders match between languages', () => {
    const known = new Set(keys(zh as Tree));
    const missing: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z_]+\.[a-zA-Z0-9_]+)'/g)) if (!known.has(m[1]!)) missing.push(`${file.slice(SRC.length)}: ${m[1]}`);
      // Template keys with one ${…} part: the fixed part must name a section that exists.
      for (const m of text.matchAll(/\bt\(\s*`([a-zA-Z_]+)\.\$\{/g)) if (!(m[1]! in zh)) missing.push(`${file.slice(SRC.length)}: ${m[1]}.*`);
    }
    expect(missing).toEqual([]);
    const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const k of known) {
      const [section, key] = k.split('.') as [keyof typeof zh, string];
      expect(vars((en[section] as Record<string, string>)[key]!), k).toEqual(vars((zh[section] as Record<string, string>)[key]!));
    }
  });

  it('names every application status, authorization status, route and live event in both languages', () => {
    for (const s of ['pending', 'approved', 'rejected', 'withdrawn', 'expired', 'revoked', 'stamped']) expect(zh.appStatus).toHaveProperty(s);
    for (const s of ['active', 'revoked', 'used']) expect(en.authStatus).toHaveProperty(s);
    for (const r of ['keeper', 'approver', 'leader', 'resolution']) {
      expect(zh.route).toHaveProperty(r);
      expect(en.routeShort).toHaveProperty(r);
    }
    for (const e of ['submitted', 'approved', 'rejected', 'withdrawn', 'revoked', 'stamped', 'expired', 'reminder']) expect(zh.live).toHaveProperty(e);
  });
});
