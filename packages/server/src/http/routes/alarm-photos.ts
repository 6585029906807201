import { AppError, getAlarm } from '@cunzhang/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { requireAuth } from '../session.js';

/**
 * A photo an alarm's evidence names (the stamped page of an impression without authorization,
 * before and after): only to those who may read the alarm, and only photos its device announced.
 */
export const alarmPhotoRoutes = ({ deps, blobs }: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/alarms/:id/photos/:sm3', {
    schema: {
      tags: ['alarms'], summary: 'A device photo named in an alarm\'s evidence (full size or thumbnail); 404 until the device uploaded it',
      params: z.strictObject({ id: z.string().min(1).max(40), sm3: z.string().regex(/^[0-9a-f]{64}$/, 'is 64 hex digits') }),
      querystring: z.strictObject({ size: z.enum(['thumb', 'full']).default('full') }),
    },
  }, async (req, reply) => {
    const { actor } = await requireAuth(deps, req);
    const { alarm } = await getAlarm(deps, { actor, id: req.params.id });
    const photo = await deps.uow.read((tx) => tx.devices.photo(req.params.sm3));
    const named = JSON.stringify(alarm.evidence).includes(req.params.sm3);
    const key = named && photo && photo.deviceId === alarm.deviceId && photo.storedAt ? (req.query.size === 'thumb' ? photo.thumbKey : photo.sm3) : null;
    const bytes = key ? await blobs.get(key) : null;
    if (!key || !bytes) throw new AppError('NOT_FOUND', `photo ${req.params.sm3} of alarm ${req.params.id} not found (not named in its evidence, or not uploaded yet)`, { field: 'sm3' });
    reply.header('content-type', (await blobs.contentType(key)) ?? 'application/octet-stream');
    reply.header('cache-control', 'private, max-age=86400');
    reply.header('x-content-type-options', 'nosniff');
    return reply.send(bytes);
  });
};
