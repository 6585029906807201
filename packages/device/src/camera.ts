import { hammingDistance, perceptualHash, sm3Hex } from '@cunzhang/media';
import type { AuthToken, PhotoRef } from '@cunzhang/protocol';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { PAGE_HEIGHT, PAGE_WIDTH, sealSvg, synthPage } from './page-synth.js';

/**
 * The device's camera (design §12–§13): before the press it photographs the page, after the
 * press the same page with the red impression. Photos are JPEG and described by SM3 + the
 * 64-bit DCT perceptual hash, computed with @cunzhang/media exactly as the platform does.
 */
export interface Photo {
  bytes: Buffer;
  contentType: 'image/jpeg';
  ref: PhotoRef;
}

/** The approved page image for page `pageNo` of a token (its pages[].sm3 names it), or null. */
export type PageSource = (token: AuthToken, pageNo: number) => Promise<Buffer | null>;

/** What lies under the seal: the approved page, a different page (abuse scenario), or given bytes. */
export type PageChoice = 'approved' | 'different' | Buffer;

/** Seal diameter as a share of the page width: small enough to keep the page's phash within ~10 bits. */
const SEAL_SHARE = 0.16;
/** A 'different' page is at least this many bits away from the approved one. */
export const DIFFERENT_MIN_DISTANCE = 21;

export async function describe(bytes: Buffer): Promise<PhotoRef> {
  return { sm3: sm3Hex(bytes), phash: await perceptualHash(bytes), bytes: bytes.length };
}

async function asPhoto(image: sharp.Sharp): Promise<Photo> {
  const bytes = await image.jpeg({ quality: 82, mozjpeg: false }).toBuffer();
  return { bytes, contentType: 'image/jpeg', ref: await describe(bytes) };
}

/** Upright and at most A4-ish size, as the device's camera would frame it. */
function framed(page: Buffer): sharp.Sharp {
  return sharp(page).rotate().resize({ width: PAGE_WIDTH, height: PAGE_HEIGHT, fit: 'inside', withoutEnlargement: true }).flatten({ background: '#ffffff' });
}

/** The photo before the press: the page as it lies in the device. */
export async function photographPage(page: Buffer): Promise<Photo> {
  return asPhoto(framed(page));
}

/** The photo after the press: the same page with a red seal impression in the bottom-right corner. */
export async function photographStamped(page: Buffer): Promise<Photo> {
  const flat = await framed(page).png().toBuffer();
  const { width = PAGE_WIDTH, height = PAGE_HEIGHT } = await sharp(flat).metadata();
  const size = Math.max(16, Math.round(width * SEAL_SHARE));
  const margin = Math.round(width * 0.08);
  const seal = await sharp(sealSvg(size)).png().toBuffer();
  const left = Math.max(0, width - size - margin);
  const top = Math.max(0, height - size - Math.round(height * 0.1));
  return asPhoto(sharp(flat).composite([{ input: seal, left, top }]));
}

/** Seed of the synthesized stand-in for a token's page: the same token and page give the same picture. */
export function pageSeed(auth: string, pageNo: number): number {
  return parseInt(sm3Hex(Buffer.from(`${auth}#${pageNo}`)).slice(0, 8), 16);
}

/** A page that is clearly not `approved` (phash distance ≥ DIFFERENT_MIN_DISTANCE). */
export async function differentPage(approved: Buffer, seed: number): Promise<Buffer> {
  const target = await perceptualHash(approved);
  let best: { page: Buffer; d: number } | null = null;
  for (let i = 1; i <= 12; i++) {
    const page = await synthPage((seed + i * 7919) >>> 0);
    const d = hammingDistance(await perceptualHash(page), target);
    if (d >= DIFFERENT_MIN_DISTANCE) return page;
    if (!best || d > best.d) best = { page, d };
  }
  return best!.page;
}

/** Looks up page images by the SM3 the token names, in a folder of `<sm3>[.ext]` files or a blob store tree (`ab/cd/<sm3>`). */
export function pagesDirSource(dir: string): PageSource {
  return async (token, pageNo) => {
    const page = token.pages.find((p) => p.no === pageNo);
    if (!page) return null;
    const candidates = [path.join(dir, page.sm3), path.join(dir, page.sm3.slice(0, 2), page.sm3.slice(2, 4), page.sm3)];
    try {
      for (const f of await readdir(dir)) if (f.startsWith(`${page.sm3}.`)) candidates.unshift(path.join(dir, f));
    } catch {
      return null;
    }
    for (const file of candidates) {
      try {
        return await readFile(file);
      } catch {
        // Try the next layout.
      }
    }
    return null;
  };
}

export interface Shot {
  pageNo: number;
  before: Photo;
  after: Photo;
}

/** Picks the page under the seal and takes both photos. */
export class Camera {
  constructor(private readonly pages: PageSource | null = null) {}

  /** The page for impression `n` under `token` (pages in turn), or a random page when pressed without a token. */
  async pageFor(token: AuthToken | null, n: number, choice: PageChoice = 'approved'): Promise<{ pageNo: number; page: Buffer }> {
    if (Buffer.isBuffer(choice)) return { pageNo: 0, page: choice };
    const pageNo = token && token.pages.length > 0 ? token.pages[(Math.max(1, n) - 1) % token.pages.length]!.no : 1;
    const seed = pageSeed(token?.auth ?? `forced-${Date.now()}-${Math.random()}`, pageNo);
    const approved = (token && this.pages ? await this.pages(token, pageNo) : null) ?? (await synthPage(seed));
    return { pageNo, page: choice === 'different' ? await differentPage(approved, seed) : approved };
  }

  async shoot(token: AuthToken | null, n: number, choice: PageChoice = 'approved'): Promise<Shot> {
    const { pageNo, page } = await this.pageFor(token, n, choice);
    return { pageNo, before: await photographPage(page), after: await photographStamped(page) };
  }
}

let stock: Promise<Shot> | null = null;

/** One small pair of photos shared by every light-mode device (fleet): no per-device photo buffers. */
export function stockShot(): Promise<Shot> {
  stock ??= (async () => {
    const page = await synthPage(1, 'letter', 310, 438);
    return { pageNo: 1, before: await photographPage(page), after: await photographStamped(page) };
  })();
  return stock;
}
