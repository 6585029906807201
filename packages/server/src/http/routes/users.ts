import { createUser, createUserInput, disableUser, getUser, grantRole, grantRoleInput, listUsers, listUsersQuery, revokeRole, unlockUser } from '@cunzhang/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { commonErrors, errorSchema, idParams, pageOf, userViewSchema } from '../schemas.js';
import { requireAuth } from '../session.js';

export const userRoutes = ({ deps }: AppContext): FastifyPluginAsyncZod => async (app) => {
  const tags = ['people'];
  app.get('/api/users', { schema: { tags, summary: 'People in the units the caller manages', querystring: listUsersQuery, response: { 200: pageOf(userViewSchema), ...commonErrors } } },
    async (req) => listUsers(deps, { actor: (await requireAuth(deps, req)).actor, query: req.query }));

  app.post('/api/users', { schema: { tags, summary: 'Create an account (system administrator)', body: createUserInput, response: { 201: userViewSchema, 409: errorSchema, ...commonErrors } } },
    async (req, reply) => reply.status(201).send(await createUser(deps, { actor: (await requireAuth(deps, req)).actor, input: req.body })));

  app.get('/api/users/:id', { schema: { tags, summary: 'One person, numbers masked', params: idParams, response: { 200: userViewSchema, ...commonErrors } } },
    async (req) => getUser(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id }));

  app.post('/api/users/:id/grants', { schema: { tags, summary: 'Grant a role on an org unit (security administrator)', params: idParams, body: grantRoleInput, response: { 201: z.object({ id: z.string() }), 409: errorSchema, 422: errorSchema, ...commonErrors } } },
    async (req, reply) => reply.status(201).send(await grantRole(deps, { actor: (await requireAuth(deps, req)).actor, userId: req.params.id, input: req.body })));

  app.delete('/api/users/:id/grants/:grantId', {
    schema: { tags, summary: 'Revoke a role', params: z.strictObject({ id: z.string().max(40), grantId: z.string().max(40) }), response: { 204: z.null(), ...commonErrors } },
  }, async (req, reply) => {
    await revokeRole(deps, { actor: (await requireAuth(deps, req)).actor, userId: req.params.id, grantId: req.params.grantId });
    return reply.status(204).send(null);
  });

  app.post('/api/users/:id/unlock', { schema: { tags, summary: 'Lift a login lockout', params: idParams, response: { 204: z.null(), ...commonErrors } } }, async (req, reply) => {
    await unlockUser(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id });
    return reply.status(204).send(null);
  });

  app.post('/api/users/:id/disable', { schema: { tags, summary: 'Disable an account and end its sessions', params: idParams, response: { 204: z.null(), 409: errorSchema, 422: errorSchema, ...commonErrors } } }, async (req, reply) => {
    await disableUser(deps, { actor: (await requireAuth(deps, req)).actor, id: req.params.id });
    return reply.status(204).send(null);
  });
};
