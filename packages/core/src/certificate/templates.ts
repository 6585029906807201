import { AppError } from '../errors.js';
import { idNumberChecksumOk } from '../user/user.js';
import { CERTIFICATE_FIELD_KINDS, type CertificateField, type CertificateTemplate } from './records.js';

/**
 * The certificates a village service point writes most often (开具证明), in the wording a
 * village committee uses. A town may change any of them or add its own (same code replaces).
 *
 * Body rules: `{{key}}` stands for a field; each line is a paragraph; a line that holds an
 * optional field left empty is left out (so 「本证明仅用于{{purpose}}。」 disappears when no
 * purpose is given).
 */
type FieldSpec = Omit<CertificateField, 'required' | 'maxLength'> & { required?: boolean; maxLength?: number };
const field = (f: FieldSpec): CertificateField => ({ required: true, maxLength: DEFAULT_MAX[f.kind], ...f });
const DEFAULT_MAX: Record<CertificateField['kind'], number> = { text: 40, multiline: 500, id_number: 18, date: 11, number: 12 };

const name = field({ key: 'name', labelZh: '姓名', labelEn: 'Name', kind: 'text', maxLength: 20 });
const gender = field({ key: 'gender', labelZh: '性别', labelEn: 'Sex', kind: 'text', maxLength: 1, options: ['男', '女'] });
const idNumber = field({ key: 'idNumber', labelZh: '公民身份号码', labelEn: 'ID number', kind: 'id_number' });
const purpose = field({
  key: 'purpose', labelZh: '用途（可不填）', labelEn: 'Purpose (optional)', kind: 'text', required: false, maxLength: 40,
  hintZh: '例：办理子女入学、银行开户',
});
const address = field({ key: 'address', labelZh: '住址', labelEn: 'Address', kind: 'text', maxLength: 60, hintZh: '例：前鹤山村东街12号' });

const t = (code: string, nameZh: string, nameEn: string, matterCode: string, fields: CertificateField[], body: string[]): CertificateTemplate => ({
  code, townCode: null, nameZh, nameEn, matterCode, fields, body: body.join('\n'), enabled: true, updatedAt: '',
});

