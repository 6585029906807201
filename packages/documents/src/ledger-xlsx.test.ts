import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { renderLedgerXlsx, XLSX_DATE_FORMAT, XLSX_DATETIME_FORMAT } from './ledger-xlsx.js';

const columns = [
  { key: 'no', header: '序号', width: 6 },
  { key: 'usedAt', header: '用印时间' },
  { key: 'day', header: '申请日期' },
  { key: 'seal', header: '印章' },
  { key: 'impressions', header: '盖印次数' },
  { key: 'remark', header: '备注' },
];

function rows(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    no: i + 1,
    usedAt: new Date(Date.UTC(2026, 10, 27, 2, 30)),
    day: new Date(Date.UTC(2026, 10, 26, 16, 0)),
    seal: '前鹤山村民委员会章',
    impressions: 1 + (i % 3),
    remark: i === 0 ? '申请人电话13800000005，身份证370921198503121236' : '',
  }));
}

describe('renderLedgerXlsx', () => {
  it('writes a titled, frozen, filterable sheet with real dates and masked numbers', async () => {
    const started = performance.now();
    const buffer = await renderLedgerXlsx({ sheetName: '用印登记簿', title: '前鹤山村用印登记簿（2026年11月）', columns, rows: rows(1000) });
    console.info(`ledger xlsx: 1000 rows, ${buffer.length} bytes, ${(performance.now() - started).toFixed(0)} ms`);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('用印登记簿');
    expect(sheet).toBeDefined();
    if (!sheet) return;
    expect(sheet.getCell('A1').value).toBe('前鹤山村用印登记簿（2026年11月）');
    expect(sheet.getCell('A1').isMerged && sheet.getCell('F1').isMerged).toBe(true);
    expect(sheet.getRow(2).values).toEqual([undefined, '序号', '用印时间', '申请日期', '印章', '盖印次数', '备注']);
    expect(sheet.getCell('B2').font?.bold).toBe(true);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    // Read back, exceljs reports the filter as the range it covers.
    expect(sheet.autoFilter).toBe('A2:F2');
    expect(sheet.rowCount).toBe(1002);
    expect(sheet.getColumn(1).width).toBe(6);

    // 02:30 UTC is 10:30 in the town; 16:00 UTC the day before is midnight on the 27th.
    const usedAt = sheet.getCell('B3');
    expect(usedAt.value).toBeInstanceOf(Date);
    expect((usedAt.value as Date).toISOString()).toBe('2026-11-27T10:30:00.000Z');
    expect(usedAt.numFmt).toBe(XLSX_DATETIME_FORMAT);
    const day = sheet.getCell('C3');
    expect((day.value as Date).toISOString()).toBe('2026-11-27T00:00:00.000Z');
    expect(day.numFmt).toBe(XLSX_DATE_FORMAT);
    expect(sheet.getCell('E4').value).toBe(2);

    expect(sheet.getCell('F3').value).toBe('申请人电话138****0005，身份证3709**********1236');
  });

  it('keeps an empty ledger valid and cleans a sheet name Excel would reject', async () => {
    const buffer = await renderLedgerXlsx({ sheetName: '用印登记簿[2026/11]', title: '无记录', columns, rows: [] });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet?.name).toBe('用印登记簿_2026_11_');
    expect(sheet?.rowCount).toBe(2);
  });
});
