import { describe, expect, it } from 'vitest';
import { isOrgCode, isWithin, levelOf, parentCode, townOf } from './org-code.js';

const VILLAGE = '370921113201'; // 前鹤山村
const OTHER_VILLAGE = '370921113202'; // 后鹤山村
const TOWN = '370921113'; // 鹤山镇
const COUNTY = '370921'; // 宁阳县

describe('administrative division codes', () => {
  it('derives the level from the length of an all-digit code', () => {
    expect(levelOf('37')).toBe('province');
    expect(levelOf('3709')).toBe('city');
    expect(levelOf(COUNTY)).toBe('county');
    expect(levelOf(TOWN)).toBe('town');
    expect(levelOf(VILLAGE)).toBe('village');
  });

  it('knows no level for codes of other lengths or with non-digits', () => {
    for (const bad of ['', '3', '370', '37092', '3709211', '37092111', '3709211132', '37092111320', '3709211132011', '37092111320a', ' 370921113', '370921113 ', '-370921']) {
      expect(levelOf(bad), bad).toBeNull();
      expect(isOrgCode(bad), bad).toBe(false);
    }
    expect(isOrgCode(VILLAGE)).toBe(true);
  });

  it('walks up the tree one level at a time', () => {
    expect(parentCode(VILLAGE)).toBe(TOWN);
    expect(parentCode(TOWN)).toBe(COUNTY);
    expect(parentCode(COUNTY)).toBe('3709');
    expect(parentCode('3709')).toBe('37');
    expect(parentCode('37')).toBeNull();
    expect(parentCode('')).toBeNull();
    expect(parentCode('37092111320')).toBeNull();
  });

  it('treats a unit as within itself and its ancestors, never within a sibling or a descendant', () => {
    expect(isWithin(VILLAGE, VILLAGE)).toBe(true);
    expect(isWithin(VILLAGE, TOWN)).toBe(true);
    expect(isWithin(VILLAGE, COUNTY)).toBe(true);
    expect(isWithin(VILLAGE, '')).toBe(true);
    expect(isWithin(OTHER_VILLAGE, VILLAGE)).toBe(false);
    expect(isWithin(VILLAGE, OTHER_VILLAGE)).toBe(false);
    expect(isWithin(TOWN, VILLAGE)).toBe(false);
    expect(isWithin('370921114201', TOWN)).toBe(false);
    expect(isWithin(COUNTY, TOWN)).toBe(false);
  });

  it('finds the town of a village or of the town itself, none above town level', () => {
    expect(townOf(VILLAGE)).toBe(TOWN);
    expect(townOf(TOWN)).toBe(TOWN);
    expect(townOf(COUNTY)).toBeNull();
    expect(townOf('37')).toBeNull();
  });
});
