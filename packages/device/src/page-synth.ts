import sharp from 'sharp';

/**
 * Synthesized document pages, for when the emulator has no approved page to photograph. Text
 * lines are drawn as bars (no fonts needed), so a seed gives the same picture on every machine.
 */
export const PAGE_WIDTH = 1240;
export const PAGE_HEIGHT = 1754;

export type PageLayout = 'letter' | 'form' | 'columns';
export const PAGE_LAYOUTS: readonly PageLayout[] = ['letter', 'form', 'columns'];

/** mulberry32: a tiny deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bar = (x: number, y: number, w: number, h: number, fill = '#222') => `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h}" fill="${fill}"/>`;

/** Title, paragraphs of lines of varying length, a signature block bottom right (where the seal goes). */
function letter(rnd: () => number): string {
  let body = bar(180 + rnd() * 40, 50, 200 + rnd() * 60, 22, '#111');
  const lines = 18 + Math.floor(rnd() * 10);
  let y = 110;
  for (let i = 0; i < lines; i++) {
    const paragraphStart = i === 0 || rnd() < 0.15;
    const indent = paragraphStart ? 40 : 0;
    const length = rnd() < 0.12 ? 100 + rnd() * 220 : 420 + rnd() * 60;
    body += bar(60 + indent, y, length - indent, 9);
    y += paragraphStart && i > 0 ? 30 : 22;
  }
  body += bar(380, 700, 160, 10) + bar(400, 725, 120, 10);
  return body;
}

/** A ruled table in the upper part, a box of remarks below. */
function form(rnd: () => number): string {
  let body = bar(200, 30, 200, 20, '#111');
  const rows = 8 + Math.floor(rnd() * 6);
  const top = 80;
  const rowH = 30 + Math.floor(rnd() * 8);
  for (let r = 0; r <= rows; r++) body += bar(40, top + r * rowH, 520, 3, '#000');
  const cols = [40, 140 + rnd() * 60, 330 + rnd() * 60, 557];
  for (const x of cols) body += bar(x, top, 3, rows * rowH + 3, '#000');
  for (let r = 0; r < rows; r++) body += bar(50, top + r * rowH + 12, 60 + rnd() * 40, 8, '#333');
  body += `<rect x="40" y="${top + rows * rowH + 40}" width="${260 + rnd() * 100}" height="160" fill="none" stroke="#000" stroke-width="5"/>`;
  return body;
}

/** Two columns of short lines, like a notice or a register extract. */
function columns(rnd: () => number): string {
  let body = bar(60, 40, 480, 26, '#111');
  for (const x0 of [50, 320]) {
    const lines = 20 + Math.floor(rnd() * 12);
    for (let i = 0; i < lines; i++) body += bar(x0, 100 + i * 20, 150 + rnd() * 80, 8);
  }
  body += bar(60, 760, 480, 4, '#000');
  return body;
}

const draw: Record<PageLayout, (rnd: () => number) => string> = { letter, form, columns };

/** SVG of a page in a 600×800 drawing space stretched onto the A4-ish canvas. */
export function pageSvg(seed: number, layout: PageLayout, width = PAGE_WIDTH, height = PAGE_HEIGHT): Buffer {
  const rnd = prng(seed);
  // Paper is never pure white under a camera.
  const paper = `rgb(${246 + Math.floor(rnd() * 6)},${244 + Math.floor(rnd() * 6)},${238 + Math.floor(rnd() * 6)})`;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 600 800" preserveAspectRatio="none"><rect width="100%" height="100%" fill="${paper}"/>${draw[layout](rnd)}</svg>`,
  );
}

/** A synthesized page as PNG. The layout follows from the seed unless given. */
export async function synthPage(seed: number, layout: PageLayout = PAGE_LAYOUTS[seed % PAGE_LAYOUTS.length]!, width = PAGE_WIDTH, height = PAGE_HEIGHT): Promise<Buffer> {
  return sharp(pageSvg(seed, layout, width, height)).png().toBuffer();
}

/**
 * SVG of a red round seal (ring, star, an arc of "characters" as ticks) of `size` pixels,
 * slightly transparent like ink on paper.
 */
export function sealSvg(size: number): Buffer {
  const c = size / 2;
  const r = size / 2 - size * 0.04;
  const star: string[] = [];
  for (let i = 0; i < 10; i++) {
    const rr = i % 2 === 0 ? r * 0.32 : r * 0.13;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    star.push(`${(c + rr * Math.cos(a)).toFixed(1)},${(c + rr * Math.sin(a)).toFixed(1)}`);
  }
  let ticks = '';
  for (let i = 0; i < 14; i++) {
    const a = Math.PI * (0.85 + (i / 13) * 1.3);
    const x = c + r * 0.72 * Math.cos(a);
    const y = c + r * 0.72 * Math.sin(a);
    ticks += `<rect x="${(x - size * 0.03).toFixed(1)}" y="${(y - size * 0.03).toFixed(1)}" width="${(size * 0.06).toFixed(1)}" height="${(size * 0.06).toFixed(1)}" fill="#d81e06"/>`;
  }
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><g opacity="0.85"><circle cx="${c}" cy="${c}" r="${r}" fill="none" stroke="#d81e06" stroke-width="${(size * 0.05).toFixed(1)}"/><polygon points="${star.join(' ')}" fill="#d81e06"/>${ticks}</g></svg>`,
  );
}
