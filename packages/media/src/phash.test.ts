import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hammingDistance, perceptualHash } from './phash.js';
import { formSvg, letterSvg, render } from './test-pages.js';

describe('perceptualHash', () => {
  it('is 16 hex digits and the same for the same bytes', async () => {
    const page = await render(letterSvg(1));
    const hash = await perceptualHash(page);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(await perceptualHash(page)).toBe(hash);
  });

  it('stays within 8 bits for the same page re-encoded, resized or brightened', async () => {
    const page = await render(letterSvg(1));
    const versions = [
      await sharp(page).jpeg({ quality: 95 }).toBuffer(),
      await sharp(page).jpeg({ quality: 60 }).toBuffer(),
      await sharp(page).resize(300).jpeg({ quality: 80 }).toBuffer(),
      await sharp(page).modulate({ brightness: 1.1 }).jpeg().toBuffer(),
      await sharp(page).linear(0.85, 0).png().toBuffer(),
    ];
    const [reference, ...others] = await Promise.all(versions.map((v) => perceptualHash(v)));
    for (const other of others) expect(hammingDistance(reference as string, other)).toBeLessThanOrEqual(8);
  });

  it('puts a letter and a form at least 20 bits apart', async () => {
    const letter = await perceptualHash(await render(letterSvg(1)));
    const form = await perceptualHash(await render(formSvg()));
    expect(hammingDistance(letter, form)).toBeGreaterThanOrEqual(20);
  });

  it('tells apart two letters with the same layout but different lines', async () => {
    // Only the line lengths differ, so the distance is smaller than between a letter and
    // a form; it must still be well above what re-encoding the same page produces.
    const one = await perceptualHash(await render(letterSvg(1)));
    const two = await perceptualHash(await render(letterSvg(2)));
    expect(hammingDistance(one, two)).toBeGreaterThan(8);
  });

  it('applies the EXIF orientation, so a sideways phone photo hashes like the upright page', async () => {
    const upright = await render(letterSvg(1));
    // Stored rotated 90° anticlockwise with orientation 6 ("rotate 90° clockwise to view").
    const sideways = await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
    expect((await sharp(sideways).metadata()).orientation).toBe(6);
    expect(hammingDistance(await perceptualHash(upright), await perceptualHash(sideways))).toBeLessThanOrEqual(4);
  });
});

describe('hammingDistance', () => {
  it('counts differing bits from 0 to 64', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(hammingDistance('00000000000000F0', '00000000000000f1')).toBe(1);
  });

  it('refuses strings that are not 64-bit hashes', () => {
    expect(() => hammingDistance('abc', '0000000000000000')).toThrow(RangeError);
    expect(() => hammingDistance('000000000000000g', '0000000000000000')).toThrow(/16 hex digits/);
  });
});
