import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { checkPasswordStrength, createUserInput } from './create-user.js';
import { idNumberChecksumOk, maskIdNumber, maskPhone, PHONE_RE } from './user.js';
import { normalisePhone } from './view.js';

const policy = { maxFailedLogins: 5, lockoutMinutes: 15, sessionHours: 12, minPasswordLength: 8, separateApprovalAndCustody: true, maxImpressions: 50, maxPages: 50, applicationExpiryDays: 7, timeZone: 'Asia/Shanghai' , unlockSecondPerson: true };

describe('personal numbers', () => {
  it('masks a phone number to its first three and last four digits', () => {
    expect(maskPhone('13800000005')).toBe('138****0005');
    expect(maskPhone('123')).toBe('****');
  });

  it('masks an ID number to its first and last four characters', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
    expect(maskIdNumber('1234567')).toBe('****');
  });

  it('checks the GB 11643 check digit of an 18-character ID number', () => {
    expect(idNumberChecksumOk('11010519491231002X')).toBe(true);
    expect(idNumberChecksumOk('370921198503121236')).toBe(true);
    expect(idNumberChecksumOk('370921198503121237')).toBe(false);
    expect(idNumberChecksumOk('110105194912310021')).toBe(false);
    expect(idNumberChecksumOk('11010519491231002x')).toBe(false); // lower-case x is upper-cased by the schema first
    expect(idNumberChecksumOk('37092119850312123')).toBe(false);
    expect(idNumberChecksumOk('3709211985031212360')).toBe(false);
    expect(idNumberChecksumOk('A70921198503121236')).toBe(false);
  });

  it('normalises phone numbers typed with spaces, dashes or the country code', () => {
    for (const p of ['13800000005', '138 0000 0005', '138-0000-0005', '+8613800000005', '86 138 0000 0005']) {
      expect(normalisePhone(p), p).toBe('13800000005');
    }
    expect(PHONE_RE.test('12800000005')).toBe(false);
    expect(PHONE_RE.test('1380000000')).toBe(false);
  });
});

describe('account input', () => {
  const base = { name: '王保管', phone: '138 0000 0005', password: 'Heshan@2026', orgCode: '370921113201' };

  it('normalises the phone and upper-cases the ID number', () => {
    const parsed = createUserInput.parse({ ...base, idNumber: ' 11010519491231002x ' });
    expect(parsed.phone).toBe('13800000005');
    expect(parsed.idNumber).toBe('11010519491231002X');
  });

  it.each([
    ['phone', { phone: '12345' }],
    ['phone', { phone: '23800000005' }],
    ['idNumber', { idNumber: '110105194912310021' }],
    ['orgCode', { orgCode: '37092' }],
    ['name', { name: '   ' }],
  ])('refuses a bad %s', (field, patch) => {
    const r = createUserInput.safeParse({ ...base, ...patch });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path[0]).toBe(field);
  });

  it('refuses unknown fields', () => {
    expect(createUserInput.safeParse({ ...base, role: 'sys_admin' }).success).toBe(false);
  });

  it.each(['short1!', 'alllowercaseletters', '12345678901', 'ABCDEFGHIJ'])('refuses the weak password %s', (pw) => {
    try {
      checkPasswordStrength({ policy }, pw);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('VALIDATION');
      expect((e as AppError).field).toBe('password');
    }
  });

  it.each(['Heshan@2026', 'abcdefg1', 'ABCDEFG!'])('accepts the password %s', (pw) => {
    expect(() => checkPasswordStrength({ policy }, pw)).not.toThrow();
  });

  it('follows the policy minimum length', () => {
    expect(() => checkPasswordStrength({ policy: { ...policy, minPasswordLength: 12 } }, 'Heshan@2026')).toThrow(AppError);
  });
});
