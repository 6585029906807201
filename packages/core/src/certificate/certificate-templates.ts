import { z } from 'zod';
import { record } from '../audit/record.js';
import { requirePermission, type Actor } from '../auth/actor.js';
import { effectiveMatters } from '../application/matter-catalogue.js';
import { AppError } from '../errors.js';
import type { Deps, Tx } from '../ports.js';
import { parseInput } from '../validate.js';
import { CERTIFICATE_FIELD_KINDS, type CertificateTemplate } from './records.js';
import { checkTemplateDefinition, DEFAULT_CERTIFICATE_TEMPLATES, FIELD_KEY_RE } from './templates.js';

const townCode = z.string().regex(/^\d{9}$/, 'a town is a 9-digit division code');

/**
 * The certificate templates a town's service points use: the built-in defaults, each replaced
 * by the town's own template of the same code, then the town's additions.
 */
export async function effectiveTemplates(tx: Tx, town: string): Promise<CertificateTemplate[]> {
  const own = await tx.certificates.templatesForTown(town);
  const byCode = new Map(own.map((x) => [x.code, x]));
  const defaults = DEFAULT_CERTIFICATE_TEMPLATES.map((d) => byCode.get(d.code) ?? d);
  const added = own.filter((x) => !DEFAULT_CERTIFICATE_TEMPLATES.some((d) => d.code === x.code)).sort((a, b) => a.code.localeCompare(b.code));
  return [...defaults, ...added];
}

export const listCertificateTemplatesQuery = z.strictObject({ town: townCode });

/** A town's templates, for anyone who holds a role in the town or above it. */
export async function listCertificateTemplates(deps: Deps, { actor, query }: { actor: Actor; query: z.infer<typeof listCertificateTemplatesQuery> }): Promise<CertificateTemplate[]> {
  const { town } = parseInput(listCertificateTemplatesQuery, query);
  if (!actor.grants.some((g) => g.orgCode.startsWith(town) || town.startsWith(g.orgCode))) throw new AppError('FORBIDDEN', `you hold no role in or above town ${town}`);
  return deps.uow.read((tx) => effectiveTemplates(tx, town));
}

const fieldInput = z.strictObject({
  key: z.string().regex(FIELD_KEY_RE, 'a field key is a letter then letters, digits or _ (at most 40)'),
  labelZh: z.string().trim().min(1).max(30),
  labelEn: z.string().trim().min(1).max(60),
  kind: z.enum(CERTIFICATE_FIELD_KINDS),
  required: z.boolean(),
  maxLength: z.number().int().min(1).max(2000),
  options: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
  hintZh: z.string().trim().max(60).optional(),
});

export const setCertificateTemplateInput = z.strictObject({
  town: townCode,
  code: z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'a template code is 2–40 lower-case letters, digits or _'),
  nameZh: z.string().trim().min(2).max(20),
  nameEn: z.string().trim().min(2).max(80),
  matterCode: z.string().min(1).max(40),
  fields: z.array(fieldInput).min(1, 'a template has at least one field').max(30),
  body: z.string().trim().min(10).max(3000),
  enabled: z.boolean(),
});

/** Adds a template to a town or replaces one (a default of the same code, or its own). */
export async function setCertificateTemplate(deps: Deps, { actor, input: raw }: { actor: Actor; input: z.infer<typeof setCertificateTemplateInput> }): Promise<CertificateTemplate> {
  const input = parseInput(setCertificateTemplateInput, raw);
  requirePermission(actor, 'matter.manage', input.town);
  checkTemplateDefinition(input);
  return deps.uow.write(async (tx) => {
    const matter = (await effectiveMatters(tx, input.town)).find((m) => m.code === input.matterCode);
    if (!matter) throw new AppError('VALIDATION', `matterCode: ${input.matterCode} is not in the town's matter catalogue`, { field: 'matterCode' });
    const before = (await effectiveTemplates(tx, input.town)).find((x) => x.code === input.code) ?? null;
    const tpl: CertificateTemplate & { townCode: string } = {
      code: input.code, townCode: input.town, nameZh: input.nameZh, nameEn: input.nameEn, matterCode: input.matterCode,
      fields: input.fields.map((f) => dropUndefined({ ...f, options: f.options?.length ? f.options : undefined })),
      body: input.body.replace(/\r\n?/g, '\n'), enabled: input.enabled, updatedAt: deps.clock.now().toISOString(),
    };
    await tx.certificates.upsertTemplate(tpl);
    const summary = (x: CertificateTemplate) => ({ nameZh: x.nameZh, matterCode: x.matterCode, enabled: x.enabled, fields: x.fields.map((f) => f.key), body: x.body });
    await record(tx, deps, actor, {
      action: 'CERTIFICATE_TEMPLATE_CHANGED', targetType: 'certificate_template', targetId: `${input.town}:${input.code}`, orgCode: input.town,
      before: before && { ...summary(before), builtin: before.townCode === null }, after: summary(tpl),
    });
    return tpl;
  });
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
