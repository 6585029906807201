import sharp from 'sharp';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MediaError } from './errors.js';
import { intakePhoto } from './intake.js';
import { letterSvg } from './test-pages.js';

// No real HEIC sample is available (none ships with heic-decode or libheif-js, and there
// is no HEVC encoder here to make one), so the decoder is replaced by one that returns
// the pixels of a generated page. This checks everything intake does around the decoder:
// detection, the pixel limit read from the container before decoding, RGBA to JPEG, and
// that the decoder's resources are released. intake.test.ts runs the real decoder on a
// damaged file.
const decoder = vi.hoisted(() => ({
  page: { width: 0, height: 0, data: new Uint8ClampedArray() },
  decode: vi.fn(),
  dispose: vi.fn(),
  fail: null as Error | null,
}));

vi.mock('heic-decode', () => {
  const all = async () => {
    if (decoder.fail) throw decoder.fail;
    const image = { width: decoder.page.width, height: decoder.page.height, decode: decoder.decode };
    return Object.assign([image], { dispose: decoder.dispose });
  };
  return { default: Object.assign(async () => decoder.page, { all }) };
});

const IPHONE_HEADER = Buffer.from('\0\0\0\x18ftypheic\0\0\0\0mif1heic', 'latin1');
const LIMITS = { maxBytes: 5_000_000, maxPixels: 1_000_000 };

beforeEach(async () => {
  const { data, info } = await sharp(letterSvg(4, 300, 400)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  decoder.page = { width: info.width, height: info.height, data: new Uint8ClampedArray(data) };
  decoder.decode.mockReset().mockImplementation(async () => decoder.page);
  decoder.dispose.mockReset();
  decoder.fail = null;
});

describe('intakePhoto with a HEIC photo', () => {
  it('stores it as a JPEG of the decoded page, with no metadata, and frees the decoder', async () => {
    const page = await intakePhoto(IPHONE_HEADER, LIMITS);
    expect(page.contentType).toBe('image/jpeg');
    expect([page.width, page.height]).toEqual([300, 400]);
    const meta = await sharp(page.stored).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 300, height: 400 });
    expect(meta.exif).toBeUndefined();
    // The title bar of the generated letter is dark; a wrong channel count or stride
    // in the RGBA hand-over would smear or lose it.
    const { data } = await sharp(page.stored).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect(data[Math.round(61 * 400 / 800) * 300 + 150]).toBeLessThan(80);
    expect(data[20 * 300 + 150]).toBeGreaterThan(230);
    expect(decoder.dispose).toHaveBeenCalledOnce();
  });

  it('checks the pixel limit on the size the container declares, before decoding pixels', async () => {
    decoder.page = { ...decoder.page, width: 4032, height: 3024 };
    const err = await intakePhoto(IPHONE_HEADER, LIMITS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect(err).toMatchObject({ code: 'TOO_MANY_PIXELS', message: expect.stringContaining('4032×3024') });
    expect(decoder.decode).not.toHaveBeenCalled();
    expect(decoder.dispose).toHaveBeenCalledOnce();
  });

  it('reports a decoder failure as a corrupt image', async () => {
    decoder.decode.mockRejectedValue(new Error('HEIF processing error'));
    await expect(intakePhoto(IPHONE_HEADER, LIMITS)).rejects.toMatchObject({
      code: 'CORRUPT_IMAGE',
      message: expect.stringContaining('HEIF processing error'),
    });
    expect(decoder.dispose).toHaveBeenCalledOnce();

    decoder.fail = new Error('HEIF image not found');
    await expect(intakePhoto(IPHONE_HEADER, LIMITS)).rejects.toMatchObject({ code: 'CORRUPT_IMAGE' });
  });

  it('refuses decoder output whose length does not match the declared size', async () => {
    decoder.decode.mockResolvedValue({ ...decoder.page, data: decoder.page.data.subarray(0, 100) });
    await expect(intakePhoto(IPHONE_HEADER, LIMITS)).rejects.toMatchObject({ code: 'CORRUPT_IMAGE' });
  });
});
