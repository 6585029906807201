import { type PDFDocument } from 'pdf-lib';

/** Points per millimetre: PDF user space is 1/72 inch. */
export const MM = 72 / 25.4;

export const A4_PORTRAIT: [number, number] = [595.28, 841.89];
export const A4_LANDSCAPE: [number, number] = [841.89, 595.28];

export const PRODUCER = 'cunzhang 村章';

export function setMetadata(pdfDoc: PDFDocument, meta: { title: string; author?: string; subject?: string; createdAt: Date }): void {
  pdfDoc.setTitle(meta.title, { showInWindowTitleBar: true });
  if (meta.author) pdfDoc.setAuthor(meta.author);
  if (meta.subject) pdfDoc.setSubject(meta.subject);
  pdfDoc.setProducer(PRODUCER);
  pdfDoc.setCreator(PRODUCER);
  pdfDoc.setLanguage('zh-CN');
  pdfDoc.setCreationDate(meta.createdAt);
  pdfDoc.setModificationDate(meta.createdAt);
}

/** Drops control characters that have no glyph and would print as boxes. */
export function printable(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\t') out += ' ';
    else if (ch === '\n' || ch === '\r' || (code >= 0x20 && code !== 0x7f)) out += ch;
  }
  return out;
}
