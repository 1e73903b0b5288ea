import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses, rowId } from '../../../shared/schemas/common';
import {
  apiKeyCreatedSchema,
  apiKeyCreateSchema,
  apiKeySchema,
  userCreateSchema,
  userSchema,
  userUpdateSchema,
} from '../../../shared/schemas/accounts';
import { actorOf, created, guarded, typed } from '../../http/route';

const tags = ['accounts'];
const idParams = z.object({ id: rowId });
const errors = errorResponses;

export async function accountsRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { accounts } = fastify.services;

  app.get('/users', {
    ...guarded('users:manage', tags, {
      summary: 'List users',
      response: { 200: z.array(userSchema), ...errors },
    }),
    handler: (req) => accounts.findUsers({ actor: actorOf(req) }),
  });

  app.post('/users', {
    ...guarded('users:manage', tags, {
      summary: 'Create a user with a role and scope',
      body: userCreateSchema,
      response: { 201: userSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await accounts.createUser({ actor: actorOf(req), data: req.body })),
  });

  app.patch('/users/:id', {
    ...guarded('users:manage', tags, {
      summary: 'Rename, reset the password of, or deactivate a user',
      params: idParams,
      body: userUpdateSchema,
      response: { 200: userSchema, ...errors },
    }),
    handler: (req) =>
      accounts.updateUser({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  app.get('/api-keys', {
    ...guarded('apikeys:manage', tags, {
      summary: 'List API keys (never the keys themselves)',
      response: { 200: z.array(apiKeySchema), ...errors },
    }),
    handler: (req) => accounts.findApiKeys({ actor: actorOf(req) }),
  });

  app.post('/api-keys', {
    ...guarded('apikeys:manage', tags, {
      summary: 'Create an API key; the key is shown once',
      body: apiKeyCreateSchema,
      response: { 201: apiKeyCreatedSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await accounts.createApiKey({ actor: actorOf(req), data: req.body })),
  });

  app.post('/api-keys/:id/revoke', {
    ...guarded('apikeys:manage', tags, {
      summary: 'Revoke an API key',
      params: idParams,
      response: { 200: apiKeySchema, ...errors },
    }),
    handler: (req) => accounts.revokeApiKey({ actor: actorOf(req), id: req.params.id }),
  });
}
