import { describe, expect, it } from 'vitest';
import { bestPageMatch, phashDistance } from './phash.js';
import { queryTerms, searchTerms } from './search-terms.js';

describe('ledger search terms', () => {
  it('indexes CJK runs as characters and bigrams, latin and digits as lower-case words', () => {
    expect(searchTerms('居住证明').split(' ')).toEqual(['居', '居住', '住', '住证', '证', '证明', '明']);
    expect(searchTerms('统计年报 2025，No.7A', null, undefined).split(' ')).toEqual(['统', '统计', '计', '计年', '年', '年报', '报', '2025', 'no', '7a']);
    expect(searchTerms('王建国', '王建国')).toBe('王 王建 建 建国 国');
    expect(searchTerms('，。 ')).toBe('');
  });

  it('asks for a single character alone and for the bigrams of longer runs', () => {
    expect(queryTerms('王')).toEqual(['王']);
    expect(queryTerms('王建国')).toEqual(['王建', '建国']);
    expect(queryTerms(' 证明 2025 ')).toEqual(['证明', '2025']);
    expect(queryTerms('！？')).toEqual([]);
    // Every term of a query is among the terms of a text that contains it.
    const text = searchTerms('子女入学需要居住证明（王建国）');
    for (const q of ['居住', '王建国', '入学', '证']) for (const t of queryTerms(q)) expect(text.split(' ')).toContain(t);
  });

  it('measures the Hamming distance of 64-bit hashes and picks the closest approved page', () => {
    expect(phashDistance('ffffffffffffffff', '0000000000000000')).toBe(64);
    expect(phashDistance('bbbbbbbbbbbbbbbb', 'bbbbbbbbbbbbbbb8')).toBe(2);
    expect(bestPageMatch([{ pageNo: 1, sm3: 'x', phash: 'aaaaaaaaaaaaaaaa' }, { pageNo: 2, sm3: 'y', phash: 'bbbbbbbbbbbbbbbb' }], 'bbbbbbbbbbbbbbb8'))
      .toEqual({ pageNo: 2, distance: 2 });
    expect(bestPageMatch([], 'bbbbbbbbbbbbbbbb')).toBeNull();
  });
});
