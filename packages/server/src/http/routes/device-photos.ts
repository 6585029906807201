import { AppError, checkDevicePhoto, recordDevicePhoto } from '@cunzhang/core';
import { detectFormat, isMediaError, sm3Hex, thumbnailOf } from '@cunzhang/media';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';

const IMAGE_TYPES = ['image/jpeg', 'image/png'];

/**
 * Photos of stamped pages from devices (device-protocol §11): a one-time upload of bytes a
 * signed impression event announced. Stored untouched (they are evidence), thumbnailed.
 */
export const devicePhotoRoutes = ({ deps, blobs, config, announcer }: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.addContentTypeParser(IMAGE_TYPES, { parseAs: 'buffer', bodyLimit: config.uploadLimitBytes }, (_req, body, done) => done(null, body));
  app.put('/api/device-photos/:sm3', {
    schema: {
      tags: ['devices'], summary: 'A device uploads the photo an impression event announced (no session: the signed event is the authority)', security: [],
      params: z.strictObject({ sm3: z.string().regex(/^[0-9a-f]{64}$/, 'is the SM3 of the photo: 64 lower-case hex digits') }),
      headers: z.object({ 'x-cunzhang-device': z.string().min(1, 'names the device (X-Cunzhang-Device)').max(32) }),
      response: { 200: z.object({ stored: z.boolean() }), 201: z.object({ stored: z.boolean() }) },
    },
  }, async (req, reply) => {
    const body = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('VALIDATION', 'the body is the photo: send its bytes with Content-Type image/jpeg or image/png', { field: 'body' });
    const deviceId = req.headers['x-cunzhang-device'];
    const state = await checkDevicePhoto(deps, { deviceId, sm3: req.params.sm3, bodySm3: sm3Hex(body) });
    if (state === 'stored' && (await blobs.has(req.params.sm3))) return reply.status(200).send({ stored: false });
    const format = detectFormat(body);
    if (format !== 'jpeg' && format !== 'png') throw new AppError('RULE_VIOLATION', 'the photo is not a JPEG or PNG image', { field: 'body' });
    let thumb: Buffer;
    try {
      thumb = await thumbnailOf(body, { maxPixels: config.maxPhotoPixels });
    } catch (e) {
      if (isMediaError(e)) throw new AppError(e.code === 'TOO_MANY_PIXELS' ? 'TOO_LARGE' : 'VALIDATION', `the photo: ${e.message}`, { field: 'body', details: { reason: e.code } });
      throw e;
    }
    await blobs.put(body, { contentType: format === 'png' ? 'image/png' : 'image/jpeg' });
    const t = await blobs.put(thumb, { contentType: 'image/jpeg' });
    const applicationIds = await recordDevicePhoto(deps, { sm3: req.params.sm3, thumbKey: t.key });
    // The ledger entries showing this photo get it live (the screens reload them).
    await announcer?.stampings(applicationIds, { photo: true });
    return reply.status(201).send({ stored: true });
  });
};
