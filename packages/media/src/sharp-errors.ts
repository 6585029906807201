import { MediaError } from './errors.js';

/**
 * Turns a libvips failure into a MediaError. The magic bytes already matched a known
 * format, so anything sharp cannot read is a damaged file rather than a wrong type.
 */
export function fromSharpError(err: unknown, maxPixels: number): MediaError {
  if (err instanceof MediaError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(detail)) {
    return new MediaError('TOO_MANY_PIXELS', `The photo has more than the limit of ${maxPixels} pixels.`, { cause: err });
  }
  return new MediaError('CORRUPT_IMAGE', `The photo could not be decoded: ${detail}`, { cause: err });
}
