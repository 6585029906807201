import { AppError, type BlobStore } from '@cunzhang/core';
import { intakePhoto, isMediaError, type IntakeResult } from '@cunzhang/media';
import { blobKeyOf } from '@cunzhang/store';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';

export interface UploadedFile {
  field: string;
  filename: string;
  bytes: Buffer;
}

/**
 * Reads a multipart request made of one JSON field `data` and files. Everything is read before
 * anything is stored, so a refused request leaves nothing behind.
 */
export async function readMultipart(req: FastifyRequest, opts: { maxFiles: number; maxBytes: number; maxTotalBytes: number }): Promise<{ data: unknown; files: UploadedFile[] }> {
  if (!req.isMultipart()) throw new AppError('VALIDATION', 'send the request as multipart/form-data: a JSON field "data" and the photos as files');
  let data: unknown = undefined;
  const files: UploadedFile[] = [];
  let total = 0;
  try {
    for await (const part of req.parts({ limits: { files: opts.maxFiles, fileSize: opts.maxBytes, fields: 5, fieldSize: 64 * 1024 } })) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        total += bytes.byteLength;
        // The whole request is held in memory until every photo is checked: bound it.
        if (total > opts.maxTotalBytes) {
          throw new AppError('TOO_LARGE', `the upload is over ${opts.maxTotalBytes} bytes in all (file ${files.length + 1}); send fewer or smaller photos`, { details: { limitTotalBytes: opts.maxTotalBytes } });
        }
        files.push({ field: part.fieldname, filename: part.filename, bytes });
        continue;
      }
      if (part.fieldname !== 'data') {
        throw new AppError('VALIDATION', `unknown form field ${part.fieldname}: send the details as JSON in the field "data"`, { field: part.fieldname });
      }
      try {
        data = JSON.parse(String(part.value));
      } catch {
        throw new AppError('VALIDATION', 'the field "data" is not valid JSON', { field: 'data' });
      }
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    const name = files.length + 1;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('TOO_LARGE', `file ${name} of the upload is over the limit of ${opts.maxBytes} bytes`, { details: { limitBytes: opts.maxBytes } });
    if (code === 'FST_FILES_LIMIT') throw new AppError('TOO_LARGE', `too many files: at most ${opts.maxFiles} in one upload`, { details: { limitFiles: opts.maxFiles } });
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_PROTO_VIOLATION') throw new AppError('VALIDATION', 'the form has too many fields: send the details as JSON in the one field "data"');
    throw e;
  }
  if (data === undefined) throw new AppError('VALIDATION', 'the form has no field "data" with the details as JSON', { field: 'data' });
  return { data, files };
}

/** Cleans and fingerprints one photographed page; a bad image is a 400 naming the field. */
export async function intakeUpload(file: UploadedFile, config: Readonly<Config>, label: string): Promise<IntakeResult> {
  try {
    return await intakePhoto(file.bytes, { maxBytes: config.uploadLimitBytes, maxPixels: config.maxPhotoPixels });
  } catch (e) {
    if (isMediaError(e)) {
      const tooLarge = e.code === 'TOO_LARGE' || e.code === 'TOO_MANY_PIXELS';
      throw new AppError(tooLarge ? 'TOO_LARGE' : 'VALIDATION', `${label}: ${e.message}`, { field: file.field, details: { reason: e.code, file: label } });
    }
    throw e;
  }
}

export interface StagedBlob {
  bytes: Uint8Array;
  contentType: string;
}

/** Per content key, the tail of the chain of requests staging that content in this process. */
const staging = new Map<string, Promise<void>>();

/** Waits until no other request of this process stages any of `keys`; returns the release. */
async function lockKeys(keys: string[]): Promise<() => void> {
  const releases: (() => void)[] = [];
  const waits: Promise<void>[] = [];
  for (const k of [...new Set(keys)].sort()) {
    const prev = staging.get(k) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    staging.set(k, tail);
    releases.push(() => {
      release();
      if (staging.get(k) === tail) staging.delete(k);
    });
    waits.push(prev);
  }
  await Promise.all(waits);
  return () => releases.forEach((r) => r());
}

/**
 * Stores blobs, then runs `commit` (the use case that records them). When `commit` fails, the
 * blobs this call created are removed again, so a refused request leaves no orphan behind;
 * blobs that were there before (the same content stored earlier) are left alone. Requests
 * staging the same content (a double tap) take turns, so one's undo never removes what the
 * other recorded. (Across server processes sharing a blob store the turns are not shared: see
 * docs/operations.md.)
 */
export async function withStagedBlobs<T>(blobs: BlobStore, staged: StagedBlob[], commit: (keys: string[]) => Promise<T>): Promise<T> {
  const release = await lockKeys(staged.map((s) => blobKeyOf(s.bytes)));
  try {
    return await stageAndCommit(blobs, staged, commit);
  } finally {
    release();
  }
}

async function stageAndCommit<T>(blobs: BlobStore, staged: StagedBlob[], commit: (keys: string[]) => Promise<T>): Promise<T> {
  const created: string[] = [];
  const keys: string[] = [];
  try {
    for (const s of staged) {
      const r = await blobs.put(s.bytes, { contentType: s.contentType });
      if (r.created) created.push(r.key);
      keys.push(r.key);
    }
    return await commit(keys);
  } catch (e) {
    await Promise.all(created.map((k) => blobs.delete(k).catch(() => undefined)));
    throw e;
  }
}

/** The photo and thumbnail of an intake, as blobs to stage, in that order. */
export const photoBlobs = (p: IntakeResult): StagedBlob[] => [
  { bytes: p.stored, contentType: p.contentType },
  { bytes: p.thumbnail, contentType: 'image/jpeg' },
];
