import {
  beginText,
  endText,
  fill,
  lineTo,
  moveTo,
  PDFDocument,
  type PDFFont,
  type PDFHexString,
  type PDFName,
  type PDFOperator,
  type PDFPage,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setFillingRgbColor,
  setFontAndSize,
  setLineWidth,
  setStrokingRgbColor,
  moveText,
  showText,
  stroke,
} from 'pdf-lib';
import { charWidthMeasurer, embedChineseFontWithEncoder } from './font.js';
import { maskText } from './mask.js';
import { A4_LANDSCAPE, printable, setMetadata } from './pdf-common.js';
import { type Measure, wrapText } from './wrap.js';

export interface LedgerPdfColumn {
  key: string;
  header: string;
  /** Relative width: columns share the table width in proportion. */
  width: number;
}

export interface LedgerPdfInput {
  /** e.g. 用印登记簿 */
  title: string;
  /** e.g. village and period: 前鹤山村 2026年1月1日—2026年11月30日 */
  subtitle: string;
  columns: LedgerPdfColumn[];
  rows: Record<string, string>[];
  generatedAt: Date;
  /**
   * Mask mobile and ID numbers in every cell (see mask.ts). On unless the caller has a
   * reason to print them, e.g. a keeper's own internal copy.
   */
  maskPersonalNumbers?: boolean;
  /** Time zone used to print generatedAt; the town's own by default. */
  timeZone?: string;
}

const [PAGE_W, PAGE_H] = A4_LANDSCAPE;

/** Page geometry, exported so callers and tests can predict the page count. */
export const LEDGER_GEOMETRY = {
  marginX: 28,
  titleSize: 15,
  subtitleSize: 9.5,
  cellSize: 8.5,
  lineHeight: 11.5,
  cellPaddingX: 3.5,
  cellPaddingY: 3.5,
  /** Top of the table (PDF y, from the bottom) on every page: title and subtitle sit above. */
  tableTop: PAGE_H - 28 - 15 - 9.5 - 26,
  /** Lowest point the table may reach; the page number sits below it. */
  tableBottom: 40,
} as const;

const G = LEDGER_GEOMETRY;
const TABLE_W = PAGE_W - 2 * G.marginX;
const TEXT = rgb(0.08, 0.08, 0.08);
const GREY = rgb(0.4, 0.4, 0.4);

/** Height of a table row holding `lines` lines of text. */
export function ledgerRowHeight(lines: number): number {
  return Math.max(1, lines) * G.lineHeight + 2 * G.cellPaddingY;
}

/** Splits rows (by height) into pages of at most `available` points; every page gets ≥ 1 row. */
export function paginate(heights: number[], available: number): number[][] {
  const pages: number[][] = [];
  let current: number[] = [];
  let used = 0;
  heights.forEach((h, i) => {
    if (current.length > 0 && used + h > available) {
      pages.push(current);
      current = [];
      used = 0;
    }
    current.push(i);
    used += h;
  });
  if (current.length > 0 || pages.length === 0) pages.push(current);
  return pages;
}

interface LaidOutRow {
  cells: string[][];
  height: number;
}