export const DEFAULT_CERTIFICATE_TEMPLATES: readonly CertificateTemplate[] = [
  t('residence', '居住证明', 'Residence certificate', 'cert_residence', [
    name, gender, idNumber,
    field({ key: 'since', labelZh: '起始居住时间', labelEn: 'Living there since', kind: 'date', hintZh: '例：2008-03 或 2008-03-15' }),
    address, purpose,
  ], [
    '兹证明{{name}}，性别{{gender}}，公民身份号码{{idNumber}}，系我村村民，自{{since}}起在{{address}}居住至今。',
    '本证明仅用于{{purpose}}。',
    '特此证明。',
  ]),
  t('kinship', '亲属关系证明', 'Kinship certificate', 'cert_kinship', [
    name, idNumber,
    field({ key: 'relativeName', labelZh: '亲属姓名', labelEn: 'Relative\'s name', kind: 'text', maxLength: 20 }),
    field({ key: 'relativeIdNumber', labelZh: '亲属公民身份号码', labelEn: 'Relative\'s ID number', kind: 'id_number' }),
    field({ key: 'relation', labelZh: '亲属关系', labelEn: 'Relationship', kind: 'text', maxLength: 10, hintZh: '例：父子、母女、夫妻、兄妹' }),
    purpose,
  ], [
    '兹证明我村村民{{name}}（公民身份号码：{{idNumber}}）与{{relativeName}}（公民身份号码：{{relativeIdNumber}}）系{{relation}}关系。',
    '经核实，以上情况属实。',
    '本证明仅用于{{purpose}}。',
    '特此证明。',
  ]),
  t('marital', '婚姻状况证明', 'Marital status certificate', 'cert_marital', [
    name, gender,
    field({ key: 'birthDate', labelZh: '出生日期', labelEn: 'Date of birth', kind: 'date' }),
    idNumber,
    field({ key: 'maritalStatus', labelZh: '婚姻状况', labelEn: 'Marital status', kind: 'text', maxLength: 2, options: ['未婚', '已婚', '离异', '丧偶'] }),
    purpose,
  ], [
    '兹证明{{name}}，性别{{gender}}，{{birthDate}}出生，公民身份号码{{idNumber}}，系我村村民。经核实，该同志现婚姻状况为{{maritalStatus}}。',
    '本证明仅用于{{purpose}}。',
    '特此证明。',
  ]),
  t('employment', '就业证明', 'Employment certificate', 'cert_occupation', [
    name, gender, idNumber,
    field({ key: 'since', labelZh: '开始工作时间', labelEn: 'Working there since', kind: 'date', hintZh: '例：2019-06' }),
    field({ key: 'employer', labelZh: '工作单位或地点', labelEn: 'Employer or place of work', kind: 'text', maxLength: 60, hintZh: '例：本村蔬菜种植合作社' }),
    field({ key: 'occupation', labelZh: '从事工作', labelEn: 'Occupation', kind: 'text', maxLength: 20, hintZh: '例：蔬菜种植、电焊' }),
    purpose,
  ], [
    '兹证明我村村民{{name}}，性别{{gender}}，公民身份号码{{idNumber}}，自{{since}}起在{{employer}}从事{{occupation}}工作至今。',
    '经核实，以上情况属实。',
    '本证明仅用于{{purpose}}。',
    '特此证明。',
  ]),
  t('school', '入学证明', 'School enrolment certificate', 'cert_school', [
    field({ key: 'childName', labelZh: '学生姓名', labelEn: 'Pupil\'s name', kind: 'text', maxLength: 20 }),
    field({ key: 'childGender', labelZh: '学生性别', labelEn: 'Pupil\'s sex', kind: 'text', maxLength: 1, options: ['男', '女'] }),
    field({ key: 'childBirthDate', labelZh: '学生出生日期', labelEn: 'Pupil\'s date of birth', kind: 'date' }),
    field({ key: 'childIdNumber', labelZh: '学生公民身份号码', labelEn: 'Pupil\'s ID number', kind: 'id_number' }),
    field({ key: 'guardianName', labelZh: '监护人姓名', labelEn: 'Guardian\'s name', kind: 'text', maxLength: 20 }),
    field({ key: 'guardianIdNumber', labelZh: '监护人公民身份号码', labelEn: 'Guardian\'s ID number', kind: 'id_number' }),
    field({ key: 'relation', labelZh: '与监护人关系', labelEn: 'Relation to the guardian', kind: 'text', maxLength: 3, options: ['子', '女', '孙子', '孙女', '外孙', '外孙女'] }),
    address,
    field({ key: 'school', labelZh: '拟就读学校', labelEn: 'School applied to', kind: 'text', maxLength: 40, hintZh: '例：鹤山镇中心小学' }),
  ], [
    '兹证明{{childName}}，性别{{childGender}}，{{childBirthDate}}出生，公民身份号码{{childIdNumber}}，系我村村民{{guardianName}}（公民身份号码：{{guardianIdNumber}}）之{{relation}}，家庭住址为{{address}}。',
    '该生申请就读{{school}}，经核实，以上情况属实。',
    '特此证明。',
  ]),
  t('death', '死亡证明', 'Death certificate', 'cert_death', [
    name, gender, idNumber, address,
    field({ key: 'deathDate', labelZh: '去世日期', labelEn: 'Date of death', kind: 'date' }),
    field({ key: 'deathPlace', labelZh: '去世地点', labelEn: 'Place of death', kind: 'text', maxLength: 40, hintZh: '例：家中、宁阳县第一人民医院' }),
    field({ key: 'cause', labelZh: '去世原因', labelEn: 'Cause of death', kind: 'text', maxLength: 20, hintZh: '例：病、年老' }),
    purpose,
  ], [
    '兹证明我村村民{{name}}，性别{{gender}}，公民身份号码{{idNumber}}，生前住址为{{address}}，于{{deathDate}}在{{deathPlace}}因{{cause}}去世。',
    '经核实，以上情况属实。',
    '本证明仅用于{{purpose}}。',
    '特此证明。',
  ]),
  t('income', '收入证明', 'Income certificate', 'cert_income', [
    name, gender, idNumber,
    field({ key: 'householdSize', labelZh: '家庭人口（人）', labelEn: 'Household members', kind: 'number', maxLength: 2 }),
    field({ key: 'source', labelZh: '主要收入来源', labelEn: 'Main source of income', kind: 'text', maxLength: 40, hintZh: '例：种植小麦玉米、外出务工' }),
    field({ key: 'year', labelZh: '收入年度', labelEn: 'Year', kind: 'number', maxLength: 4, hintZh: '例：2025' }),
    field({ key: 'annualIncome', labelZh: '家庭年收入（元）', labelEn: 'Household income a year (yuan)', kind: 'number', maxLength: 12 }),
    purpose,
  ], [
    '兹证明我村村民{{name}}，性别{{gender}}，公民身份号码{{idNumber}}，家庭人口{{householdSize}}人，主要收入来源为{{source}}，{{year}}年家庭年收入约{{annualIncome}}元。',
    '经核实，以上情况属实。',
    '本证明仅用于{{purpose}}。',
    '特此证明。',
  ]),
];

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;
export const FIELD_KEY_RE = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/** The field keys a body refers to, in order of first use. */
export function placeholdersOf(body: string): string[] {
  return [...new Set([...body.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

// Characters that have no business in a certificate: C0/C1 controls, zero-width and
// direction-override characters (which can make printed text read differently from stored).
const INVISIBLE_RANGES: [number, number][] = [
  [0x00, 0x08], [0x0b, 0x0c], [0x0e, 0x1f], [0x7f, 0x9f], [0xad, 0xad], [0x200b, 0x200f], [0x2028, 0x2029],
  [0x202a, 0x202e], [0x2060, 0x2064], [0x2066, 0x2069], [0xfeff, 0xfeff],
];
const isInvisible = (ch: string): boolean => {
  const c = ch.codePointAt(0)!;
  return INVISIBLE_RANGES.some(([from, to]) => c >= from && c <= to);
};

/** Plain text of one value: invisible and control characters removed, line breaks only where allowed. */
export function cleanText(value: string, multiline: boolean): string {
  const unified = [...value.replace(/\r\n?/g, '\n')].filter((ch) => !isInvisible(ch)).join('');
  const text = multiline
    ? unified.split('\n').map((l) => l.replace(/\t/g, ' ').trim()).filter(Boolean).join('\n')
    : unified.replace(/[\n\t]+/g, ' ');
  return text.replace(/ {2,}/g, ' ').trim();
}

const problem = (f: CertificateField, message: string): AppError =>
  new AppError('VALIDATION', `fields.${f.key}: ${message} (${f.labelZh})`, { field: `fields.${f.key}` });

/** Reads a date as the clerk types it (2008-03-05, 2008/3/5, 2008年3月5日, 2008-03, 2008) and prints it 2008年3月5日. */
export function formatCertificateDate(value: string): string | null {
  const norm = value.replace(/日$/, '').replace(/[年月/.]/g, '-').replace(/-$/, '');
  const m = /^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$/.exec(norm);
  if (!m) return null;
  const y = Number(m[1]);
  if (y < 1900 || y > 2100) return null;
  if (m[2] === undefined) return `${y}年`;
  const mo = Number(m[2]);
  if (mo < 1 || mo > 12) return null;
  if (m[3] === undefined) return `${y}年${mo}月`;
  const d = Number(m[3]);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > days) return null;
  return `${y}年${mo}月${d}日`;
}

/** One value checked and normalised for its field; '' when left empty. */
function fieldValue(f: CertificateField, raw: unknown): string {
  if (raw === undefined || raw === null) return '';
  if (typeof raw !== 'string' && !(typeof raw === 'number' && f.kind === 'number')) throw problem(f, 'must be text');
  const value = cleanText(String(raw), f.kind === 'multiline');
  if (value === '') return '';
  if (f.options && f.options.length > 0 && !f.options.includes(value)) throw problem(f, `one of ${f.options.join('/')}`);
  if ([...value].length > f.maxLength) throw problem(f, `at most ${f.maxLength} characters`);
  switch (f.kind) {
    case 'text':
    case 'multiline':
      return value;
    case 'id_number': {
      const id = value.toUpperCase().replace(/\s/g, '');
      if (!idNumberChecksumOk(id)) throw problem(f, 'not a valid 18-character ID number (GB 11643 check digit)');
      return id;
    }
    case 'date': {
      const d = formatCertificateDate(value);
      if (!d) throw problem(f, 'not a date: write it as 2008-03-15, 2008-03 or 2008');
      return d;
    }
    case 'number':
      if (!/^\d{1,12}(\.\d{1,2})?$/.test(value)) throw problem(f, 'a number, e.g. 36000 or 3.5');
      return value.replace(/^0+(?=\d)/, '');
  }
}

export interface FilledCertificate {
  title: string;
  body: string;
  /** The values as checked and printed, by field key (empty optional fields left out). */
  values: Record<string, string>;
}

/**
 * Fills a template with the clerk's values: each checked for its kind and length, control
 * characters removed, every placeholder replaced (in one pass: a value that looks like a
 * placeholder stays text). An unknown field or a required one left empty is VALIDATION.
 */
export function fillTemplate(template: CertificateTemplate, values: Record<string, unknown>): FilledCertificate {
  const byKey = new Map(template.fields.map((f) => [f.key, f]));
  for (const key of Object.keys(values)) {
    if (!byKey.has(key)) throw new AppError('VALIDATION', `fields.${key}: the template ${template.code} has no such field`, { field: `fields.${key}` });
  }
  const out: Record<string, string> = {};
  for (const f of template.fields) {
    const v = fieldValue(f, values[f.key]);
    if (v === '' && f.required) throw problem(f, 'required');
    if (v !== '') out[f.key] = v;
  }
  checkAgainstIdNumbers(template, out);
  const lines = template.body.replace(/\r\n?/g, '\n').split('\n').filter((line) => {
    // A paragraph built around an optional field that was left empty is left out.
    return placeholdersOf(line).every((k) => out[k] !== undefined || byKey.get(k)?.required !== false);
  });
  const body = lines.map((line) => line.replace(PLACEHOLDER, (_m, key: string) => {
    if (!byKey.has(key)) throw new AppError('VALIDATION', `body: the template ${template.code} uses {{${key}}}, which is not one of its fields`, { field: 'body' });
    return out[key] ?? '';
  })).join('\n');
  return { title: template.nameZh, body, values: out };
}

/** Fields whose value an ID number also states: sex (its 17th digit) and date of birth (digits 7–14). */
const ID_PAIRS: { id: string; gender: string; birth: string }[] = [
  { id: 'idNumber', gender: 'gender', birth: 'birthDate' },
  { id: 'childIdNumber', gender: 'childGender', birth: 'childBirthDate' },
];

/** Refuses a sex or a date of birth that contradicts the ID number filled beside it. */
function checkAgainstIdNumbers(template: CertificateTemplate, out: Record<string, string>): void {
  const label = (key: string) => template.fields.find((f) => f.key === key)?.labelZh ?? key;
  for (const pair of ID_PAIRS) {
    const id = out[pair.id];
    if (!id || !/^\d{17}[\dX]$/.test(id)) continue;
    const sex = Number(id[16]) % 2 === 1 ? '男' : '女';
    const g = out[pair.gender];
    if (g && (g === '男' || g === '女') && g !== sex) {
      throw new AppError('VALIDATION', `fields.${pair.gender}: ${label(pair.gender)} ${g} contradicts ${label(pair.id)}, whose 17th digit says ${sex}; check both`, { field: `fields.${pair.gender}` });
    }
    // The filled date reads 2015年6月1日 (or 2015年6月): compare year, month and day as numbers.
    const m = /(\d{4})\D+(\d{1,2})(?:\D+(\d{1,2}))?/.exec(out[pair.birth] ?? '');
    const born = id.slice(6, 14);
    const stated = m ? `${m[1]}${m[2]!.padStart(2, '0')}${m[3] ? m[3].padStart(2, '0') : ''}` : '';
    if (stated && !born.startsWith(stated)) {
      throw new AppError('VALIDATION', `fields.${pair.birth}: ${label(pair.birth)} contradicts ${label(pair.id)}, which gives ${born.slice(0, 4)}-${born.slice(4, 6)}-${born.slice(6, 8)}; check both`, { field: `fields.${pair.birth}` });
    }
  }
}

/** Checks a template's own consistency; the message names the field at fault. */
export function checkTemplateDefinition(tpl: Pick<CertificateTemplate, 'fields' | 'body'>): void {
  const bad = (field: string, message: string): never => {
    throw new AppError('VALIDATION', `${field}: ${message}`, { field });
  };
  const keys = new Set<string>();
  tpl.fields.forEach((f, i) => {
    if (!FIELD_KEY_RE.test(f.key)) bad(`fields.${i}.key`, 'a field key is a letter then letters, digits or _ (at most 40)');
    if (keys.has(f.key)) bad(`fields.${i}.key`, `the key ${f.key} is used twice`);
    keys.add(f.key);
    if (!CERTIFICATE_FIELD_KINDS.includes(f.kind)) bad(`fields.${i}.kind`, `one of ${CERTIFICATE_FIELD_KINDS.join(', ')}`);
    if (f.options && f.options.length > 0 && f.kind !== 'text') bad(`fields.${i}.options`, 'only a text field offers a choice of values');
    if (f.options?.some((o) => [...o].length > f.maxLength)) bad(`fields.${i}.options`, `every option fits in ${f.maxLength} characters`);
    if (f.kind === 'id_number' && f.maxLength !== 18) bad(`fields.${i}.maxLength`, 'an ID number field holds exactly 18 characters');
  });
  const stripped = tpl.body.replace(PLACEHOLDER, '');
  if (stripped.includes('{{') || stripped.includes('}}')) bad('body', 'a placeholder is written {{key}} with a field key inside');
  const used = placeholdersOf(tpl.body);
  for (const key of used) if (!keys.has(key)) bad('body', `{{${key}}} is not one of the template's fields`);
  // A field the body never prints would collect personal data for nothing.
  for (const key of keys) if (!used.includes(key)) bad('fields', `the field ${key} is not used in the body`);
}
