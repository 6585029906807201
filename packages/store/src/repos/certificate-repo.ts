import type { Certificate, CertificateField, CertificateRepo, CertificateTemplate } from '@cunzhang/core';
import type { CertificatesTable, CertificateTemplatesTable } from '../schema.js';
import { flag, type Ctx } from './common.js';

const toCertificate = (r: CertificatesTable): Certificate => ({
  id: r.id, verifyCode: r.verify_code, templateCode: r.template_code, title: r.title, orgCode: r.org_code, sealId: r.seal_id,
  applicationId: r.application_id, clerkUserId: r.clerk_user_id, fieldsEnc: r.fields_enc, pdfKey: r.pdf_key, issuedAt: r.issued_at,
});

const toTemplate = (r: CertificateTemplatesTable): CertificateTemplate => ({
  code: r.code, townCode: r.town_code, nameZh: r.name_zh, nameEn: r.name_en, matterCode: r.matter_code,
  fields: JSON.parse(r.fields) as CertificateField[], body: r.body, enabled: r.enabled === 1, updatedAt: r.updated_at,
});

export function certificateRepo({ db }: Ctx): CertificateRepo {
  const one = async (col: 'id' | 'verify_code' | 'application_id', value: string): Promise<Certificate | null> => {
    const r = await db.selectFrom('certificates').selectAll().where(col, '=', value).executeTakeFirst();
    return r ? toCertificate(r) : null;
  };
  return {
    async insert(c) {
      await db.insertInto('certificates').values({
        id: c.id, verify_code: c.verifyCode, template_code: c.templateCode, title: c.title, org_code: c.orgCode, seal_id: c.sealId,
        application_id: c.applicationId, clerk_user_id: c.clerkUserId, fields_enc: c.fieldsEnc, pdf_key: c.pdfKey, issued_at: c.issuedAt,
      }).execute();
    },
    get: (id) => one('id', id),
    byVerifyCode: (code) => one('verify_code', code),
    byApplication: (applicationId) => one('application_id', applicationId),
    async templatesForTown(townCode) {
      const rows = await db.selectFrom('certificate_templates').selectAll().where('town_code', '=', townCode).orderBy('code').execute();
      return rows.map(toTemplate);
    },
    async upsertTemplate(t) {
      const row = {
        name_zh: t.nameZh, name_en: t.nameEn, matter_code: t.matterCode, fields: JSON.stringify(t.fields), body: t.body,
        enabled: flag(t.enabled), updated_at: t.updatedAt,
      };
      await db.insertInto('certificate_templates').values({ town_code: t.townCode, code: t.code, ...row })
        .onConflict((oc) => oc.columns(['town_code', 'code']).doUpdateSet(row)).execute();
    },
  };
}
