import type { CertificateRepo } from '@cunzhang/core';
import type { Ctx } from './common.js';

// Placeholder while the certificate work is under way; replaced before it is committed.
export function certificateRepo(_ctx: Ctx): CertificateRepo {
  const todo = (): never => { throw new Error('certificateRepo: not built yet'); };
  return { insert: todo, get: todo, byVerifyCode: todo, byApplication: todo, templatesForTown: todo, upsertTemplate: todo };
}
