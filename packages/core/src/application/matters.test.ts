import { describe, expect, it } from 'vitest';
import { contractWordsIn, DEFAULT_MATTERS, routeApplication } from './matters.js';

const matter = (code: string) => DEFAULT_MATTERS.find((m) => m.code === code)!;

describe('the matter catalogue and routing (domain W1)', () => {
  it('has unique codes and stamps the direct list on the keeper\'s review', () => {
    expect(new Set(DEFAULT_MATTERS.map((m) => m.code)).size).toBe(DEFAULT_MATTERS.length);
    for (const code of ['cert_age', 'cert_marital', 'cert_death', 'household_transfer']) expect(matter(code).route).toBe('keeper');
    for (const code of ['loan', 'guarantee', 'land_transfer', 'contracting']) expect(matter(code).route).toBe('resolution');
  });

  it('finds the contract words in the reason and the title', () => {
    expect(contractWordsIn('为村集体向信用社贷款出具证明', '土地租赁情况说明')).toEqual(['贷款', '租赁']);
    expect(contractWordsIn('开具居住证明', '居住证明')).toEqual([]);
  });

  it('is not fooled by spaces, punctuation, full-width forms or traditional characters', () => {
    expect(contractWordsIn('为信用社借 款提供证明', '合-同')).toEqual(['借款', '合同']);
    expect(contractWordsIn('向銀行貸款並擔保', '土地租賃')).toEqual(['担保', '贷款', '租赁']);
    expect(contractWordsIn('承\u3000包　合·同', '')).toEqual(['合同', '承包']);
  });

  it('raises a general-seal application with contract words to a meeting resolution', () => {
    const r = routeApplication(matter('cert_residence'), { reason: '办理银行担保用', documentTitle: '居住证明' }, 'village_committee');
    expect(r.route).toBe('resolution');
    expect(r.contractWords).toEqual(['担保']);
    expect(r.reasons[0]).toMatch(/contract words \(担保\)/);
  });

  it('leaves a clean application on its matter\'s route, and a contract seal to its own procedure', () => {
    expect(routeApplication(matter('cert_residence'), { reason: '子女入学', documentTitle: '居住证明' }, 'village_committee')).toEqual({ route: 'keeper', reasons: [], contractWords: [] });
    expect(routeApplication(matter('request'), { reason: '土地承包合同备案', documentTitle: '承包合同' }, 'contract').route).toBe('approver');
  });
});
