import type { Grant } from '../auth/actor.js';
import type { FieldCipher } from '../ports.js';
import { maskIdNumber, maskPhone, type User, type UserView } from './user.js';

export function toUserView(u: User, grants: Grant[], cipher: FieldCipher, now: Date): UserView {
  return {
    id: u.id,
    name: u.name,
    phoneMasked: maskPhone(cipher.decrypt(u.phoneEnc)),
    idNumberMasked: u.idNumberEnc ? maskIdNumber(cipher.decrypt(u.idNumberEnc)) : null,
    totpEnabled: u.totpEnabled,
    disabled: u.disabled,
    locked: u.lockedUntil !== null && new Date(u.lockedUntil) > now,
    homeOrgCode: u.homeOrgCode,
    grants,
  };
}

export const normalisePhone = (p: string): string => p.replace(/[\s-]/g, '').replace(/^\+?86/, '');
