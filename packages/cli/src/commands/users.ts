import { createUser, grantRole, isRole, ROLES, systemActor } from '@cunzhang/core';
import { authenticator } from 'otplib';
import { UsageError, withRuntime, type Out } from '../context.js';

/**
 * cunzhang add-user --phone P --name N --org CODE --role ROLE: the way to create the first
 * administrators of a fresh installation. The password comes from CUNZHANG_NEW_PASSWORD or stdin.
 */
export async function addUserCommand(
  args: { phone?: string | undefined; name?: string | undefined; org?: string | undefined; role?: string | undefined; password: string },
  out: Out,
  env?: NodeJS.ProcessEnv,
): Promise<void> {
  for (const k of ['phone', 'name', 'org', 'role'] as const) if (!args[k]) throw new UsageError(`--${k} is required`);
  if (!isRole(args.role!)) throw new UsageError(`--role ${args.role}: not a role; one of ${ROLES.join(', ')}`);
  const role = args.role;
  await withRuntime(async (rt) => {
    const actor = systemActor('cli');
    const user = await createUser(rt.deps, { actor, input: { phone: args.phone!, name: args.name!, orgCode: args.org!, password: args.password } });
    await grantRole(rt.deps, { actor, userId: user.id, input: { role, orgCode: args.org! } });
    out(`created ${user.name} (${user.phoneMasked}) as ${role} on ${args.org}; id ${user.id}`);
    if (['sys_admin', 'sec_admin', 'audit_admin'].includes(role)) out('administrators set up a TOTP second factor at their first login');
  }, env);
}

/** cunzhang totp-code SECRET: the current code for a TOTP secret (demo and set-up checks). */
export function totpCodeCommand(secret: string | undefined, out: Out): void {
  if (!secret || !/^[A-Z2-7]{16,}$/.test(secret)) throw new UsageError('give a base32 TOTP secret, e.g. the demo secret printed at start-up');
  out(authenticator.generate(secret));
}