/** Renders the seal-use ledger (or any table) as a landscape A4 PDF with a repeated header. */
export async function renderLedgerPdf(input: LedgerPdfInput): Promise<Uint8Array> {
  const mask = input.maskPersonalNumbers ?? true;
  const clean = (v: string | undefined) => {
    const text = printable(v ?? '');
    return mask ? maskText(text) : text;
  };
  const title = printable(input.title).trim();
  const subtitle = clean(input.subtitle).trim();
  const generated = `导出时间：${formatDateTime(input.generatedAt, input.timeZone ?? 'Asia/Shanghai')}`;
  const headers = input.columns.map((c) => printable(c.header));
  const rows = input.rows.map((r) => input.columns.map((c) => clean(r[c.key])));

  const pdfDoc = await PDFDocument.create();
  setMetadata(pdfDoc, { title, subject: subtitle, createdAt: input.generatedAt });
  const regularText = [subtitle, generated, '第页共无记录/', ...rows.flat()].join('');
  const [regularFont, boldFont] = await Promise.all([
    embedChineseFontWithEncoder(pdfDoc, regularText, 400),
    embedChineseFontWithEncoder(pdfDoc, title + headers.join(''), 700),
  ]);
  const regular = regularFont.font;
  const bold = boldFont.font;

  const totalWeight = input.columns.reduce((s, c) => s + Math.max(c.width, 0), 0) || 1;
  const widths = input.columns.map((c) => (TABLE_W * Math.max(c.width, 0)) / totalWeight);
  const innerWidths = widths.map((w) => Math.max(w - 2 * G.cellPaddingX, 1));
  const measure = charWidthMeasurer(regular, G.cellSize);
  const measureBold = charWidthMeasurer(bold, G.cellSize);

  const header: LaidOutRow = layoutRow(headers, innerWidths, measureBold, Infinity);
  const available = G.tableTop - G.tableBottom - header.height;
  // A row taller than a page is cut so that it still fits on one, ending in "…".
  const maxLines = Math.max(1, Math.floor((available - 2 * G.cellPaddingY) / G.lineHeight));
  const laidOut = rows.map((cells) => layoutRow(cells, innerWidths, measure, maxLines));
  const pages = paginate(laidOut.map((r) => r.height), available);

  const encoders = new Map<PDFFont, (text: string) => PDFHexString>([
    [regular, regularFont.encode],
    [bold, boldFont.encode],
  ]);
  pages.forEach((rowIndexes, p) => {
    const page = pdfDoc.addPage(A4_LANDSCAPE);
    drawHeading(page, title, subtitle, generated, bold, regular);
    // The table goes in as one batch of raw operators: a thousand rows through drawText and
    // drawRectangle cost seconds in per-call validation and graphics-state churn.
    const table = new TableWriter(page, encoders);
    let y = G.tableTop;
    y = table.row(header, widths, y, bold, true);
    if (laidOut.length === 0) {
      // One full-width row: the column dividers stop at the header.
      table.columns(widths, G.tableTop, y);
      const empty = '无记录';
      const bottom = y - ledgerRowHeight(1);
      table.horizontal(bottom);
      table.text(regular, empty, G.marginX + (TABLE_W - measure(empty)) / 2, y - G.cellPaddingY - G.cellSize, GREY_RGB);
      y = bottom;
    }
    for (const i of rowIndexes) {
      const row = laidOut[i];
      if (row) y = table.row(row, widths, y, regular, false);
    }
    if (laidOut.length > 0) table.columns(widths, G.tableTop, y);
    table.outline(G.tableTop, y);
    table.finish();
    const footer = `第 ${p + 1} 页 / 共 ${pages.length} 页`;
    page.drawText(footer, { x: (PAGE_W - charWidthMeasurer(regular, 9)(footer)) / 2, y: 20, size: 9, font: regular, color: GREY });
  });

  return pdfDoc.save();
}

function layoutRow(cells: string[], innerWidths: number[], measure: Measure, maxLines: number): LaidOutRow {
  const wrapped = cells.map((text, c) => {
    const lines = text === '' ? [] : wrapText(text, innerWidths[c] ?? 1, measure);
    if (lines.length <= maxLines) return lines;
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = truncateToWidth(`${kept[maxLines - 1] ?? ''}…`, innerWidths[c] ?? 1, measure);
    return kept;
  });
  return { cells: wrapped, height: ledgerRowHeight(Math.max(1, ...wrapped.map((l) => l.length))) };
}

function truncateToWidth(text: string, width: number, measure: Measure): string {
  const chars = [...text.slice(0, -1)];
  while (chars.length > 0 && measure(`${chars.join('')}…`) > width) chars.pop();
  return `${chars.join('')}…`;
}

function drawHeading(page: PDFPage, title: string, subtitle: string, generated: string, bold: PDFFont, regular: PDFFont): void {
  const titleY = PAGE_H - 28 - G.titleSize;
  page.drawText(title, { x: (PAGE_W - bold.widthOfTextAtSize(title, G.titleSize)) / 2, y: titleY, size: G.titleSize, font: bold, color: TEXT });
  const subY = titleY - 20;
  page.drawText(subtitle, { x: G.marginX, y: subY, size: G.subtitleSize, font: regular, color: TEXT });
  page.drawText(generated, { x: PAGE_W - G.marginX - regular.widthOfTextAtSize(generated, G.subtitleSize), y: subY, size: G.subtitleSize, font: regular, color: GREY });
}

