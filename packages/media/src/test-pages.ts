import sharp from 'sharp';

// Generated pages for tests and the benchmark. Text lines are drawn as bars rather than
// glyphs so the pictures do not depend on which fonts the machine has.

/** Small deterministic PRNG (mulberry32), so every run draws the same pages. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function svgPage(width: number, height: number, body: string, background = '<rect width="100%" height="100%" fill="#fff"/>'): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 600 800" preserveAspectRatio="none">${background}${body}</svg>`,
  );
}

/** A letter: a title, a paragraph of lines of varying length, a signature block bottom right. */
export function letterSvg(seed: number, width = 600, height = 800, lineCount = 26): Buffer {
  const rnd = random(seed);
  let body = '<rect x="180" y="50" width="240" height="22" fill="#111"/>';
  for (let i = 0; i < lineCount; i++) {
    const indent = i % 6 === 0 ? 40 : 0;
    const length = i % 6 === 5 ? 120 + rnd() * 200 : 420 + rnd() * 60;
    body += `<rect x="${60 + indent}" y="${110 + i * 22}" width="${length - indent}" height="9" fill="#222"/>`;
  }
  body += '<rect x="380" y="700" width="160" height="10" fill="#222"/><rect x="400" y="725" width="120" height="10" fill="#222"/>';
  return svgPage(width, height, body);
}

/** A form: a ruled table in the top half, a large empty box at the bottom left. */
export function formSvg(width = 600, height = 800): Buffer {
  let body = '';
  for (let r = 0; r <= 10; r++) body += `<rect x="40" y="${60 + r * 36}" width="520" height="3" fill="#000"/>`;
  for (const x of [40, 200, 380, 557]) body += `<rect x="${x}" y="60" width="3" height="363" fill="#000"/>`;
  body += '<rect x="40" y="500" width="300" height="240" fill="none" stroke="#000" stroke-width="6"/>';
  return svgPage(width, height, body);
}

/** An empty sheet photographed under uneven light: bright at the top left, shaded bottom right. */
export function shadedBlankSvg(width = 600, height = 800): Buffer {
  return svgPage(
    width,
    height,
    '',
    '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#fafafa"/><stop offset="1" stop-color="#b8b8b8"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>',
  );
}

export async function render(svg: Buffer, format: 'jpeg' | 'png' | 'webp' = 'png'): Promise<Buffer> {
  const image = sharp(svg);
  if (format === 'jpeg') return image.jpeg({ quality: 90 }).toBuffer();
  if (format === 'webp') return image.webp().toBuffer();
  return image.png().toBuffer();
}
