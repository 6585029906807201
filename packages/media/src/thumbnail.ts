import sharp from 'sharp';
import { fromSharpError } from './sharp-errors.js';

/**
 * A JPEG thumbnail of a photo kept as it was taken (a device's photos are evidence: their
 * bytes are what the device signed, so they are stored untouched and only thumbnailed).
 */
export async function thumbnailOf(bytes: Uint8Array, opts: { maxSide?: number; maxPixels: number }): Promise<Buffer> {
  const side = opts.maxSide ?? 480;
  try {
    return await sharp(bytes, { limitInputPixels: opts.maxPixels, failOn: 'error' })
      .rotate()
      .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .jpeg({ quality: 80 })
      .toBuffer();
  } catch (err) {
    throw fromSharpError(err, opts.maxPixels);
  }
}
