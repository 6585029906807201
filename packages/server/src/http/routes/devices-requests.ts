import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { commonErrors, errorSchema, idParams } from '../schemas.js';
import { requireAuth } from '../session.js';
import {
  decideDeviceRequest, decideDeviceRequestInput, getDevicePass, listDeviceRequests, listDeviceRequestsQuery, maintenanceRequestInput,
  requestMaintenance, requestUnlock, unlockRequestInput,
} from '@cunzhang/core';
import { devicePassSchema, requestResultSchema, requestViewSchema } from './devices-schemas.js';

const stepErrors = { ...commonErrors, 409: errorSchema, 422: errorSchema };

/** A QR code can hold about 2.9 KB: a token with many pages goes online (authorize command) only. */
async function qrOrNull(text: string): Promise<string | null> {
  try {
    return await QRCode.toDataURL(text, { errorCorrectionLevel: 'L', margin: 1, scale: 4 });
  } catch {
    return null;
  }
}

/** Two-person unlock and maintenance (解锁需第二人, 维护需两人), and the applicant's device pass. */
export const deviceRequestRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const { deps } = ctx;
  const tags = ['devices'];
  const actorOf = async (req: FastifyRequest) => (await requireAuth(deps, req)).actor;

  app.post('/api/devices/:id/unlock-requests', {
    schema: { tags, summary: 'Ask for a locked device to be unlocked (a second person decides, unless the policy is off)', params: idParams, body: unlockRequestInput, response: { 201: requestResultSchema, ...stepErrors } },
  }, async (req, reply) => reply.status(201).send(await requestUnlock(deps, { actor: await actorOf(req), id: req.params.id, input: req.body })));
  app.post('/api/devices/:id/maintenance-requests', {
    schema: { tags, summary: 'The keeper on site asks to open the device (ink, seal replacement, repair); a remote approver decides', params: idParams, body: maintenanceRequestInput, response: { 201: requestResultSchema, ...stepErrors } },
  }, async (req, reply) => reply.status(201).send(await requestMaintenance(deps, { actor: await actorOf(req), id: req.params.id, input: req.body })));
  app.get('/api/device-requests', {
    schema: { tags, summary: 'Requests waiting for the reader\'s decision, and the reader\'s own, newest first', querystring: listDeviceRequestsQuery, response: { 200: z.array(requestViewSchema), ...commonErrors } },
  }, async (req) => listDeviceRequests(deps, { actor: await actorOf(req), query: req.query }));
  app.post('/api/device-requests/:id/decision', {
    schema: { tags, summary: 'A second person approves (the command goes out) or rejects a request', params: idParams, body: decideDeviceRequestInput, response: { 200: requestResultSchema, ...stepErrors } },
  }, async (req) => decideDeviceRequest(deps, { actor: await actorOf(req), id: req.params.id, input: req.body }));

  app.get('/api/applications/:id/device-pass', {
    schema: { tags: ['applications'], summary: 'The one-time code and signed token (QR) the applicant shows at the device, while the authorization is active', params: idParams, response: { 200: devicePassSchema, 409: errorSchema, ...commonErrors } },
  }, async (req, reply) => {
    const pass = await getDevicePass(deps, { actor: await actorOf(req), applicationId: req.params.id });
    reply.header('cache-control', 'no-store');
    return { ...pass, qrDataUrl: await qrOrNull(JSON.stringify(pass.token)) };
  });
};
