import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type CertificateInput, renderCertificatePdf } from './certificate-pdf.js';
import { rasterizePdfPage } from './rasterize.js';
import { darkPixelsInBand } from './test-support.js';

const residence: CertificateInput = {
  title: '居住证明',
  body: '兹证明张三，性别男，公民身份号码370921199001011236，系我村村民，自2008年3月起在前鹤山村东街12号居住至今。\n特此证明。',
  issuer: '宁阳县鹤山镇前鹤山村民委员会',
  date: '2026年11月27日',
  serialNo: '01JDX4N6V0Q8H3K2M9QZ7T5W1R',
  verifyCode: 'ABCD-EFGH-JKLM',
  verifyUrl: 'https://cunzhang.example.gov.cn/v/ABCD-EFGH-JKLM',
  createdAt: new Date('2026-11-27T02:00:00Z'),
};

describe('rasterizePdfPage', () => {
  it('draws page 1 of a certificate at 150 dpi with its embedded font, the same pixels every time', async () => {
    const pdf = await renderCertificatePdf(residence);
    const started = performance.now();
    const first = await rasterizePdfPage(pdf);
    const ms = performance.now() - started;
    const second = await rasterizePdfPage(pdf);
    const meta = await sharp(first).metadata();
    // A4 at 150 dpi.
    expect(meta).toMatchObject({ format: 'png', width: 1240, height: 1754 });
    expect(Buffer.compare(first, second)).toBe(0);
    // Title, body and the QR code carry ink; the top margin stays white paper.
    expect(await darkPixelsInBand(first, 0.12, 0.2)).toBeGreaterThan(2000);
    expect(await darkPixelsInBand(first, 0.25, 0.4)).toBeGreaterThan(5000);
    expect(await darkPixelsInBand(first, 0.8, 0.9)).toBeGreaterThan(5000);
    expect(await darkPixelsInBand(first, 0, 0.03)).toBe(0);
    console.info(`rasterised A4 at 150 dpi: ${first.length} bytes, ${ms.toFixed(0)} ms (first call)`);
  });

  it('gives different pixels for a different certificate, and refuses a page that is not there', async () => {
    const a = await rasterizePdfPage(await renderCertificatePdf(residence));
    const b = await rasterizePdfPage(await renderCertificatePdf({ ...residence, body: '兹证明李四系我村村民。\n特此证明。' }));
    expect(Buffer.compare(a, b)).not.toBe(0);
    await expect(rasterizePdfPage(await renderCertificatePdf(residence), { page: 2 })).rejects.toThrow(/page 2/);
  });
});
