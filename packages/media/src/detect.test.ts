import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect.js';

function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const brands = [major, '\0\0\0\0', ...compatible].join('');
  const box = Buffer.alloc(8 + brands.length);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(brands, 8, 'latin1');
  return box;
}

describe('detectFormat', () => {
  it('tells JPEG, PNG and WebP by their signatures', () => {
    expect(detectFormat(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toBe('jpeg');
    expect(detectFormat(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toBe('png');
    expect(detectFormat(Buffer.from('RIFF\x10\0\0\0WEBPVP8 ', 'latin1'))).toBe('webp');
  });

  it('recognises the HEIF brands iPhones and other cameras write', () => {
    for (const brand of ['heic', 'heix', 'hevc', 'hevx']) expect(detectFormat(ftyp(brand, 'mif1'))).toBe('heic');
    expect(detectFormat(ftyp('mif1', 'heic'))).toBe('heic');
    expect(detectFormat(ftyp('msf1', 'hevc'))).toBe('heic');
  });

  it('refuses AVIF, which the bundled HEIC decoder cannot read, and other ISO media files', () => {
    expect(detectFormat(ftyp('avif', 'mif1', 'miaf'))).toBeNull();
    expect(detectFormat(ftyp('mif1', 'avif', 'miaf'))).toBeNull();
    expect(detectFormat(ftyp('isom', 'mp41'))).toBeNull();
  });

  it('refuses PDFs, text and inputs too short to carry a signature', () => {
    expect(detectFormat(Buffer.from('%PDF-1.7\n'))).toBeNull();
    expect(detectFormat(Buffer.from('hello, village'))).toBeNull();
    expect(detectFormat(new Uint8Array([0xff, 0xd8]))).toBeNull();
    expect(detectFormat(new Uint8Array())).toBeNull();
  });
});
