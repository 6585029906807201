/**
 * Masking of personal numbers in anything cunzhang exports (ledger XLSX and PDF, certificate
 * copies for the public check page). A leaked ID number is what makes a lost printout harmful,
 * so the rule leans toward masking.
 *
 * The rule for free text (maskText):
 * - A run of digits is judged as a whole: digits glued to more digits, or a run that is part
 *   of a decimal number ("12000000000.5"), is never a phone or ID number.
 * - Mobile number: 11 digits starting 13–19, optionally written 3-4-4 with single spaces or
 *   hyphens, optionally after +86 / 0086 / 86. Kept: the first 3 and last 4 digits.
 * - ID number (居民身份证号): 17 digits and a final digit or X, optionally written 6-8-4 with
 *   spaces, whose characters 7–14 are a plausible birth date (1900–2099, month 01–12,
 *   day 01–31). Kept: the first 4 (the county) and last 4 characters. The checksum is not
 *   required: a mistyped ID number is still someone's ID number.
 * - Everything else stays: dates (20261127), amounts, serial and order numbers whose
 *   "birth date" is impossible (202611271234567890), landline numbers, bank references.
 * Letters next to a number do not protect it ("Tel13800000005" is masked).
 */

const STAR = '*';

/** `13800000005` → `138****0005`. Anything not 7+ characters long is masked entirely. */
export function maskPhone(phone: string): string {
  const s = phone.trim();
  if (s.length < 7) return STAR.repeat(s.length);
  return s.slice(0, 3) + STAR.repeat(s.length - 7) + s.slice(-4);
}

/** `370921198503121236` → `3709**********1236`. Short values are masked entirely. */
export function maskIdNumber(id: string): string {
  const s = id.trim();
  if (s.length < 12) return STAR.repeat(s.length);
  return s.slice(0, 4) + STAR.repeat(s.length - 8) + s.slice(-4);
}

// Masks only digits (and a final X), leaving separators where the writer put them.
function maskDigitsExcept(text: string, keepFirst: number, keepLast: number): string {
  const total = [...text].filter((c) => /[0-9Xx]/.test(c)).length;
  let seen = 0;
  return text.replace(/[0-9Xx]/g, (c) => {
    seen += 1;
    return seen <= keepFirst || seen > total - keepLast ? c : STAR;
  });
}

function plausibleBirthDate(yyyymmdd: string): boolean {
  const year = Number(yyyymmdd.slice(0, 4));
  const month = Number(yyyymmdd.slice(4, 6));
  const day = Number(yyyymmdd.slice(6, 8));
  return year >= 1900 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// Lookbehind/lookahead keep a match from being a slice of a longer number or a decimal.
const BEFORE = String.raw`(?<!\d)(?<!\d\.)`;
const AFTER = String.raw`(?![0-9])(?!\.\d)`;
const ID_RE = new RegExp(String.raw`${BEFORE}([1-9]\d{5})[ ]?(\d{8})[ ]?(\d{3}[0-9Xx])${AFTER}`, 'g');
const PHONE_RE = new RegExp(String.raw`${BEFORE}((?:\+86|0086|86)[ -]?)?(1[3-9]\d(?:[ -]?)\d{4}(?:[ -]?)\d{4})${AFTER}`, 'g');

/** Masks every mobile number and ID number inside free text (see the rule above). */
export function maskText(text: string): string {
  const idsMasked = text.replace(ID_RE, (match: string, _region: string, birth: string) =>
    plausibleBirthDate(birth) ? maskDigitsExcept(match, 4, 4) : match,
  );
  return idsMasked.replace(PHONE_RE, (_match: string, prefix: string | undefined, number: string) => {
    // Mixed separators ("138 0000-0005") are still a phone: masking stays on the safe side.
    return (prefix ?? '') + maskDigitsExcept(number, 3, 4);
  });
}
