import { z } from 'zod';

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), details: z.record(z.string(), z.unknown()).optional() }),
});

/** Error responses every authenticated route can give, for the OpenAPI document. */
export const commonErrors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema } as const;

export const idParams = z.strictObject({ id: z.string().min(1).max(40) });

export const grantSchema = z.object({ id: z.string(), role: z.string(), orgCode: z.string() });

export const userViewSchema = z.object({
  id: z.string(), name: z.string(), phoneMasked: z.string(), idNumberMasked: z.string().nullable(),
  totpEnabled: z.boolean(), disabled: z.boolean(), locked: z.boolean(), homeOrgCode: z.string(), grants: z.array(grantSchema),
});

export const sealSchema = z.object({
  id: z.string(), typeCode: z.string(), orgCode: z.string(), name: z.string(), status: z.string(), issuingAuthority: z.string(),
  filingNumber: z.string().nullable(), activatedAt: z.string().nullable(), keeperUserId: z.string().nullable(),
  approverUserIds: z.array(z.string()), custodyOrgCode: z.string(), impressionBlob: z.string().nullable(), deviceId: z.string().nullable(),
  createdAt: z.string(), updatedAt: z.string(), version: z.number(),
});

export const auditEntrySchema = z.object({
  seq: z.number(), at: z.string(), actorId: z.string(), action: z.string(), targetType: z.string(), targetId: z.string(),
  orgCode: z.string(), ip: z.string(), before: z.unknown(), after: z.unknown(), prevHash: z.string(), hash: z.string(),
  actorName: z.string().nullable(),
});

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().nullable() });
