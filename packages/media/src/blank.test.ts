import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { inkScore, isNearBlank } from './blank.js';
import { formSvg, letterSvg, render, shadedBlankSvg } from './test-pages.js';

async function withSensorNoise(page: Buffer): Promise<Buffer> {
  const { width, height } = await sharp(page).metadata();
  const noise = await sharp({
    create: { width: width!, height: height!, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 8 } },
  }).png().toBuffer();
  return sharp(page).composite([{ input: noise, blend: 'overlay' }]).jpeg({ quality: 85 }).toBuffer();
}

describe('isNearBlank', () => {
  it('flags a plain white page', async () => {
    const white = await sharp({ create: { width: 600, height: 800, channels: 3, background: '#ffffff' } }).jpeg().toBuffer();
    expect(await isNearBlank(white)).toBe(true);
  });

  it('flags an empty sheet under uneven light with camera noise', async () => {
    // Its plain greyscale variance is large (a 66-level gradient), which is why the score
    // measures contrast against the local average instead.
    const page = await withSensorNoise(await render(shadedBlankSvg()));
    const stats = await sharp(page).greyscale().stats();
    expect(stats.channels[0]!.stdev).toBeGreaterThan(10);
    expect(await isNearBlank(page)).toBe(true);
  });

  it('does not flag a letter, a form, or a page with only three lines', async () => {
    expect(await isNearBlank(await render(letterSvg(1)))).toBe(false);
    expect(await isNearBlank(await render(formSvg()))).toBe(false);
    expect(await isNearBlank(await withSensorNoise(await render(letterSvg(3, 600, 800, 3))))).toBe(false);
  });

  it('lets the caller tighten or loosen the threshold', async () => {
    const sparse = await render(letterSvg(3, 600, 800, 3));
    const score = await inkScore(sparse);
    expect(await isNearBlank(sparse, { threshold: score + 1 })).toBe(true);
    expect(await isNearBlank(sparse, { threshold: score - 1 })).toBe(false);
  });
});
