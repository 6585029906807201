import sharp from 'sharp';

const SIDE = 128;
const WINDOW_RADIUS = 6;

export interface BlankOptions {
  /**
   * Largest ink score (root-mean-square local contrast, 0–255 grey levels) still counted
   * as blank. A phone photo of an empty sheet scores well under 1; a page with a few
   * lines of text scores several times the default.
   */
  threshold?: number;
}

const DEFAULT_THRESHOLD = 2;

/**
 * Ink score of a page: how far pixels stray from their neighbourhood's average after
 * downscaling. Plain variance would call a blank sheet with a shadow across it "not
 * blank"; removing the local average first keeps lighting gradients out of the score.
 */
export async function inkScore(image: Buffer | Uint8Array): Promise<number> {
  const { data, info } = await sharp(image)
    .rotate()
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .greyscale()
    .resize(SIDE, SIDE, { fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = info;
  const integral = integralImage(data, width, height);
  let sumSq = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const diff = (data[y * width + x] as number) - localMean(integral, width, height, x, y);
      sumSq += diff * diff;
    }
  }
  return Math.sqrt(sumSq / (width * height));
}

/**
 * True when the page has no visible content: domain §6 raises an alarm when a blank or
 * near-blank page is stamped, since a stamped blank sheet can be filled in afterwards.
 */
export async function isNearBlank(image: Buffer | Uint8Array, options: BlankOptions = {}): Promise<boolean> {
  return (await inkScore(image)) <= (options.threshold ?? DEFAULT_THRESHOLD);
}

// Summed-area table with a zero first row and column, (width+1)×(height+1).
function integralImage(data: Uint8Array, width: number, height: number): Float64Array {
  const stride = width + 1;
  const table = new Float64Array(stride * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += data[y * width + x] as number;
      table[(y + 1) * stride + x + 1] = (table[y * stride + x + 1] as number) + row;
    }
  }
  return table;
}

function localMean(table: Float64Array, width: number, height: number, x: number, y: number): number {
  const x0 = Math.max(0, x - WINDOW_RADIUS);
  const y0 = Math.max(0, y - WINDOW_RADIUS);
  const x1 = Math.min(width, x + WINDOW_RADIUS + 1);
  const y1 = Math.min(height, y + WINDOW_RADIUS + 1);
  const stride = width + 1;
  const sum =
    (table[y1 * stride + x1] as number) -
    (table[y0 * stride + x1] as number) -
    (table[y1 * stride + x0] as number) +
    (table[y0 * stride + x0] as number);
  return sum / ((x1 - x0) * (y1 - y0));
}
