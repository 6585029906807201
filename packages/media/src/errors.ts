/** Why a photo was refused; the server maps each code to one HTTP status. */
export type MediaErrorCode = 'UNSUPPORTED_IMAGE' | 'TOO_LARGE' | 'TOO_MANY_PIXELS' | 'CORRUPT_IMAGE';

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly code: MediaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isMediaError(err: unknown): err is MediaError {
  return err instanceof MediaError;
}
