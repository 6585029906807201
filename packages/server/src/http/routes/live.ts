import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import type { DeviceLiveEvent, LiveEvent } from '../live.js';
import { requireAuth } from '../session.js';

/** A comment line keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 25_000;

/**
 * Server-sent events: every change to an application the person is concerned with (applicant,
 * clerk, keeper, approver, deputy, town leader), as `event: application`.
 */
export const liveRoutes = ({ deps, live, metrics, liveHeartbeatMs = HEARTBEAT_MS }: AppContext): FastifyPluginAsyncZod => async (app) => {
  app.get('/api/live', {
    schema: {
      tags: ['applications'],
      summary: 'Live updates (text/event-stream): "application" events {type, applicationId, orgCode, status, documentTitle, at} for the applications that concern me',
      produces: ['text/event-stream'],
    },
  }, async (req, reply) => {
    const { actor } = await requireAuth(deps, req);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 5000\n: connected ${new Date().toISOString()}\n\n`);
    const send = (e: LiveEvent) => res.write(`id: ${e.applicationId}:${e.at}\nevent: application\ndata: ${JSON.stringify(e)}\n\n`);
    const sendDevice = (e: DeviceLiveEvent) => res.write(`event: ${e.kind}\ndata: ${JSON.stringify(e)}\n\n`);
    const unsubscribe = live.subscribe(actor.userId, send, sendDevice);
    metrics.liveStreams.inc();
    // Each heartbeat checks the session again: a logout, an expired session or a disabled
    // account ends the stream within one beat.
    const beat = setInterval(() => {
      requireAuth(deps, req).then(() => res.write(': keep-alive\n\n'), () => res.end());
    }, liveHeartbeatMs);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(beat);
      unsubscribe();
      metrics.liveStreams.dec();
    };
    req.raw.once('close', end);
    res.once('close', end);
  });
};
