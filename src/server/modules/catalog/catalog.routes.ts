import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { code, okSchema, page, errorResponses } from '../../../shared/schemas/common';
import {
  modelLineCreateSchema,
  modelLineSchema,
  modelLineUpdateSchema,
  skuCreateSchema,
  skuFilterSchema,
  skuPriceCreateSchema,
  skuPriceListSchema,
  skuSchema,
  skuUpdateSchema,
} from '../../../shared/schemas/catalog';
import { actorOf, created, guarded, typed } from '../../http/route';

const tags = ['catalog'];
const codeParams = z.object({ code });
const errors = errorResponses;

export async function catalogRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { catalog } = fastify.services;

  app.get('/model-lines', {
    ...guarded('catalog:read', tags, {
      summary: 'List model lines',
      response: { 200: z.array(modelLineSchema), ...errors },
    }),
    handler: (req) => catalog.findModelLines({ actor: actorOf(req) }),
  });

  app.post('/model-lines', {
    ...guarded('catalog:write', tags, {
      summary: 'Create a model line',
      body: modelLineCreateSchema,
      response: { 201: okSchema, ...errors },
    }),
    handler: async (req, reply) => {
      await catalog.createModelLine({ actor: actorOf(req), data: req.body });
      return created(reply, { ok: true });
    },
  });

  app.patch('/model-lines/:code', {
    ...guarded('catalog:write', tags, {
      summary: 'Update or discontinue a model line',
      params: codeParams,
      body: modelLineUpdateSchema,
      response: { 200: okSchema, ...errors },
    }),
    handler: async (req) => {
      await catalog.updateModelLine({ actor: actorOf(req), code: req.params.code, data: req.body });
      return { ok: true as const };
    },
  });

  app.get('/skus', {
    ...guarded('catalog:read', tags, {
      summary: 'List SKUs with filters and paging',
      querystring: skuFilterSchema,
      response: { 200: page(skuSchema), ...errors },
    }),
    handler: async (req) => {
      const result = await catalog.findSkus({ actor: actorOf(req), filter: req.query });
      return { ...result, limit: req.query.limit, offset: req.query.offset };
    },
  });

  app.get('/skus/:code', {
    ...guarded('catalog:read', tags, {
      summary: 'One SKU',
      params: codeParams,
      response: { 200: skuSchema, ...errors },
    }),
    handler: (req) => catalog.getSku({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/skus', {
    ...guarded('catalog:write', tags, {
      summary: 'Create a SKU',
      body: skuCreateSchema,
      response: { 201: skuSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await catalog.createSku({ actor: actorOf(req), data: req.body })),
  });

  app.patch('/skus/:code', {
    ...guarded('catalog:write', tags, {
      summary: 'Update or discontinue a SKU',
      params: codeParams,
      body: skuUpdateSchema,
      response: { 200: skuSchema, ...errors },
    }),
    handler: (req) =>
      catalog.updateSku({ actor: actorOf(req), code: req.params.code, data: req.body }),
  });

  app.get('/skus/:code/prices', {
    ...guarded('catalog:read', tags, {
      summary: "A SKU's price history (MSRP valid from each date until the next)",
      params: codeParams,
      response: { 200: skuPriceListSchema, ...errors },
    }),
    handler: (req) => catalog.findSkuPrices({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/skus/:code/prices', {
    ...guarded('catalog:write', tags, {
      summary:
        'Add a price valid from a date after today (or replace a future one); past prices are never rewritten',
      params: codeParams,
      body: skuPriceCreateSchema,
      response: { 201: skuPriceListSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(
        reply,
        await catalog.addSkuPrice({
          actor: actorOf(req),
          code: req.params.code,
          data: req.body,
        }),
      ),
  });
}
