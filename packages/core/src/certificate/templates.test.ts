import { describe, expect, it } from 'vitest';
import { DEFAULT_MATTERS } from '../application/matters.js';
import type { AppError } from '../errors.js';
import type { CertificateTemplate } from './records.js';
import { checkTemplateDefinition, cleanText, DEFAULT_CERTIFICATE_TEMPLATES, fillTemplate, formatCertificateDate, placeholdersOf } from './templates.js';
import { newVerifyCode, normalizeVerifyCode, VERIFY_CODE_ALPHABET } from './verify-code.js';
import { refusal } from '../test-support.js';

/** A valid 18-character ID number from its first 17 digits (GB 11643 check digit). */
const withCheckDigit = (first17: string): string => {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return first17 + '10X98765432'[w.reduce((s, wi, i) => s + wi * Number(first17[i]), 0) % 11];
};

const residence = DEFAULT_CERTIFICATE_TEMPLATES.find((x) => x.code === 'residence')!;
const ID = withCheckDigit('37092119850312001');
const ID_F = withCheckDigit('37092119850312002');
const values = { name: '张三', gender: '男', idNumber: ID, since: '2008-03', address: '前鹤山村东街12号' };


describe('certificate templates', () => {
  it('ships the common certificates, each consistent and filed under a matter of the default catalogue', () => {
    expect(DEFAULT_CERTIFICATE_TEMPLATES.map((x) => x.nameZh)).toEqual(['居住证明', '亲属关系证明', '婚姻状况证明', '就业证明', '入学证明', '死亡证明', '收入证明']);
    expect(new Set(DEFAULT_CERTIFICATE_TEMPLATES.map((x) => x.code)).size).toBe(DEFAULT_CERTIFICATE_TEMPLATES.length);
    for (const tpl of DEFAULT_CERTIFICATE_TEMPLATES) {
      expect(() => checkTemplateDefinition(tpl), tpl.code).not.toThrow();
      expect(DEFAULT_MATTERS.some((m) => m.code === tpl.matterCode), tpl.matterCode).toBe(true);
      expect(tpl.townCode).toBeNull();
      expect(tpl.body).toMatch(/特此证明。$/);
    }
  });

  it('fills the residence certificate in the committee\'s wording, leaving out the unused purpose line', () => {
    const filled = fillTemplate(residence, values);
    expect(filled.title).toBe('居住证明');
    expect(filled.body).toBe(`兹证明张三，性别男，公民身份号码${ID}，系我村村民，自2008年3月起在前鹤山村东街12号居住至今。\n特此证明。`);
    expect(filled.values).toEqual({ ...values, since: '2008年3月' });
    const withPurpose = fillTemplate(residence, { ...values, purpose: '办理子女入学' });
    expect(withPurpose.body.split('\n')).toEqual([expect.stringContaining('兹证明张三'), '本证明仅用于办理子女入学。', '特此证明。']);
    expect(withPurpose.body).not.toMatch(/\{\{|\}\}/);
  });

  it('refuses a date of birth the ID number contradicts, and takes the one it states', () => {
    const marital = DEFAULT_CERTIFICATE_TEMPLATES.find((t) => t.code === 'marital')!;
    const v = { name: '刘强', gender: '男', birthDate: '1985-03-12', idNumber: ID, maritalStatus: '未婚' };
    expect(fillTemplate(marital, v).body).toContain('1985年3月12日');
    const e = (() => {
      try {
        fillTemplate(marital, { ...v, birthDate: '1985-03-21' });
      } catch (err) {
        return err as AppError;
      }
      throw new Error('expected a refusal');
    })();
    expect(e.field).toBe('fields.birthDate');
    expect(e.message).toMatch(/gives 1985-03-12/);
  });

  it('names the field at fault: unknown, missing, too long, not a choice, bad ID number, bad date', () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...values, nickname: '小三' }, 'fields.nickname', /no such field/],
      [{ ...values, name: '  ' }, 'fields.name', /required \(姓名\)/],
      [{ ...values, name: undefined }, 'fields.name', /required/],
      [{ ...values, name: '张'.repeat(21) }, 'fields.name', /at most 20/],
      [{ ...values, gender: '未知' }, 'fields.gender', /one of 男\/女/],
      [{ ...values, gender: '女' }, 'fields.gender', /女 contradicts 公民身份号码, whose 17th digit says 男/],
      [{ ...values, idNumber: `${ID.slice(0, 17)}${ID[17] === '0' ? '1' : '0'}` }, 'fields.idNumber', /check digit/],
      [{ ...values, idNumber: '3709211985' }, 'fields.idNumber', /check digit/],
      [{ ...values, since: '2008-02-30' }, 'fields.since', /not a date/],
      [{ ...values, since: '去年' }, 'fields.since', /not a date/],
      [{ ...values, address: { html: '<b>' } }, 'fields.address', /must be text/],
    ];
    for (const [v, field, message] of cases) {
      const e = refusal(() => fillTemplate(residence, v));
      expect({ code: e.code, field: e.field }).toEqual({ code: 'VALIDATION', field });
      expect(e.message).toMatch(message);
    }
  });

  it('keeps values plain text: controls and direction overrides removed, a placeholder in a value stays literal', () => {
    const filled = fillTemplate(residence, { ...values, name: '张\u0000三\u202E\u200B', address: '东街{{idNumber}}号\n<script>' });
    expect(filled.values.name).toBe('张三');
    expect(filled.values.address).toBe('东街{{idNumber}}号 <script>');
    expect(filled.body).toContain('在东街{{idNumber}}号 <script>居住至今');
    expect(cleanText('第一行\r\n\r\n 第二行\t', true)).toBe('第一行\n第二行');
    expect(fillTemplate(residence, { ...values, idNumber: ` ${ID.toLowerCase()} ` }).values.idNumber).toBe(ID);
  });

  it('reads dates and numbers as clerks type them', () => {
    expect(formatCertificateDate('2008-03-05')).toBe('2008年3月5日');
    expect(formatCertificateDate('2008/3/5')).toBe('2008年3月5日');
    expect(formatCertificateDate('2008年3月5日')).toBe('2008年3月5日');
    expect(formatCertificateDate('2008年3月')).toBe('2008年3月');
    expect(formatCertificateDate('2008')).toBe('2008年');
    expect(formatCertificateDate('2024-02-29')).toBe('2024年2月29日');
    expect(formatCertificateDate('2023-02-29')).toBeNull();
    expect(formatCertificateDate('1850-01-01')).toBeNull();
    const income = DEFAULT_CERTIFICATE_TEMPLATES.find((x) => x.code === 'income')!;
    const base = { name: '李四', gender: '女', idNumber: ID_F, householdSize: 4, source: '种植小麦玉米', year: '2025', annualIncome: '036000' };
    expect(fillTemplate(income, base).body).toContain('家庭人口4人，主要收入来源为种植小麦玉米，2025年家庭年收入约36000元。');
    expect(refusal(() => fillTemplate(income, { ...base, annualIncome: '三万' })).field).toBe('fields.annualIncome');
    expect(refusal(() => fillTemplate(income, { ...base, annualIncome: '-5' })).field).toBe('fields.annualIncome');
  });

  it('refuses a template whose body and fields disagree', () => {
    const tpl = (over: Partial<CertificateTemplate>) => ({ ...residence, ...over });
    expect(placeholdersOf('{{a}}{{ b }}{{a}}')).toEqual(['a', 'b']);
    const cases: [Partial<CertificateTemplate>, string, RegExp][] = [
      [{ body: `${residence.body}{{age}}` }, 'body', /\{\{age\}\} is not one of/],
      [{ body: residence.body.replace('{{address}}', '{{ }}') }, 'body', /placeholder is written/],
      [{ body: residence.body.replace('{{address}}', '某地') }, 'fields', /address is not used/],
      [{ fields: [...residence.fields, residence.fields[0]!] }, 'fields.6.key', /used twice/],
      [{ fields: residence.fields.map((f) => (f.key === 'since' ? { ...f, options: ['2008'] } : f)) }, 'fields.3.options', /only a text field/],
    ];
    for (const [over, field, message] of cases) {
      const e = refusal(() => checkTemplateDefinition(tpl(over)));
      expect(e.field).toBe(field);
      expect(e.message).toMatch(message);
    }
  });
});

