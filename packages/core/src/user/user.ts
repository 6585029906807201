import type { Grant } from '../auth/actor.js';

export interface User {
  id: string;
  name: string;
  /** SM4-encrypted; never leaves core in clear except masked. */
  phoneEnc: string;
  /** Keyed SM3 of the normalised phone, for login lookup without decrypting. */
  phoneIndex: string;
  idNumberEnc: string | null;
  passwordHash: string;
  totpSecretEnc: string | null;
  totpEnabled: boolean;
  failedLogins: number;
  lockedUntil: string | null;
  disabled: boolean;
  demo: boolean;
  /** The unit the account was created on; scopes who may manage it. */
  homeOrgCode: string;
  /** Time step of the last TOTP code accepted; older or equal steps are replays. */
  totpLastStep: number;
  createdAt: string;
}

/** What screens see of a person: personal numbers masked. */
export interface UserView {
  id: string;
  name: string;
  phoneMasked: string;
  idNumberMasked: string | null;
  totpEnabled: boolean;
  disabled: boolean;
  locked: boolean;
  homeOrgCode: string;
  grants: Grant[];
}

export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}

export function maskIdNumber(id: string): string {
  return id.length >= 8 ? `${id.slice(0, 4)}**********${id.slice(-4)}` : '****';
}

export const PHONE_RE = /^1[3-9]\d{9}$/;
/** 18-character resident identity number (GB 11643), last character a digit or X. */
export const ID_NUMBER_RE = /^\d{17}[\dX]$/;

export function idNumberChecksumOk(id: string): boolean {
  if (!ID_NUMBER_RE.test(id)) return false;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = w.reduce((s, wi, i) => s + wi * Number(id[i]), 0);
  return '10X98765432'[sum % 11] === id[17];
}
