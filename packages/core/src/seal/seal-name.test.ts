import { describe, expect, it } from 'vitest';
import { committeeName, defaultSealName } from './seal-name.js';

describe('default seal names', () => {
  it('names a village committee seal after the committee', () => {
    expect(committeeName('前鹤山村委会')).toBe('前鹤山村民委员会');
    expect(defaultSealName('前鹤山村委会', { code: 'village_committee', nameZh: '' })).toBe('前鹤山村民委员会印章');
    expect(defaultSealName('前鹤山村委会', { code: 'contract', nameZh: '' })).toBe('前鹤山村民委员会合同专用章');
  });

  it('names a community seal after its residents committee', () => {
    expect(defaultSealName('王卞社区', { code: 'village_committee', nameZh: '' })).toBe('王卞社区居民委员会印章');
    expect(defaultSealName('王卞社区居委会', { code: 'contract', nameZh: '' })).toBe('王卞社区居民委员会合同专用章');
  });

  it('uses the everyday name for branch and configured seals', () => {
    expect(defaultSealName('桃园村委会', { code: 'party_branch', nameZh: '' })).toBe('中共桃园村支部委员会印章');
    expect(defaultSealName('桃园村委会', { code: 'seal_x', nameZh: '民兵连印章' })).toBe('桃园村民兵连印章');
  });
});
