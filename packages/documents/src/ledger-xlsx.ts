import ExcelJS from 'exceljs';
import { maskText } from './mask.js';

export interface LedgerXlsxColumn {
  key: string;
  header: string;
  /** Column width in Excel character units; estimated from the content when absent. */
  width?: number;
  /** Excel number format for this column, e.g. 'yyyy"年"m"月"d"日" hh:mm' for a time stamp. */
  numFmt?: string;
}

export interface LedgerXlsxInput {
  /** Chinese is fine; characters Excel forbids are replaced and the name is cut to 31. */
  sheetName: string;
  title: string;
  columns: LedgerXlsxColumn[];
  rows: Record<string, string | number | Date | null | undefined>[];
  /** Mask mobile and ID numbers in text cells (see mask.ts); on by default. */
  maskPersonalNumbers?: boolean;
  /**
   * Excel stores dates without a zone, so instants are written as the town's wall-clock time.
   * Minutes east of UTC; China Standard Time (UTC+8) by default.
   */
  utcOffsetMinutes?: number;
}

/** Default format of date cells: 2026年11月27日. */
export const XLSX_DATE_FORMAT = 'yyyy"年"m"月"d"日"';
/** Date cells that carry a time of day: 2026年11月27日 10:00. */
export const XLSX_DATETIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm';

const TITLE_ROW = 1;
const HEADER_ROW = 2;
const THIN = { style: 'thin' as const, color: { argb: 'FF808080' } };
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };

/** Renders the seal-use ledger (or any table) as an .xlsx workbook with one sheet. */
export async function renderLedgerXlsx(input: LedgerXlsxInput): Promise<Buffer> {
  const mask = input.maskPersonalNumbers ?? true;
  const offsetMs = (input.utcOffsetMinutes ?? 480) * 60_000;
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'cunzhang 村章';
  workbook.created = new Date();
  const columnCount = Math.max(input.columns.length, 1);
  const sheet = workbook.addWorksheet(safeSheetName(input.sheetName), {
    // Frozen below the header so it stays in view while scrolling a long ledger.
    views: [{ state: 'frozen', xSplit: 0, ySplit: HEADER_ROW }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: `${HEADER_ROW}:${HEADER_ROW}` },
  });

  sheet.mergeCells(TITLE_ROW, 1, TITLE_ROW, columnCount);
  const titleCell = sheet.getCell(TITLE_ROW, 1);
  titleCell.value = input.title;
  titleCell.font = { bold: true, size: 16 };
  titleCell.alignment = { horizontal: 'center', vertical: 'middle' };
  sheet.getRow(TITLE_ROW).height = 30;

  const header = sheet.getRow(HEADER_ROW);
  input.columns.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c.header;
    cell.font = { bold: true };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE6E6E6' } };
    cell.border = BORDER;
  });

  // Longest text per column, in Excel width units where a CJK character counts as two.
  const contentWidth = input.columns.map((c) => displayWidth(c.header));
  input.rows.forEach((record, r) => {
    const row = sheet.getRow(HEADER_ROW + 1 + r);
    input.columns.forEach((c, i) => {
      const cell = row.getCell(i + 1);
      const value = record[c.key];
      cell.border = BORDER;
      cell.alignment = { vertical: 'top', wrapText: true };
      if (value instanceof Date) {
        // Shift so the serial Excel stores reads as local time in the town (see utcOffsetMinutes).
        cell.value = new Date(value.getTime() + offsetMs);
        const local = new Date(value.getTime() + offsetMs);
        const hasTime = local.getUTCHours() !== 0 || local.getUTCMinutes() !== 0 || local.getUTCSeconds() !== 0;
        cell.numFmt = c.numFmt ?? (hasTime ? XLSX_DATETIME_FORMAT : XLSX_DATE_FORMAT);
        contentWidth[i] = Math.max(contentWidth[i] ?? 0, hasTime ? 18 : 13);
      } else if (typeof value === 'number') {
        cell.value = maskedNumber(value, mask);
        if (c.numFmt) cell.numFmt = c.numFmt;
        contentWidth[i] = Math.max(contentWidth[i] ?? 0, String(value).length);
      } else if (value !== null && value !== undefined) {
        const text = mask ? maskText(value) : value;
        cell.value = text;
        contentWidth[i] = Math.max(contentWidth[i] ?? 0, ...text.split('\n').map(displayWidth));
      }
    });
  });

  input.columns.forEach((c, i) => {
    // Estimated widths are capped: long remarks wrap instead of making a 200-wide column.
    sheet.getColumn(i + 1).width = c.width ?? Math.min(Math.max((contentWidth[i] ?? 8) + 2, 8), 50);
  });
  if (input.columns.length > 0) {
    sheet.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: HEADER_ROW, column: input.columns.length } };
  }

  const out = await workbook.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}

// A phone number typed into a numeric column must not slip past the masking either.
function maskedNumber(value: number, mask: boolean): number | string {
  if (!mask || !Number.isInteger(value)) return value;
  const text = String(value);
  const masked = maskText(text);
  return masked === text ? value : masked;
}

function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += (ch.codePointAt(0) ?? 0) > 0x2e7f ? 2 : 1;
  return w;
}

/** Excel forbids []:*?/\ in sheet names and allows at most 31 characters. */
function safeSheetName(name: string): string {
  const cleaned = [...name.replace(/[[\]:*?/\\]/g, '_').replace(/^'+|'+$/g, '')].slice(0, 31).join('').trim();
  return cleaned || 'Sheet1';
}
