import type { Me } from '../lib/types';

/** The town (9-digit code) of the person's first grant at town level or below, if any. */
export function homeTown(me: Me): string | null {
  for (const g of me.user.grants) if (g.orgCode.length >= 9) return g.orgCode.slice(0, 9);
  return me.user.homeOrgCode.length >= 9 ? me.user.homeOrgCode.slice(0, 9) : null;
}
