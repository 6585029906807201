import sharp from 'sharp';
import { detectFormat } from './detect.js';
import { MediaError } from './errors.js';
import { decodeHeic, type RawImage } from './heic.js';
import { checkBytes, checkPixels, validateLimits, type IntakeLimits } from './limits.js';
import { perceptualHash } from './phash.js';
import { fromSharpError } from './sharp-errors.js';
import { sm3Hex } from './sm3.js';

export interface IntakeResult {
  /** The bytes to keep: re-encoded, upright, with no EXIF, GPS, XMP, IPTC or ICC data. */
  stored: Buffer;
  contentType: 'image/jpeg' | 'image/png';
  width: number;
  height: number;
  /** JPEG whose longest side is at most `thumbMaxSide`. */
  thumbnail: Buffer;
  /** SM3 of `stored`, 64 hex digits. */
  sm3: string;
  /** 64-bit DCT perceptual hash of `stored`, 16 hex digits; equals `perceptualHash(stored)`. */
  phash: string;
}

const DEFAULT_THUMB_MAX_SIDE = 480;
const STORED_JPEG_QUALITY = 85;
const THUMB_JPEG_QUALITY = 80;
const WHITE = { r: 255, g: 255, b: 255 };

type Source = { kind: 'encoded'; bytes: Uint8Array } | { kind: 'raw'; raw: RawImage };

/**
 * Checks, cleans and fingerprints one photographed page.
 *
 * @example
 * const page = await intakePhoto(upload, { maxBytes: 15_000_000, maxPixels: 50_000_000 });
 * await blobs.put(page.sm3, page.stored, page.contentType);
 */
export async function intakePhoto(bytes: Uint8Array, limits: IntakeLimits): Promise<IntakeResult> {
  validateLimits(limits);
  checkBytes(bytes.byteLength, limits.maxBytes);
  const format = detectFormat(bytes);
  if (!format) {
    throw new MediaError('UNSUPPORTED_IMAGE', 'The file is not a JPEG, PNG, WebP or HEIC image.');
  }

  let source: Source;
  if (format === 'heic') {
    source = { kind: 'raw', raw: await decodeHeic(bytes, limits.maxPixels) };
  } else {
    await checkHeader(bytes, limits.maxPixels);
    source = { kind: 'encoded', bytes };
  }

  // PNG pages (screenshots, scans) stay lossless; every other format becomes JPEG, which
  // has no alpha channel, so transparent areas turn white like paper.
  const keepPng = format === 'png';
  const thumbMaxSide = limits.thumbMaxSide ?? DEFAULT_THUMB_MAX_SIDE;
  let encoded: { data: Buffer; info: sharp.OutputInfo };
  let thumbnail: Buffer;
  try {
    // The thumbnail is not a fingerprint, so it is made from the upload in parallel with
    // the stored copy (the two pipelines run on separate libuv threads): on a 2-core
    // machine that takes it off the critical path.
    [encoded, thumbnail] = await Promise.all([
      encodeStored(open(source, limits.maxPixels), keepPng),
      makeThumbnail(open(source, limits.maxPixels), thumbMaxSide),
    ]);
  } catch (err) {
    throw fromSharpError(err, limits.maxPixels);
  }

  const stored = encoded.data;
  // Hashed from the stored bytes, not the upload, so that anyone holding the blob can
  // recompute exactly the value an approval binds.
  const phash = await perceptualHash(stored);
  return {
    stored,
    contentType: keepPng ? 'image/png' : 'image/jpeg',
    width: encoded.info.width,
    height: encoded.info.height,
    thumbnail,
    sm3: sm3Hex(stored),
    phash,
  };
}

// Reads only the header, so an oversized image is refused before its pixels are decoded.
// sharp's own pixel guard is off here (metadata() decodes nothing) so that the error can
// name the declared size; the decoding pipeline in open() keeps the guard as a backstop.
async function checkHeader(bytes: Uint8Array, maxPixels: number): Promise<void> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw fromSharpError(err, maxPixels);
  }
  if (!meta.width || !meta.height) {
    throw new MediaError('CORRUPT_IMAGE', 'The photo has no readable width and height.');
  }
  checkPixels(meta.width, meta.height, maxPixels);
}

function open(source: Source, maxPixels: number): sharp.Sharp {
  if (source.kind === 'raw') {
    const { data, width, height } = source.raw;
    return sharp(data, { raw: { width, height, channels: 4 }, limitInputPixels: maxPixels });
  }
  // failOn 'truncated': a page cut off mid-transfer must not be approved as if whole,
  // while the harmless warnings some phone encoders trigger are still tolerated.
  return sharp(source.bytes, { limitInputPixels: maxPixels, failOn: 'truncated' }).rotate();
}

function encodeStored(pipeline: sharp.Sharp, png: boolean): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  // sharp writes no metadata unless asked (keepExif/withMetadata), so re-encoding drops
  // EXIF including GPS; .rotate() in open() has already applied the EXIF orientation.
  const output = png
    ? pipeline.png()
    : // Huffman optimisation would make the file about 15% smaller but more than doubles
      // the encode time of a 12-megapixel page (about 480 ms against 180 ms on a 2-core
      // machine), and issue 3 asks for intake within 500 ms.
      pipeline.flatten({ background: WHITE }).jpeg({ quality: STORED_JPEG_QUALITY, optimiseCoding: false });
  return output.toBuffer({ resolveWithObject: true });
}

function makeThumbnail(pipeline: sharp.Sharp, maxSide: number): Promise<Buffer> {
  return pipeline
    .resize(maxSide, maxSide, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: WHITE })
    .jpeg({ quality: THUMB_JPEG_QUALITY })
    .toBuffer();
}
