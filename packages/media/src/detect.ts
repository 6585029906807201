/** Formats a page photo may arrive in. HEIC is what iPhones save by default. */
export type InputFormat = 'jpeg' | 'png' | 'webp' | 'heic';

// Major brands of HEVC-coded HEIF files, as listed by libheif (strukturag/libheif#83).
// Only those heic-decode accepts: anything else would fail inside it with a less clear error.
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx']);
// Generic HEIF brands: the codec is only known from the compatible brands.
const GENERIC_HEIF_BRANDS = new Set(['mif1', 'msf1']);

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/**
 * Tells the format from the first bytes, never from a file name or a client's
 * Content-Type, which a phone or a proxy may get wrong.
 */
export function detectFormat(bytes: Uint8Array): InputFormat | null {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 12 && ascii(bytes, 4, 8) === 'ftyp') {
    const major = ascii(bytes, 8, 12);
    if (HEIC_BRANDS.has(major)) return 'heic';
    if (GENERIC_HEIF_BRANDS.has(major)) return isAvif(bytes) ? null : 'heic';
  }
  return null;
}

// A mif1 file carrying AV1 (AVIF) names 'avif' among its compatible brands; the bundled
// HEIC decoder has no AV1 support, so such files are refused up front.
function isAvif(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxSize = Math.min(view.getUint32(0), bytes.length);
  const brands: string[] = [];
  for (let off = 16; off + 4 <= boxSize; off += 4) brands.push(ascii(bytes, off, off + 4));
  return brands.includes('avif') && !brands.some((b) => HEIC_BRANDS.has(b));
}
