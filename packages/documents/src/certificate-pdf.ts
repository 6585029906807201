import { PDFDocument, type PDFFont, type PDFPage, rgb } from 'pdf-lib';
import QRCode from 'qrcode';
import { charWidthMeasurer, embedChineseFont, missingCharacters } from './font.js';
import { A4_PORTRAIT, MM, printable, setMetadata } from './pdf-common.js';
import { wrapText } from './wrap.js';

export interface CertificateInput {
  /** e.g. 居住证明 */
  title: string;
  /** Paragraphs of the certificate; each line break starts a new, indented paragraph. */
  body: string;
  /** The issuing body, e.g. 宁阳县鹤山镇前鹤山村民委员会 */
  issuer: string;
  /** As printed, e.g. 2026年11月27日 */
  date: string;
  serialNo: string;
  verifyCode: string;
  /** The public check page the QR code points at, e.g. https://…/v/CODE */
  verifyUrl: string;
  footerNote?: string;
  /** PDF creation date; defaults to now. */
  createdAt?: Date;
}

const [PAGE_W, PAGE_H] = A4_PORTRAIT;
// Margins close to the GB/T 9704 official-document layout (top 37 mm, left 28 mm, right 26 mm).
const MARGIN_LEFT = 28 * MM;
const MARGIN_RIGHT = 26 * MM;
const TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT;
const TITLE_SIZE = 26;
const TITLE_BASELINE = PAGE_H - 37 * MM - TITLE_SIZE;
// Body size steps down only when a long certificate would otherwise run into the seal area.
const BODY_SIZES = [15, 14, 13, 12, 11, 10.5];
const LINE_SPACING = 1.9;
// Village committee seals are 42 mm round; the issuer and date sit under the impression.
const SEAL_DIAMETER = 42 * MM;
const QR_SIZE = 24 * MM;
const QR_BOTTOM = 30 * MM;
const FOOTER_BASELINE = 14 * MM;

/** Where the title and first body line sit, for tests that look at the rendered page. */
export const CERTIFICATE_GEOMETRY = {
  pageHeight: PAGE_H,
  pageWidth: PAGE_W,
  marginLeft: MARGIN_LEFT,
  marginRight: MARGIN_RIGHT,
  titleBaseline: TITLE_BASELINE,
  titleSize: TITLE_SIZE,
  /** Baseline of the first body line. */
  bodyTop: TITLE_BASELINE - 22 * MM,
  /** Body size when the text fits without shrinking. */
  bodySize: 15,
} as const;

const BLACK = rgb(0.1, 0.1, 0.1);
const GREY = rgb(0.45, 0.45, 0.45);
const LIGHT_GREY = rgb(0.72, 0.72, 0.72);

export class CertificateTooLongError extends Error {
  constructor() {
    super('证明正文过长，无法在一页 A4 内排下 (certificate body does not fit on one A4 page)');
    this.name = 'CertificateTooLongError';
  }
}

export class UnprintableCharactersError extends Error {
  constructor(readonly characters: string[]) {
    super(`证明中有字体无法显示的字符：${characters.join(' ')} (characters the font cannot print)`);
    this.name = 'UnprintableCharactersError';
  }
}

