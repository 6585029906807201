import { z } from 'zod';
import { record } from '../audit/record.js';
import { requirePermission, type Actor } from '../auth/actor.js';
import { AppError } from '../errors.js';
import { parseInput } from '../validate.js';
import type { Deps } from '../ports.js';
import { idNumberChecksumOk, PHONE_RE, type UserView } from './user.js';
import { normalisePhone, toUserView } from './view.js';

export const createUserInput = z.strictObject({
  name: z.string().trim().min(1).max(50),
  phone: z.string().transform(normalisePhone).pipe(z.string().regex(PHONE_RE, 'a mainland mobile number has 11 digits and starts with 1')),
  idNumber: z.string().trim().toUpperCase().refine(idNumberChecksumOk, 'not a valid 18-character ID number (check digit)').optional(),
  password: z.string().min(1).max(200),
  /** Org unit the account belongs to; the creator must hold user.create on it. */
  orgCode: z.string().regex(/^\d{6,12}$/, 'an org code has 6 to 12 digits'),
});
export type CreateUserInput = z.infer<typeof createUserInput>;

export function checkPasswordStrength(deps: Pick<Deps, 'policy'>, password: string): void {
  const min = deps.policy.minPasswordLength;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (password.length < min || classes < 2) {
    throw new AppError('VALIDATION', `password needs at least ${min} characters and two kinds of letters, digits or symbols`, { field: 'password' });
  }
}

export async function createUser(
  deps: Deps,
  { actor, input: raw, demo = false }: { actor: Actor; input: CreateUserInput; demo?: boolean },
): Promise<UserView> {
  const input = parseInput(createUserInput, raw);
  requirePermission(actor, 'user.create', input.orgCode);
  checkPasswordStrength(deps, input.password);
  const passwordHash = await deps.hasher.hash(input.password);
  return deps.uow.write(async (tx) => {
    if (!(await tx.orgs.get(input.orgCode))) {
      throw new AppError('VALIDATION', `org unit ${input.orgCode} does not exist`, { field: 'orgCode' });
    }
    const phoneIndex = deps.cipher.index(input.phone);
    if (await tx.users.byPhoneIndex(phoneIndex)) {
      throw new AppError('CONFLICT', 'an account with this phone number exists already', { field: 'phone' });
    }
    const now = deps.clock.now();
    const user = {
      id: deps.ids.next(),
      name: input.name,
      phoneEnc: deps.cipher.encrypt(input.phone),
      phoneIndex,
      idNumberEnc: input.idNumber ? deps.cipher.encrypt(input.idNumber) : null,
      passwordHash,
      totpSecretEnc: null,
      totpEnabled: false,
      totpLastStep: 0,
      failedLogins: 0,
      lockedUntil: null,
      disabled: false,
      demo,
      homeOrgCode: input.orgCode,
      createdAt: now.toISOString(),
    };
    await tx.users.insert(user);
    const view = toUserView(user, [], deps.cipher, now);
    await record(tx, deps, actor, {
      action: 'USER_CREATED', targetType: 'user', targetId: user.id, orgCode: input.orgCode, before: null, after: view,
    });
    return view;
  });
}
