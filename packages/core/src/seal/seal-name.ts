import type { SealType } from './seal.js';

/** The unit's everyday name: 前鹤山村委会 → 前鹤山村, 王卞社区 stays. */
export function shortUnitName(orgName: string): string {
  return orgName.replace(/村民委员会$|村委会$/, '村').replace(/居民委员会$|居委会$/, '居');
}

/** The committee's legal name as cut in the seal: 前鹤山村民委员会, 王卞社区居民委员会. */
export function committeeName(orgName: string): string {
  const short = shortUnitName(orgName);
  if (short.endsWith('村')) return `${short}民委员会`;
  if (short.endsWith('居')) return `${short}民委员会`;
  return `${short}居民委员会`;
}

/** Default name of a new seal's master record, from its unit and type. */
export function defaultSealName(orgName: string, type: Pick<SealType, 'code' | 'nameZh'>): string {
  const short = shortUnitName(orgName);
  switch (type.code) {
    case 'village_committee': return `${committeeName(orgName)}印章`;
    case 'contract': return `${committeeName(orgName)}合同专用章`;
    case 'finance': return `${committeeName(orgName)}财务专用章`;
    case 'party_branch': return `中共${short}支部委员会印章`;
    case 'supervision': return `${short}村务监督委员会印章`;
    default: return `${short}${type.nameZh}`;
  }
}