describe('verification codes', () => {
  it('are 12 unambiguous symbols grouped 4-4-4, different every time', () => {
    expect(VERIFY_CODE_ALPHABET).toHaveLength(32);
    expect(VERIFY_CODE_ALPHABET).not.toMatch(/[01OI]/);
    let n = 0;
    const ids = { token: () => `${(n += 1)}AbCdEfGhIjKlMnOpQrStUvWxYz-_0123456789`.slice(0, 43) };
    const a = newVerifyCode(ids);
    const b = newVerifyCode(ids);
    expect(a).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
    expect(a).not.toBe(b);
  });

  it('match as typed: any case, with or without dashes or spaces; anything else is no code', () => {
    expect(normalizeVerifyCode('abcd-efgh-jkmn')).toBe('ABCD-EFGH-JKMN');
    expect(normalizeVerifyCode('ABCDEFGHJKMN')).toBe('ABCD-EFGH-JKMN');
    expect(normalizeVerifyCode(' abcd efgh jkmn ')).toBe('ABCD-EFGH-JKMN');
    expect(normalizeVerifyCode('ABCD-EFGH-JKM0')).toBeNull();
    expect(normalizeVerifyCode('ABCD-EFGH-JKM')).toBeNull();
    expect(normalizeVerifyCode('<script>alert(1)</script>')).toBeNull();
  });
});
