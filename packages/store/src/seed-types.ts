import { BUILTIN_SEAL_TYPES, type UnitOfWork } from '@cunzhang/core';

/** Ensures the built-in seal types exist (reference data, not an audited change). */
export async function ensureBuiltinSealTypes(uow: UnitOfWork): Promise<void> {
  await uow.write(async (tx) => {
    for (const t of BUILTIN_SEAL_TYPES) if (!(await tx.sealTypes.get(t.code))) await tx.sealTypes.insert(t);
  });
}
