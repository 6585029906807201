export { charWidthMeasurer, embedChineseFont, type FontWeight, subsetCharacters, subsetFor } from './font.js';
export { CertificateTooLongError, type CertificateInput, renderCertificatePdf } from './certificate-pdf.js';
export { LEDGER_GEOMETRY, type LedgerPdfColumn, type LedgerPdfInput, ledgerRowHeight, paginate, renderLedgerPdf } from './ledger-pdf.js';
export { maskIdNumber, maskPhone, maskText } from './mask.js';
export { type Measure, NO_LINE_END, NO_LINE_START, wrapText } from './wrap.js';
