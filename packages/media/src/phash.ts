import sharp from 'sharp';
import { dct2d } from './dct.js';

const SIZE = 32;
const BAND = 8;

/**
 * 64-bit DCT perceptual hash (the pHash.org construction), as 16 hex digits.
 *
 * The page is made upright (EXIF orientation), grey, and squeezed to 32×32 ignoring the
 * aspect ratio, so a photo cropped a little differently or taken at another resolution
 * lands on the same grid. The 8×8 lowest frequencies after the DC term (rows and
 * columns 1–8) describe the page's layout; each bit says whether a coefficient is above
 * their median, which makes the hash blind to overall brightness and contrast.
 *
 * @example
 * const distance = hammingDistance(await perceptualHash(stampedPhoto), approved.phash);
 */
export async function perceptualHash(image: Buffer | Uint8Array): Promise<string> {
  const pixels = await sharp(image)
    .rotate()
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .greyscale()
    .resize(SIZE, SIZE, { fit: 'fill' })
    .raw()
    .toBuffer();
  const coeffs = dct2d(pixels, SIZE);
  const band: number[] = [];
  for (let v = 1; v <= BAND; v++) {
    for (let u = 1; u <= BAND; u++) band.push(coeffs[v * SIZE + u] as number);
  }
  const sorted = [...band].sort((a, b) => a - b);
  const median = ((sorted[31] as number) + (sorted[32] as number)) / 2;
  let bits = 0n;
  for (const value of band) bits = (bits << 1n) | (value > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

const HASH = /^[0-9a-f]{16}$/i;

/** Number of differing bits between two perceptual hashes: 0 (same) to 64. */
export function hammingDistance(a: string, b: string): number {
  if (!HASH.test(a) || !HASH.test(b)) {
    throw new RangeError(`Perceptual hashes must be 16 hex digits, got "${a}" and "${b}".`);
  }
  let diff = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (diff) {
    count += Number(diff & 1n);
    diff >>= 1n;
  }
  return count;
}
