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
import { actorOf, SECURED, typed } from '../../http/route';

const tags = ['accounts'];
const idParams = z.object({ id: rowId });
const errors = errorResponses;

export async function accountsRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { accounts } = fastify.services;

  app.get('/users', {
    config: { access: 'users:manage' },
    schema: {
      summary: 'List users',
      tags,
      security: SECURED,
      response: { 200: z.array(userSchema), ...errors },
    },
    handler: (req) => accounts.findUsers({ actor: actorOf(req) }),
  });

  app.post('/users', {
    config: { access: 'users:manage' },
    schema: {
      summary: 'Create a user with a role and scope',
      tags,
      security: SECURED,
      body: userCreateSchema,
      response: { 201: userSchema, ...errors },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await accounts.createUser({ actor: actorOf(req), data: req.body })),
  });

  app.patch('/users/:id', {
    config: { access: 'users:manage' },
    schema: {
      summary: 'Rename, reset the password of, or deactivate a user',
      tags,
      security: SECURED,
      params: idParams,
      body: userUpdateSchema,
      response: { 200: userSchema, ...errors },
    },
    handler: (req) =>
      accounts.updateUser({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  app.get('/api-keys', {
    config: { access: 'apikeys:manage' },
    schema: {
      summary: 'List API keys (never the keys themselves)',
      tags,
      security: SECURED,
      response: { 200: z.array(apiKeySchema), ...errors },
    },
    handler: (req) => accounts.findApiKeys({ actor: actorOf(req) }),
  });

  app.post('/api-keys', {
    config: { access: 'apikeys:manage' },
    schema: {
      summary: 'Create an API key; the key is shown once',
      tags,
      security: SECURED,
      body: apiKeyCreateSchema,
      response: { 201: apiKeyCreatedSchema, ...errors },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await accounts.createApiKey({ actor: actorOf(req), data: req.body })),
  });

  app.post('/api-keys/:id/revoke', {
    config: { access: 'apikeys:manage' },
    schema: {
      summary: 'Revoke an API key',
      tags,
      security: SECURED,
      params: idParams,
      response: { 200: apiKeySchema, ...errors },
    },
    handler: (req) => accounts.revokeApiKey({ actor: actorOf(req), id: req.params.id }),
  });
}
