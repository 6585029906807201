import { MediaError } from './errors.js';

export interface IntakeLimits {
  /** Largest upload accepted, in bytes. */
  maxBytes: number;
  /** Largest width × height accepted; guards against decompression bombs. */
  maxPixels: number;
  /** Longest side of the thumbnail, in pixels (default 480). */
  thumbMaxSide?: number;
}

export function checkBytes(size: number, maxBytes: number): void {
  if (size > maxBytes) {
    throw new MediaError('TOO_LARGE', `The photo is ${size} bytes; the limit is ${maxBytes} bytes.`);
  }
}

export function checkPixels(width: number, height: number, maxPixels: number): void {
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new MediaError(
      'TOO_MANY_PIXELS',
      `The photo is ${width}×${height} = ${pixels} pixels; the limit is ${maxPixels} pixels.`,
    );
  }
}

export function validateLimits(limits: IntakeLimits): void {
  for (const key of ['maxBytes', 'maxPixels', 'thumbMaxSide'] as const) {
    const value = limits[key];
    if (value === undefined && key === 'thumbMaxSide') continue;
    if (!Number.isSafeInteger(value) || (value as number) <= 0) {
      // A programming or configuration error, not a bad upload: a plain RangeError.
      throw new RangeError(`limits.${key} must be a positive integer, got ${String(value)}.`);
    }
  }
}
