// Helpers for the documents tests: rasterise PDFs the way a machine without Chinese fonts
// would, and count ink. Not exported from index.ts.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFDict, type PDFDocument, PDFName } from 'pdf-lib';
import sharp from 'sharp';

const run = promisify(execFile);

/**
 * Renders one page with poppler under an empty fontconfig, so any text that relies on a
 * system font instead of the embedded one comes out blank — the failure this package guards.
 */
export async function renderPageToPng(pdf: Uint8Array, page: number, dpi = 60): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'cunzhang-doc-'));
  try {
    const conf = join(dir, 'fonts.conf');
    await writeFile(conf, '<?xml version="1.0"?>\n<fontconfig></fontconfig>\n');
    await writeFile(join(dir, 'in.pdf'), pdf);
    await run('pdftoppm', ['-r', String(dpi), '-png', '-f', String(page), '-l', String(page), '-singlefile', join(dir, 'in.pdf'), join(dir, 'out')], {
      env: { ...process.env, FONTCONFIG_FILE: conf, FONTCONFIG_PATH: dir },
    });
    return await readFile(join(dir, 'out.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The text poppler extracts (through the fonts' ToUnicode maps), pages split on form feeds. */
export async function pdfTextPages(pdf: Uint8Array): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'cunzhang-doc-'));
  try {
    await writeFile(join(dir, 'in.pdf'), pdf);
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', join(dir, 'in.pdf'), '-'], { maxBuffer: 64 * 1024 * 1024 });
    return stdout.split('\f').slice(0, -1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Dark pixels (grey < 128) in a horizontal band given as fractions of the page height. */
export async function darkPixelsInBand(png: Buffer, fromTop: number, toTop: number): Promise<number> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const start = Math.floor(info.height * fromTop);
  const end = Math.ceil(info.height * toTop);
  let dark = 0;
  for (let y = start; y < end; y += 1) {
    for (let x = 0; x < info.width; x += 1) {
      if ((data[(y * info.width + x) * info.channels] ?? 255) < 128) dark += 1;
    }
  }
  return dark;
}

/**
 * For each pixel column, whether the band (fractions of the page height from the top) has a
 * dark pixel in it. Lets a test see glyph by glyph where ink is missing, which a total count
 * cannot: a font that lost half its glyphs still leaves plenty of dark pixels.
 */
export async function inkedColumns(png: Buffer, fromTop: number, toTop: number): Promise<boolean[]> {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  const start = Math.floor(info.height * fromTop);
  const end = Math.ceil(info.height * toTop);
  return Array.from({ length: info.width }, (_, x) => {
    for (let y = start; y < end; y += 1) if ((data[(y * info.width + x) * info.channels] ?? 255) < 128) return true;
    return false;
  });
}

/** Runs of inked columns separated by at least `minGap` blank columns: roughly, glyphs. */
export function inkClusters(columns: boolean[], minGap: number): { from: number; to: number }[] {
  const clusters: { from: number; to: number }[] = [];
  columns.forEach((inked, x) => {
    if (!inked) return;
    const last = clusters[clusters.length - 1];
    if (last && x - last.to <= minGap) last.to = x;
    else clusters.push({ from: x, to: x });
  });
  return clusters;
}

/** The BaseFont names of every font object in the document. */
export function fontNames(doc: PDFDocument): string[] {
  const names: string[] = [];
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (obj instanceof PDFDict && obj.get(PDFName.of('Type')) === PDFName.of('Font')) {
      const base = obj.get(PDFName.of('BaseFont'));
      if (base instanceof PDFName) names.push(base.decodeText());
    }
  }
  return names;
}
