/**
 * The matter catalogue (事项目录) of a town and how each matter is routed (domain W1). A town
 * can change its catalogue; these are the defaults from the Heshan model.
 */
export const ROUTES = {
  keeper: 'stamped on the keeper\'s review (直接盖章目录)',
  approver: 'needs the village approver (书记/主任)',
  leader: 'needs the town leader in charge (分管领导)',
  resolution: 'needs a villagers\' (representatives\') meeting resolution (村民(代表)会议决议)',
} as const;
export type Route = keyof typeof ROUTES;

export interface Matter {
  code: string;
  nameZh: string;
  nameEn: string;
  route: Route;
}

export const DEFAULT_MATTERS: readonly Matter[] = [
  { code: 'cert_age', nameZh: '年龄证明', nameEn: 'Age certificate', route: 'keeper' },
  { code: 'cert_education', nameZh: '学历证明', nameEn: 'Education certificate', route: 'keeper' },
  { code: 'cert_ethnicity', nameZh: '民族证明', nameEn: 'Ethnicity certificate', route: 'keeper' },
  { code: 'cert_occupation', nameZh: '职业/就业证明', nameEn: 'Occupation or employment certificate', route: 'keeper' },
  { code: 'cert_marital', nameZh: '婚姻状况证明', nameEn: 'Marital status certificate', route: 'keeper' },
  { code: 'cert_residence', nameZh: '居住证明', nameEn: 'Residence certificate', route: 'keeper' },
  { code: 'cert_kinship', nameZh: '亲属关系证明', nameEn: 'Kinship certificate', route: 'keeper' },
  { code: 'cert_school', nameZh: '入学证明', nameEn: 'School enrolment certificate', route: 'keeper' },
  { code: 'cert_death', nameZh: '死亡证明', nameEn: 'Death certificate', route: 'keeper' },
  { code: 'training_application', nameZh: '培训报名', nameEn: 'Training application', route: 'keeper' },
  { code: 'household_transfer', nameZh: '户口迁移', nameEn: 'Household registration transfer', route: 'keeper' },
  { code: 'cert_income', nameZh: '收入证明', nameEn: 'Income certificate', route: 'approver' },
  { code: 'report', nameZh: '报表填报', nameEn: 'Statistical report', route: 'approver' },
  { code: 'request', nameZh: '请示/报告', nameEn: 'Request or report to the town', route: 'approver' },
  { code: 'aid_application', nameZh: '救助/补助申请', nameEn: 'Aid or subsidy application', route: 'approver' },
  { code: 'building_application', nameZh: '建房申请', nameEn: 'House-building application', route: 'approver' },
  { code: 'major_report', nameZh: '重大事项报告', nameEn: 'Report on a major matter', route: 'leader' },
  { code: 'loan', nameZh: '借款', nameEn: 'Loan', route: 'resolution' },
  { code: 'guarantee', nameZh: '担保', nameEn: 'Guarantee', route: 'resolution' },
  { code: 'land_transfer', nameZh: '土地流转', nameEn: 'Land transfer', route: 'resolution' },
  { code: 'contracting', nameZh: '承包/租赁', nameEn: 'Contracting or lease', route: 'resolution' },
];

/**
 * Words that mark an economic commitment (domain §6). On a general seal they need a meeting
 * resolution or the contract-only seal (二章分立).
 */
export const CONTRACT_WORDS = ['借款', '担保', '贷款', '合同', '承包', '租赁'] as const;

/** Traditional forms of the characters in the contract words (貸款, 擔保, 租賃). */
const TRADITIONAL: Record<string, string> = { 貸: '贷', 擔: '担', 賃: '赁', 約: '约', 債: '债' };

/**
 * The text as the contract-word check reads it: full-width forms folded (NFKC), traditional
 * characters simplified, and everything but letters and digits removed, so that 借 款, 合-同
 * or 貸款 are still found.
 */
export function normalizeForWords(text: string): string {
  return text.normalize('NFKC').replace(/[貸擔賃約債]/g, (c) => TRADITIONAL[c] ?? c).replace(/[^\p{L}\p{N}]+/gu, '');
}

/** The contract words found in the texts of an application, in catalogue order. */
export function contractWordsIn(...texts: string[]): string[] {
  const all = texts.map(normalizeForWords).join('\n');
  return CONTRACT_WORDS.filter((w) => all.includes(w));
}

const STRICTER: Route[] = ['keeper', 'approver', 'leader', 'resolution'];

export interface Routing {
  route: Route;
  /** Why the route is stricter than the matter's own, for the screen and the audit trail. */
  reasons: string[];
  contractWords: string[];
}

/**
 * Routes an application: the matter's route, raised to "resolution" when a general seal
 * carries contract words. A contract-only seal is gated by the contract procedure instead.
 */
export function routeApplication(matter: Matter, texts: { reason: string; documentTitle: string }, sealTypeCode: string): Routing {
  const words = contractWordsIn(texts.reason, texts.documentTitle);
  const reasons: string[] = [];
  let route = matter.route;
  if (sealTypeCode !== 'contract' && words.length > 0 && STRICTER.indexOf(route) < STRICTER.indexOf('resolution')) {
    route = 'resolution';
    reasons.push(`contract words (${words.join('、')}) on a general seal: a meeting resolution or the contract-only seal is needed`);
  }
  return { route, reasons, contractWords: words };
}
