import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { type PDFDocument, type PDFFont, PDFHexString } from 'pdf-lib';
import subsetFont from 'subset-font';

export type FontWeight = 400 | 700;

const require = createRequire(import.meta.url);

const FONT_FILES: Record<FontWeight, string> = {
  400: '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf',
  700: '@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf',
};

// Each TTF is ~10 MB; read it at most once per process and only when a document needs it.
const fullFonts = new Map<FontWeight, Promise<Buffer>>();

function loadFullFont(weight: FontWeight): Promise<Buffer> {
  let font = fullFonts.get(weight);
  if (!font) {
    font = readFile(require.resolve(FONT_FILES[weight]));
    // A failed read must not poison the cache: the next call tries again.
    font.catch(() => fullFonts.delete(weight));
    fullFonts.set(weight, font);
  }
  return font;
}

// Always kept in a subset so that serial numbers, dates, URLs and codes render even when the
// caller measured a string that was not part of the text handed to subsetFor.
const ASCII_PRINTABLE = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

/** The sorted, de-duplicated characters a subset for `text` holds; also the cache key. */
export function subsetCharacters(text: string): string {
  const chars = new Set<string>(ASCII_PRINTABLE);
  for (const ch of text) {
    // Control characters (line breaks, tabs) have no glyph; the layout code handles them.
    if (ch >= ' ') chars.add(ch);
  }
  return [...chars].sort().join('');
}

// Certificates of one template share almost all their characters, so a small cache hits
// often; it is bounded because ledger exports each bring their own large character sets.
const SUBSET_CACHE_SIZE = 32;
const subsetCache = new Map<string, Promise<Buffer>>();

/**
 * A TrueType subset of Noto Sans SC holding exactly the characters of `text` (plus printable
 * ASCII), cut by HarfBuzz. fontkit's own subsetter drops CJK glyphs, which gives a blank page
 * on any machine without Chinese system fonts, so subsetting happens here instead.
 */
export function subsetFor(text: string, weight: FontWeight): Promise<Buffer> {
  const chars = subsetCharacters(text);
  const key = `${weight}:${chars}`;
  const hit = subsetCache.get(key);
  if (hit) {
    // Re-insert to mark it most recently used (Map keeps insertion order).
    subsetCache.delete(key);
    subsetCache.set(key, hit);
    return hit;
  }
  // No OpenType layout features and no layout closure: pdf-lib places glyphs by cmap alone,
  // and keeping GSUB drags in thousands of variant glyphs (a 95 KB instead of a 30 KB font,
  // and six times the subsetting time).
  const subset = loadFullFont(weight).then((full) =>
    subsetFont(full, chars, { targetFormat: 'truetype', keepFeatures: [], noLayoutClosure: true }),
  );
  subset.catch(() => subsetCache.delete(key));
  subsetCache.set(key, subset);
  while (subsetCache.size > SUBSET_CACHE_SIZE) {
    const oldest = subsetCache.keys().next().value;
    if (oldest === undefined) break;
    subsetCache.delete(oldest);
  }
  return subset;
}

/**
 * Embeds a Noto Sans SC subset covering `text` into the document. `subset: false` is
 * essential: the bytes are already a subset, and fontkit re-subsetting them loses CJK glyphs.
 */
export async function embedChineseFont(pdfDoc: PDFDocument, text: string, weight: FontWeight): Promise<PDFFont> {
  const bytes = await subsetFor(text, weight);
  pdfDoc.registerFontkit(fontkit);
  return pdfDoc.embedFont(bytes, { subset: false });
}

/**
 * Like embedChineseFont, plus an encoder that maps text to glyph ids through the cmap
 * directly. pdf-lib's encodeText runs a fontkit layout per string, which dominates the time
 * of a thousand-row ledger; the subset has no layout features, so the cmap alone is exact.
 */
export async function embedChineseFontWithEncoder(
  pdfDoc: PDFDocument,
  text: string,
  weight: FontWeight,
): Promise<{ font: PDFFont; encode: (text: string) => PDFHexString }> {
  const bytes = await subsetFor(text, weight);
  pdfDoc.registerFontkit(fontkit);
  const font = await pdfDoc.embedFont(bytes, { subset: false });
  // Same bytes as the embedded font, so glyph ids agree with what pdf-lib writes in /W.
  const parsed = fontkit.create(bytes);
  const hexByChar = new Map<string, string>();
  const encode = (value: string) => {
    let hex = '';
    for (const ch of value) {
      let h = hexByChar.get(ch);
      if (h === undefined) {
        h = parsed.glyphForCodePoint(ch.codePointAt(0) ?? 0).id.toString(16).padStart(4, '0');
        hexByChar.set(ch, h);
      }
      hex += h;
    }
    return PDFHexString.of(hex);
  };
  return { font, encode };
}

/**
 * The characters of `text` that Noto Sans SC has no glyph for (emoji, some rare characters
 * in names). They would print as empty boxes; callers decide whether that is acceptable.
 */
export async function missingCharacters(text: string, weight: FontWeight): Promise<string[]> {
  const parsed = fontkit.create(await subsetFor(text, weight));
  const missing = new Set<string>();
  for (const ch of text) {
    if (ch >= ' ' && !parsed.hasGlyphForCodePoint(ch.codePointAt(0) ?? 0)) missing.add(ch);
  }
  return [...missing];
}

/**
 * Width measurement with a per-character cache. pdf-lib's widthOfTextAtSize runs a full
 * fontkit layout per call, which is too slow for wrapping a thousand ledger rows; CJK text
 * has no kerning worth keeping, so summing advance widths is accurate enough.
 */
export function charWidthMeasurer(font: PDFFont, size: number): (text: string) => number {
  const widths = new Map<string, number>();
  return (text: string) => {
    let total = 0;
    for (const ch of text) {
      let w = widths.get(ch);
      if (w === undefined) {
        w = font.widthOfTextAtSize(ch, size);
        widths.set(ch, w);
      }
      total += w;
    }
    return total;
  };
}
