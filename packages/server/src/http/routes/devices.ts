import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { commonErrors, errorSchema, idParams, pageOf } from '../schemas.js';
import { requireAuth } from '../session.js';
import {
  bindDevice, bindDeviceInput, getDevice, listDevices, listDevicesQuery, lockDevice, lockDeviceInput, provisionDevice, provisionDeviceInput,
  replaceDevice, replaceDeviceInput, retireDevice, retireDeviceInput, unbindDevice, unbindDeviceInput, updateDevice, updateDeviceInput,
  type Endpoints, type Provisioned,
} from '@cunzhang/core';
import { deviceRequestRoutes } from './devices-requests.js';
import { commandViewSchema, deviceDetailSchema, deviceViewSchema, provisionedSchema, replacedSchema } from './devices-schemas.js';

const stepErrors = { ...commonErrors, 409: errorSchema, 422: errorSchema };

/**
 * Where a new device reaches the platform, written into its bundle: the configured public
 * addresses, else the broker in use (never its login) and the address this request came to.
 */
export function endpointsOf(ctx: Pick<AppContext, 'config' | 'broker'>, req: FastifyRequest): Endpoints {
  const { config } = ctx;
  const httpBase = config.publicUrl ?? `${req.protocol}://${req.host}`;
  let mqttUrl = config.mqttPublicUrl;
  if (!mqttUrl && config.mqttUrl) {
    const u = new URL(config.mqttUrl.replace(/^tcp:/, 'mqtt:'));
    u.username = '';
    u.password = '';
    mqttUrl = u.toString().replace(/\/$/, '');
  }
  return { httpBase, mqttUrl: mqttUrl ?? `mqtt://${req.hostname}:${ctx.broker?.port ?? config.mqttPort}` };
}

/** The bundle with its QR code; it carries secrets, so no cache may keep the answer. */
async function withQr<T extends Provisioned>(reply: FastifyReply, made: T) {
  reply.header('cache-control', 'no-store');
  const qrDataUrl = await QRCode.toDataURL(JSON.stringify(made.bundle), { errorCorrectionLevel: 'M', margin: 1, scale: 4 });
  return reply.status(201).send({ ...made, qrDataUrl });
}

/** The device registry (设备台账) and one-tap lock; requests and the device pass in devices-requests.ts. */
export const deviceRoutes = (ctx: AppContext): FastifyPluginAsyncZod => async (app) => {
  const { deps } = ctx;
  const tags = ['devices'];
  const actorOf = async (req: FastifyRequest) => (await requireAuth(deps, req)).actor;

  app.get('/api/devices', { schema: { tags, summary: 'Devices in the reader\'s units, keyset-paginated by id', querystring: listDevicesQuery, response: { 200: pageOf(deviceViewSchema), ...commonErrors } } },
    async (req) => listDevices(deps, { actor: await actorOf(req), query: req.query }));
  app.post('/api/devices', {
    schema: { tags, summary: 'Provision (登记) a device: returns its bundle once, with a QR code for the installer', body: provisionDeviceInput, response: { 201: provisionedSchema, ...stepErrors } },
  }, async (req, reply) => withQr(reply, await provisionDevice(deps, { actor: await actorOf(req), input: req.body, endpoints: endpointsOf(ctx, req) })));
  app.get('/api/devices/:id', { schema: { tags, summary: 'A device with its recent events, commands, requests and history', params: idParams, response: { 200: deviceDetailSchema, ...commonErrors } } },
    async (req) => getDevice(deps, { actor: await actorOf(req), id: req.params.id }));
  app.patch('/api/devices/:id', {
    schema: { tags, summary: 'Change label, geofence or allowed hours (fence and hours also go to the device as a config command)', params: idParams, body: updateDeviceInput, response: { 200: z.object({ device: deviceViewSchema, command: commandViewSchema.nullable() }), ...stepErrors } },
  }, async (req) => updateDevice(deps, { actor: await actorOf(req), id: req.params.id, input: req.body }));
  app.post('/api/devices/:id/bind', { schema: { tags, summary: 'Bind to a seal kept where the device is installed', params: idParams, body: bindDeviceInput, response: { 200: deviceViewSchema, ...stepErrors } } },
    async (req) => bindDevice(deps, { actor: await actorOf(req), id: req.params.id, input: req.body }));
  app.post('/api/devices/:id/unbind', { schema: { tags, summary: 'Unbind from its seal', params: idParams, body: unbindDeviceInput, response: { 200: deviceViewSchema, ...stepErrors } } },
    async (req) => unbindDevice(deps, { actor: await actorOf(req), id: req.params.id }));
  app.post('/api/devices/:id/replace', {
    schema: { tags, summary: 'Replace: a new device takes over unit, seal, fence and hours; the old one is retired', params: idParams, body: replaceDeviceInput, response: { 201: replacedSchema, ...stepErrors } },
  }, async (req, reply) => withQr(reply, await replaceDevice(deps, { actor: await actorOf(req), id: req.params.id, input: req.body, endpoints: endpointsOf(ctx, req) })));
  app.post('/api/devices/:id/retire', { schema: { tags, summary: 'Retire: its credentials stop admitting it; its seal is unbound', params: idParams, body: retireDeviceInput, response: { 200: deviceViewSchema, ...stepErrors } } },
    async (req) => retireDevice(deps, { actor: await actorOf(req), id: req.params.id, input: req.body }));
  app.post('/api/devices/:id/lock', { schema: { tags, summary: 'One-tap remote lock (一键锁定): "locking…" until the device acknowledges', params: idParams, body: lockDeviceInput, response: { 200: deviceViewSchema, ...stepErrors } } },
    async (req) => lockDevice(deps, { actor: await actorOf(req), id: req.params.id, input: req.body }));

  await app.register(deviceRequestRoutes(ctx));
};
