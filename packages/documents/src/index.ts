// @cunzhang/documents: printable documents for cunzhang — certificates for the service point
// and the seal-use ledger (用印登记簿) as PDF and XLSX. Pure rendering: bytes in, bytes out.
export { charWidthMeasurer, embedChineseFont, embedChineseFontWithEncoder, type FontWeight, missingCharacters, subsetCharacters, subsetFor } from './font.js';
export { CERTIFICATE_GEOMETRY, CertificateTooLongError, type CertificateInput, renderCertificatePdf, UnprintableCharactersError } from './certificate-pdf.js';
export { LEDGER_GEOMETRY, type LedgerPdfColumn, type LedgerPdfInput, ledgerRowHeight, paginate, renderLedgerPdf } from './ledger-pdf.js';
export { type LedgerXlsxColumn, type LedgerXlsxInput, renderLedgerXlsx, XLSX_DATE_FORMAT, XLSX_DATETIME_FORMAT } from './ledger-xlsx.js';
export { maskIdNumber, maskPhone, maskText } from './mask.js';
export { type Measure, NO_LINE_END, NO_LINE_START, wrapText } from './wrap.js';
export { rasterizePdfPage, type RasterizeOptions } from './rasterize.js';
