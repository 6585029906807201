import { MediaError } from './errors.js';
import { checkPixels } from './limits.js';

export interface RawImage {
  /** RGBA, 4 bytes per pixel, rows top to bottom. */
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes the primary image of a HEIC file. sharp's prebuilt libvips has no HEVC decoder,
 * so this goes through heic-decode (libheif compiled to WebAssembly).
 *
 * The container is parsed first and the pixel limit checked on its declared size, so a
 * decompression bomb is refused before any pixel memory is allocated.
 */
export async function decodeHeic(bytes: Uint8Array, maxPixels: number): Promise<RawImage> {
  // Loaded on first use: the WebAssembly module is large and most uploads are JPEG.
  const { default: decode } = await import('heic-decode');
  let images: Awaited<ReturnType<typeof decode.all>>;
  try {
    images = await decode.all({ buffer: bytes });
  } catch (err) {
    throw corrupt(err);
  }
  try {
    const primary = images[0];
    if (!primary) throw new MediaError('CORRUPT_IMAGE', 'The HEIC file contains no image.');
    checkPixels(primary.width, primary.height, maxPixels);
    let decoded: Awaited<ReturnType<typeof primary.decode>>;
    try {
      decoded = await primary.decode();
    } catch (err) {
      throw corrupt(err);
    }
    const { width, height, data } = decoded;
    if (data.length !== width * height * 4) {
      throw new MediaError('CORRUPT_IMAGE', `The HEIC decoder returned ${data.length} bytes for a ${width}×${height} image.`);
    }
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } finally {
    images.dispose();
  }
}

function corrupt(err: unknown): MediaError {
  if (err instanceof MediaError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new MediaError('CORRUPT_IMAGE', `The HEIC file could not be decoded (${detail}).`, { cause: err });
}
