/**
 * Official administrative division codes (统计用区划代码): province 2 digits, city 4,
 * county 6, town 9, village unit 12. A unit's ancestors are the prefixes of its code,
 * which makes "is this village inside that town" a string prefix test.
 */
export const ORG_LEVELS = ['province', 'city', 'county', 'town', 'village'] as const;
export type OrgLevel = (typeof ORG_LEVELS)[number];

const LENGTHS: Record<number, OrgLevel> = { 2: 'province', 4: 'city', 6: 'county', 9: 'town', 12: 'village' };

export function levelOf(code: string): OrgLevel | null {
  if (!/^\d+$/.test(code)) return null;
  return LENGTHS[code.length] ?? null;
}

export function isOrgCode(code: string): boolean {
  return levelOf(code) !== null;
}

export function parentCode(code: string): string | null {
  switch (code.length) {
    case 12: return code.slice(0, 9);
    case 9: return code.slice(0, 6);
    case 6: return code.slice(0, 4);
    case 4: return code.slice(0, 2);
    default: return null;
  }
}

/** True when `code` is `scope` itself or lies beneath it. */
export function isWithin(code: string, scope: string): boolean {
  return code.startsWith(scope);
}

/** The town (9 digits) a unit belongs to, or null above town level. */
export function townOf(code: string): string | null {
  return code.length >= 9 ? code.slice(0, 9) : null;
}
