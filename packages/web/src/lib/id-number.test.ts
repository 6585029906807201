import { describe, expect, it } from 'vitest';
import { validIdNumber } from './id-number';

describe('validIdNumber', () => {
  it('accepts numbers whose check character is right, X in either case', () => {
    expect(validIdNumber('370921195001011236')).toBe(true);
    expect(validIdNumber('11010519491231002X')).toBe(true);
    expect(validIdNumber('11010519491231002x')).toBe(true);
  });

  it('refuses a wrong check character, a wrong length and letters inside', () => {
    expect(validIdNumber('370921195001011234')).toBe(false);
    expect(validIdNumber('37092119500101123')).toBe(false);
    expect(validIdNumber('3709211950010112366')).toBe(false);
    expect(validIdNumber('37092119500A011236')).toBe(false);
  });
});
