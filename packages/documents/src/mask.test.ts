import { describe, expect, it } from 'vitest';
import { maskIdNumber, maskPhone, maskText } from './mask.js';

describe('masking personal numbers', () => {
  it('masks a phone and an ID number on their own', () => {
    expect(maskPhone('13800000005')).toBe('138****0005');
    expect(maskIdNumber('370921198503121236')).toBe('3709**********1236');
    expect(maskIdNumber('37092119850312123X')).toBe('3709**********123X');
    expect(maskPhone('12345')).toBe('*****');
  });

  it('masks phones and ID numbers inside remarks', () => {
    expect(maskText('申请人张三，电话13800000005，身份证370921198503121236。')).toBe(
      '申请人张三，电话138****0005，身份证3709**********1236。',
    );
    expect(maskText('Tel:+86 138-0000-0005, id 37092119850312123x')).toBe('Tel:+86 138-****-0005, id 3709**********123x');
    expect(maskText('电话13800000005.')).toBe('电话138****0005.');
    expect(maskText('联系8613912345678')).toBe('联系86139****5678');
    expect(maskText('身份证 370921 19850312 1236')).toBe('身份证 3709** ******** 1236');
  });

  it('leaves dates, amounts and other long numbers alone', () => {
    for (const text of [
      '日期20261127',
      '金额12000000000.5元',
      '订单202611271234567890',
      '卡号6222021234567890123',
      '座机0538-5621234',
      '12位138000000051',
    ]) {
      expect(maskText(text)).toBe(text);
    }
  });
});
