import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { code, okSchema, page, errorResponses } from '../../../shared/schemas/common';
import {
  dealerCreateSchema,
  dealerFilterSchema,
  dealerGroupCreateSchema,
  dealerGroupSchema,
  dealerGroupUpdateSchema,
  dealerSchema,
  dealerUpdateSchema,
  regionCreateSchema,
  regionSchema,
  regionUpdateSchema,
  settingsSchema,
  settingsUpdateSchema,
} from '../../../shared/schemas/network';
import { actorOf, created, guarded, typed } from '../../http/route';

const tags = ['network'];
const codeParams = z.object({ code });
const errors = errorResponses;

export async function networkRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { network } = fastify.services;

  app.get('/regions', {
    ...guarded('network:read', tags, {
      summary: 'List regions (a tree, by path) with the dealers you can see',
      response: { 200: z.array(regionSchema), ...errors },
    }),
    handler: (req) => network.findRegions({ actor: actorOf(req) }),
  });

  app.post('/regions', {
    ...guarded('network:write', tags, {
      summary: 'Create a region',
      body: regionCreateSchema,
      response: { 201: okSchema, ...errors },
    }),
    handler: async (req, reply) => {
      await network.createRegion({ actor: actorOf(req), data: req.body });
      return created(reply, { ok: true });
    },
  });

  app.patch('/regions/:code', {
    ...guarded('network:write', tags, {
      summary: 'Rename or deactivate a region',
      params: codeParams,
      body: regionUpdateSchema,
      response: { 200: okSchema, ...errors },
    }),
    handler: async (req) => {
      await network.updateRegion({ actor: actorOf(req), code: req.params.code, data: req.body });
      return { ok: true as const };
    },
  });

  app.get('/dealer-groups', {
    ...guarded('network:read', tags, {
      summary: 'List dealer groups',
      response: { 200: z.array(dealerGroupSchema), ...errors },
    }),
    handler: (req) => network.findDealerGroups({ actor: actorOf(req) }),
  });

  app.post('/dealer-groups', {
    ...guarded('network:write', tags, {
      summary: 'Create a dealer group',
      body: dealerGroupCreateSchema,
      response: { 201: okSchema, ...errors },
    }),
    handler: async (req, reply) => {
      await network.createDealerGroup({ actor: actorOf(req), data: req.body });
      return created(reply, { ok: true });
    },
  });

  app.patch('/dealer-groups/:code', {
    ...guarded('network:write', tags, {
      summary: 'Rename or deactivate a dealer group',
      params: codeParams,
      body: dealerGroupUpdateSchema,
      response: { 200: okSchema, ...errors },
    }),
    handler: async (req) => {
      await network.updateDealerGroup({
        actor: actorOf(req),
        code: req.params.code,
        data: req.body,
      });
      return { ok: true as const };
    },
  });

  app.get('/dealers', {
    ...guarded('network:read', tags, {
      summary: 'List the dealers you can see, with filters and paging',
      querystring: dealerFilterSchema,
      response: { 200: page(dealerSchema), ...errors },
    }),
    handler: async (req) => {
      const result = await network.findDealers({ actor: actorOf(req), filter: req.query });
      return { ...result, limit: req.query.limit, offset: req.query.offset };
    },
  });

  app.get('/dealers/:code', {
    ...guarded('network:read', tags, {
      summary: 'One dealer',
      params: codeParams,
      response: { 200: dealerSchema, ...errors },
    }),
    handler: (req) => network.getDealer({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/dealers', {
    ...guarded('network:write', tags, {
      summary: 'Create a dealer',
      body: dealerCreateSchema,
      response: { 201: dealerSchema, ...errors },
    }),
    handler: async (req, reply) => {
      const dealer = await network.createDealer({ actor: actorOf(req), data: req.body });
      return created(reply, dealer!);
    },
  });

  app.patch('/dealers/:code', {
    ...guarded('network:write', tags, {
      summary: 'Update a dealer; status "inactive" deactivates it',
      params: codeParams,
      body: dealerUpdateSchema,
      response: { 200: dealerSchema, ...errors },
    }),
    handler: async (req) => {
      const dealer = await network.updateDealer({
        actor: actorOf(req),
        code: req.params.code,
        data: req.body,
      });
      return dealer!;
    },
  });

  app.get('/settings', {
    ...guarded('authenticated', tags, {
      summary: 'Network settings: the fiscal calendar and currency',
      response: { 200: settingsSchema, ...errors },
    }),
    handler: () => network.getSettings(),
  });

  app.put('/settings', {
    ...guarded('settings:write', tags, {
      summary: 'Change the fiscal year start month',
      body: settingsUpdateSchema,
      response: { 200: settingsSchema, ...errors },
    }),
    handler: (req) => network.updateSettings({ actor: actorOf(req), data: req.body }),
  });
}