/** Renders a one-page A4 certificate in Chinese, ready to print and stamp. */
export async function renderCertificatePdf(input: CertificateInput): Promise<Uint8Array> {
  const title = printable(input.title).trim();
  const issuer = printable(input.issuer).trim();
  const date = printable(input.date).trim();
  const serial = `编号：${printable(input.serialNo).trim()}`;
  const codeLine = `验证码：${printable(input.verifyCode).trim()}`;
  const urlLine = `扫码或访问 ${printable(input.verifyUrl).trim()} 核验真伪`;
  const footer = input.footerNote ? printable(input.footerNote).trim() : '';
  // Each paragraph opens with two ideographic spaces, the customary 首行缩进两字.
  const paragraphs = printable(input.body)
    .split(/\r\n|\r|\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `\u3000\u3000${p}`);

  const regularText = [paragraphs.join(''), issuer, date, serial, codeLine, urlLine, footer, '盖章处'].join('');
  // A name printed as an empty box makes a certificate worthless, so refuse it and let the
  // clerk correct the text (or write the character by hand on a printed form).
  const missing = [...new Set([...(await missingCharacters(regularText, 400)), ...(await missingCharacters(title, 700))])];
  if (missing.length > 0) throw new UnprintableCharactersError(missing);

  const pdfDoc = await PDFDocument.create();
  const createdAt = input.createdAt ?? new Date();
  setMetadata(pdfDoc, { title, author: issuer, subject: `${title} ${serial}`, createdAt });
  const [regular, bold] = await Promise.all([
    embedChineseFont(pdfDoc, regularText, 400),
    embedChineseFont(pdfDoc, title, 700),
  ]);
  const page = pdfDoc.addPage(A4_PORTRAIT);

  // Serial number, top right.
  drawRight(page, serial, regular, 10.5, PAGE_W - MARGIN_RIGHT, PAGE_H - 18 * MM, GREY);

  drawTitle(page, title, bold);

  // The issuer block needs room for the seal above the QR code; pick the largest body size
  // that leaves it.
  const sealBottomLimit = QR_BOTTOM + QR_SIZE + 6 * MM;
  const layout = BODY_SIZES.map((size) => {
    const measure = charWidthMeasurer(regular, size);
    const lines = paragraphs.flatMap((p) => wrapText(p, TEXT_W, measure));
    const lineHeight = size * LINE_SPACING;
    const bodyTop = CERTIFICATE_GEOMETRY.bodyTop;
    const lastBaseline = bodyTop - (lines.length - 1) * lineHeight;
    // Issuer two lines below the body, date one line below the issuer.
    const issuerBaseline = lastBaseline - 2.5 * lineHeight;
    const dateBaseline = issuerBaseline - lineHeight;
    const sealCenterY = (issuerBaseline + dateBaseline) / 2 + size * 0.35;
    return { size, measure, lines, lineHeight, bodyTop, issuerBaseline, dateBaseline, sealCenterY };
  }).find((l) => l.sealCenterY - SEAL_DIAMETER / 2 >= sealBottomLimit);
  if (!layout) throw new CertificateTooLongError();

  layout.lines.forEach((line, i) => {
    page.drawText(line, { x: MARGIN_LEFT, y: layout.bodyTop - i * layout.lineHeight, size: layout.size, font: regular, color: BLACK });
  });

  // Issuer and date right-aligned, the date centred under the issuer as on paper certificates.
  const issuerRight = PAGE_W - MARGIN_RIGHT - 4 * MM;
  const issuerWidth = layout.measure(issuer);
  const issuerLeft = issuerRight - issuerWidth;
  const issuerCenter = issuerLeft + issuerWidth / 2;
  page.drawText(issuer, { x: issuerLeft, y: layout.issuerBaseline, size: layout.size, font: regular, color: BLACK });
  const dateWidth = layout.measure(date);
  page.drawText(date, { x: issuerCenter - dateWidth / 2, y: layout.dateBaseline, size: layout.size, font: regular, color: BLACK });

  // Where the keeper presses the seal: over issuer and date (骑年盖月), marked faintly so the
  // impression covers it.
  const sealX = Math.min(issuerCenter, PAGE_W - MARGIN_RIGHT - SEAL_DIAMETER / 2 + 8 * MM);
  page.drawEllipse({
    x: sealX,
    y: layout.sealCenterY,
    xScale: SEAL_DIAMETER / 2,
    yScale: SEAL_DIAMETER / 2,
    borderColor: LIGHT_GREY,
    borderWidth: 0.8,
    borderDashArray: [4, 3],
  });
  const hint = '盖章处';
  page.drawText(hint, {
    x: sealX - regular.widthOfTextAtSize(hint, 9) / 2,
    y: layout.sealCenterY + SEAL_DIAMETER / 2 - 7 * MM,
    size: 9,
    font: regular,
    color: LIGHT_GREY,
  });

  await drawVerification(pdfDoc, page, regular, input.verifyUrl, codeLine, urlLine);

  if (footer) {
    const measure = charWidthMeasurer(regular, 9);
    const lines = wrapText(footer, TEXT_W, measure).slice(0, 2);
    lines.forEach((line, i) => {
      page.drawText(line, { x: (PAGE_W - measure(line)) / 2, y: FOOTER_BASELINE + (lines.length - 1 - i) * 12, size: 9, font: regular, color: GREY });
    });
  }

  return pdfDoc.save();
}

function drawTitle(page: PDFPage, title: string, bold: PDFFont): void {
  // Short titles are letter-spaced (居 住 证 明) as printed certificates are; long ones are not,
  // and shrink if they would not fit the line.
  const chars = [...title];
  let size = TITLE_SIZE;
  const spacing = chars.length <= 6 ? size * 0.6 : 0;
  const widthAt = (s: number) => bold.widthOfTextAtSize(title, s) + spacing * (chars.length - 1);
  while (widthAt(size) > TEXT_W && size > 12) size -= 1;
  let x = (PAGE_W - widthAt(size)) / 2;
  for (const ch of chars) {
    page.drawText(ch, { x, y: TITLE_BASELINE, size, font: bold, color: BLACK });
    x += bold.widthOfTextAtSize(ch, size) + spacing;
  }
}

async function drawVerification(pdfDoc: PDFDocument, page: PDFPage, font: PDFFont, url: string, codeLine: string, urlLine: string): Promise<void> {
  // Error correction M survives a smudge or a fold; margin 1 because the page is white anyway.
  // Scale 4 keeps modules whole pixels (crisp: pdf-lib sets no /Interpolate) and the PNG small.
  const png = await QRCode.toBuffer(url, { type: 'png', errorCorrectionLevel: 'M', margin: 1, scale: 4 });
  const image = await pdfDoc.embedPng(png);
  page.drawImage(image, { x: MARGIN_LEFT, y: QR_BOTTOM, width: QR_SIZE, height: QR_SIZE });
  page.drawText(codeLine, { x: MARGIN_LEFT, y: QR_BOTTOM - 5 * MM, size: 10.5, font, color: BLACK });
  const measure = charWidthMeasurer(font, 8);
  wrapText(urlLine, TEXT_W, measure).slice(0, 2).forEach((line, i) => {
    page.drawText(line, { x: MARGIN_LEFT, y: QR_BOTTOM - 9.5 * MM - i * 11, size: 8, font, color: GREY });
  });
}

function drawRight(page: PDFPage, text: string, font: PDFFont, size: number, right: number, y: number, color = BLACK): void {
  page.drawText(text, { x: right - font.widthOfTextAtSize(text, size), y, size, font, color });
}
