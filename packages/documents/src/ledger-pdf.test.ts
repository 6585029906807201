import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { LEDGER_GEOMETRY, type LedgerPdfInput, ledgerRowHeight, paginate, renderLedgerPdf } from './ledger-pdf.js';
import { darkPixelsInBand, fontNames, inkedColumns, pdfTextPages, renderPageToPng } from './test-support.js';

const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const PAGE_H = 595.28;

const columns = [
  { key: 'no', header: '序号', width: 0.5 },
  { key: 'date', header: '用印日期', width: 1.1 },
  { key: 'seal', header: '印章', width: 1.4 },
  { key: 'applicant', header: '申请人', width: 0.8 },
  { key: 'matter', header: '用印事项', width: 1.4 },
  { key: 'doc', header: '文件名称', width: 1.8 },
  { key: 'copies', header: '份数', width: 0.5 },
  { key: 'approver', header: '审批人', width: 0.8 },
  { key: 'keeper', header: '监印人', width: 0.8 },
  { key: 'remark', header: '备注', width: 2 },
];

function rows(n: number, remark: (i: number) => string = () => ''): Record<string, string>[] {
  return Array.from({ length: n }, (_, i) => ({
    no: String(i + 1),
    date: `2026-${String(1 + (i % 11)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    seal: '前鹤山村民委员会章',
    applicant: ['张三', '李四', '王五', '赵六'][i % 4] ?? '',
    matter: ['居住证明', '亲属关系证明', '土地承包合同', '收入证明'][i % 4] ?? '',
    doc: `关于第${i + 1}号事项的证明`,
    copies: String(1 + (i % 3)),
    approver: '刘书记',
    keeper: '陈会计',
    remark: remark(i),
  }));
}

const base: Omit<LedgerPdfInput, 'rows'> = {
  title: '用印登记簿',
  subtitle: '鹤山镇前鹤山村　2026年1月1日—2026年11月30日',
  columns,
  generatedAt: new Date('2026-11-27T02:00:00Z'),
};

// The header row's band on the page, as fractions of the height from the top.
const headerTop = (PAGE_H - LEDGER_GEOMETRY.tableTop) / PAGE_H;
const headerBand: [number, number] = [headerTop + 0.004, headerTop + ledgerRowHeight(1) / PAGE_H - 0.004];

describe('paginate', () => {
  it('fills pages up to the height and never leaves a page empty', () => {
    expect(paginate([10, 10, 10, 10, 10], 25)).toEqual([[0, 1], [2, 3], [4]]);
    expect(paginate([40, 5], 25)).toEqual([[0], [1]]);
    expect(paginate([], 25)).toEqual([[]]);
  });
});

describe('renderLedgerPdf', () => {
  it('lays 1,000 rows over the computed number of landscape pages, header on each', async () => {
    const started = performance.now();
    const pdf = await renderLedgerPdf({ ...base, rows: rows(1000) });
    const ms = performance.now() - started;
    const doc = await PDFDocument.load(pdf);
    const available = LEDGER_GEOMETRY.tableTop - LEDGER_GEOMETRY.tableBottom - ledgerRowHeight(1);
    const perPage = Math.floor(available / ledgerRowHeight(1));
    console.info(`ledger pdf: 1000 rows, ${doc.getPageCount()} pages (${perPage} rows each), ${pdf.length} bytes, ${ms.toFixed(0)} ms`);
    expect(doc.getPageCount()).toBe(Math.ceil(1000 / perPage));
    expect(doc.getPageCount()).toBeGreaterThan(1);
    const { width, height } = doc.getPage(1).getSize();
    expect([Math.round(width), Math.round(height)]).toEqual([842, 595]);
    expect(doc.getTitle()).toBe('用印登记簿');
    expect(fontNames(doc).filter((n) => n.includes('NotoSansSC')).length).toBeGreaterThanOrEqual(2);
    expect(ms).toBeLessThan(15_000);

    const texts = await pdfTextPages(pdf);
    expect(texts).toHaveLength(doc.getPageCount());
    texts.forEach((text, p) => {
      expect(text).toContain('用印登记簿');
      for (const c of columns) expect(text).toContain(c.header);
      expect(text).toContain(`第 ${p + 1} 页 / 共 ${texts.length} 页`);
    });
    expect(texts.at(-1)).toContain('关于第1000号事项的证明');

    // Page 2's header row, rendered with no system fonts: every column's caption has ink
    // (borders excluded by staying clear of the cell edges).
    const page2 = await renderPageToPng(pdf, 2, 60);
    await mkdir(OUTPUT, { recursive: true });
    await writeFile(`${OUTPUT}ledger-page2.png`, page2);
    const inked = await inkedColumns(page2, ...headerBand);
    const px = (pt: number) => (pt * 60) / 72;
    const totalWeight = columns.reduce((sum, c) => sum + c.width, 0);
    const tableWidth = 841.89 - 2 * LEDGER_GEOMETRY.marginX;
    let left = LEDGER_GEOMETRY.marginX;
    for (const c of columns) {
      const width = (tableWidth * c.width) / totalWeight;
      const cell = inked.slice(Math.ceil(px(left + 3)), Math.floor(px(left + width - 3)));
      expect(cell.filter(Boolean).length, `header "${c.header}"`).toBeGreaterThanOrEqual(px(c.header.length * LEDGER_GEOMETRY.cellSize * 0.5));
      left += width;
    }
    // Rows on page 2 start with row number perPage + 1, i.e. the body is printed too.
    expect(await darkPixelsInBand(page2, 0.5, 0.6)).toBeGreaterThan(300);
  });

  it('wraps long cells, masks personal numbers and cuts a row taller than a page', async () => {
    const remark = (i: number) => (i % 5 === 0 ? '申请人电话13800000005，身份证370921198503121236，需加急办理，材料已核对无误。' : '');
    const wrapped = await renderLedgerPdf({ ...base, rows: rows(200, remark) });
    const single = await renderLedgerPdf({ ...base, rows: rows(200) });
    const wrappedPages = (await PDFDocument.load(wrapped)).getPageCount();
    const singlePages = (await PDFDocument.load(single)).getPageCount();
    expect(wrappedPages).toBeGreaterThan(singlePages);
    const text = (await pdfTextPages(wrapped)).join('').replace(/\s+/g, '');
    expect(text).toContain('138****0005');
    expect(text).toContain('3709**********1236');
    expect(text).not.toMatch(/13800000005|370921198503121236/);

    const huge = await renderLedgerPdf({ ...base, rows: rows(3, () => '很长的备注'.repeat(2000)) });
    expect((await PDFDocument.load(huge)).getPageCount()).toBe(3);
  });

  it('prints 无记录 when there are no rows', async () => {
    const pdf = await renderLedgerPdf({ ...base, rows: [] });
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(1);
    const png = await renderPageToPng(pdf, 1, 60);
    await writeFile(`${OUTPUT}ledger-empty.png`, png);
    const rowTop = headerBand[1] + ledgerRowHeight(1) / PAGE_H;
    expect(await darkPixelsInBand(png, rowTop, rowTop + ledgerRowHeight(1) / PAGE_H)).toBeGreaterThan(15);
    expect((await pdfTextPages(pdf))[0]).toContain('无记录');
  });
});