type Rgb = [number, number, number];
const TEXT_RGB: Rgb = [0.08, 0.08, 0.08];
const GREY_RGB: Rgb = [0.4, 0.4, 0.4];

/** Collects a page's table as fills, one stroked path of borders, and one text object. */
class TableWriter {
  private readonly fills: PDFOperator[] = [];
  private readonly lines: PDFOperator[] = [];
  private readonly texts: PDFOperator[] = [];
  private readonly fontKeys = new Map<PDFFont, PDFName>();
  // Text state carried between lines so each line costs one Td and one Tj.
  private currentFont: PDFFont | undefined;
  private currentColor: Rgb | undefined;
  private lineX = 0;
  private lineY = 0;

  constructor(
    private readonly page: PDFPage,
    private readonly encoders: Map<PDFFont, (text: string) => PDFHexString>,
  ) {}

  /** Draws one row with its cell borders; returns the y of its bottom edge. */
  row(row: LaidOutRow, widths: number[], top: number, font: PDFFont, isHeader: boolean): number {
    const bottom = top - row.height;
    if (isHeader) this.fills.push(rectangle(G.marginX, bottom, TABLE_W, row.height));
    let x = G.marginX;
    row.cells.forEach((lines, c) => {
      const w = widths[c] ?? 0;
      lines.forEach((line, i) => {
        const textX = isHeader ? x + (w - font.widthOfTextAtSize(line, G.cellSize)) / 2 : x + G.cellPaddingX;
        this.text(font, line, textX, top - G.cellPaddingY - G.cellSize - i * G.lineHeight + 0.5, TEXT_RGB);
      });
      x += w;
    });
    this.horizontal(bottom);
    return bottom;
  }

  // Rows share their column boundaries, so borders are drawn once per page rather than per
  // cell: one rule under each row, the dividers and the outline top to bottom.
  horizontal(y: number): void {
    this.lines.push(moveTo(G.marginX, y), lineTo(G.marginX + TABLE_W, y));
  }

  columns(widths: number[], top: number, bottom: number): void {
    let x = G.marginX;
    widths.slice(0, -1).forEach((w) => {
      x += w;
      this.lines.push(moveTo(x, top), lineTo(x, bottom));
    });
  }

  outline(top: number, bottom: number): void {
    this.lines.push(rectangle(G.marginX, bottom, TABLE_W, top - bottom));
  }

  text(font: PDFFont, text: string, x: number, y: number, color: Rgb): void {
    let key = this.fontKeys.get(font);
    if (!key) {
      key = this.page.node.newFontDictionary(font.name, font.ref);
      this.fontKeys.set(font, key);
    }
    const encode = this.encoders.get(font) ?? ((t: string) => font.encodeText(t));
    if (font !== this.currentFont) {
      this.texts.push(setFontAndSize(key, G.cellSize));
      this.currentFont = font;
    }
    if (color !== this.currentColor) {
      this.texts.push(setFillingRgbColor(...color));
      this.currentColor = color;
    }
    // Td is relative to the previous line's start; rounding keeps the stream short.
    const round = (n: number) => Math.round(n * 100) / 100;
    const tx = round(x);
    const ty = round(y);
    this.texts.push(moveText(round(tx - this.lineX), round(ty - this.lineY)), showText(encode(text)));
    this.lineX = tx;
    this.lineY = ty;
  }

  finish(): void {
    this.page.pushOperators(
      pushGraphicsState(),
      setFillingRgbColor(0.9, 0.9, 0.9),
      ...this.fills,
      fill(),
      setStrokingRgbColor(0.35, 0.35, 0.35),
      setLineWidth(0.5),
      ...this.lines,
      stroke(),
      beginText(),
      ...this.texts,
      endText(),
      popGraphicsState(),
    );
  }
}

function formatDateTime(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
