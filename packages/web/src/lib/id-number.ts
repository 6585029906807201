/** 18 characters: 17 digits and a check character (a digit or X). */
export const ID_NUMBER_SHAPE = /^\d{17}[\dXx]$/;
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** A resident ID number whose GB 11643 check character (the 18th) is right. */
export function validIdNumber(v: string): boolean {
  if (!ID_NUMBER_SHAPE.test(v)) return false;
  const sum = WEIGHTS.reduce((s, w, i) => s + w * Number(v[i]), 0);
  return '10X98765432'[sum % 11] === v[17]!.toUpperCase();
}
