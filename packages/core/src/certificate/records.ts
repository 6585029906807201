/** What a certificate template asks the clerk to fill in. */
export const CERTIFICATE_FIELD_KINDS = ['text', 'multiline', 'id_number', 'date', 'number'] as const;
export type CertificateFieldKind = (typeof CERTIFICATE_FIELD_KINDS)[number];

export interface CertificateField {
  key: string;
  labelZh: string;
  labelEn: string;
  kind: CertificateFieldKind;
  required: boolean;
  maxLength: number;
  /** For a text field: the only values allowed (e.g. 男/女), offered as a choice. */
  options?: string[];
  /** A hint shown under the input, e.g. 例：2008-03. */
  hintZh?: string;
}

/**
 * A certificate template (证明模板). Built-in defaults have `townCode` null; a town's own
 * template with the same code replaces the default for that town.
 */
export interface CertificateTemplate {
  code: string;
  townCode: string | null;
  nameZh: string;
  nameEn: string;
  /** The matter its stamping application is filed under (routing comes from the catalogue). */
  matterCode: string;
  fields: CertificateField[];
  /** Body text with `{{key}}` placeholders; line breaks start paragraphs. */
  body: string;
  enabled: boolean;
  updatedAt: string;
}

/** A certificate issued at the service point; its fields are stored encrypted (SM4). */
export interface Certificate {
  id: string;
  /** Printed under the QR code; the public check page looks it up. */
  verifyCode: string;
  templateCode: string;
  title: string;
  orgCode: string;
  sealId: string;
  applicationId: string;
  clerkUserId: string;
  /** JSON of the filled fields, encrypted at rest. */
  fieldsEnc: string;
  /** The rendered A4 PDF in the blob store. */
  pdfKey: string;
  issuedAt: string;
}
