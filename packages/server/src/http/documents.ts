import type * as DocumentsModule from '@cunzhang/documents';

/**
 * The document renderers (PDF, spreadsheets, page rasterising) load on first use: pdfjs, the
 * fonts and exceljs hold about 250 MB, which a server that only takes devices and approvals
 * never needs (measured by the 10,000-device benchmark).
 */
type Documents = typeof DocumentsModule;
let loading: Promise<Documents> | null = null;

export const documents = (): Promise<Documents> => (loading ??= import('@cunzhang/documents'));
