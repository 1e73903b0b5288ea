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
import { actorOf, SECURED, typed } from '../../http/route';

const tags = ['catalog'];
const codeParams = z.object({ code });
const errors = errorResponses;

export async function catalogRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { catalog } = fastify.services;

  app.get('/model-lines', {
    config: { access: 'catalog:read' },
    schema: {
      summary: 'List model lines',
      tags,
      security: SECURED,
      response: { 200: z.array(modelLineSchema), ...errors },
    },
    handler: (req) => catalog.findModelLines({ actor: actorOf(req) }),
  });

  app.post('/model-lines', {
    config: { access: 'catalog:write' },
    schema: {
      summary: 'Create a model line',
      tags,
      security: SECURED,
      body: modelLineCreateSchema,
      response: { 201: okSchema, ...errors },
    },
    handler: async (req, reply) => {
      await catalog.createModelLine({ actor: actorOf(req), data: req.body });
      return reply.status(201).send({ ok: true });
    },
  });

  app.patch('/model-lines/:code', {
    config: { access: 'catalog:write' },
    schema: {
      summary: 'Update or discontinue a model line',
      tags,
      security: SECURED,
      params: codeParams,
      body: modelLineUpdateSchema,
      response: { 200: okSchema, ...errors },
    },
    handler: async (req) => {
      await catalog.updateModelLine({ actor: actorOf(req), code: req.params.code, data: req.body });
      return { ok: true as const };
    },
  });

  app.get('/skus', {
    config: { access: 'catalog:read' },
    schema: {
      summary: 'List SKUs with filters and paging',
      tags,
      security: SECURED,
      querystring: skuFilterSchema,
      response: { 200: page(skuSchema), ...errors },
    },
    handler: async (req) => {
      const result = await catalog.findSkus({ actor: actorOf(req), filter: req.query });
      return { ...result, limit: req.query.limit, offset: req.query.offset };
    },
  });

  app.get('/skus/:code', {
    config: { access: 'catalog:read' },
    schema: {
      summary: 'One SKU',
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: skuSchema, ...errors },
    },
    handler: (req) => catalog.getSku({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/skus', {
    config: { access: 'catalog:write' },
    schema: {
      summary: 'Create a SKU',
      tags,
      security: SECURED,
      body: skuCreateSchema,
      response: { 201: skuSchema, ...errors },
    },
    handler: async (req, reply) =>
      reply.status(201).send(await catalog.createSku({ actor: actorOf(req), data: req.body })),
  });

  app.patch('/skus/:code', {
    config: { access: 'catalog:write' },
    schema: {
      summary: 'Update or discontinue a SKU',
      tags,
      security: SECURED,
      params: codeParams,
      body: skuUpdateSchema,
      response: { 200: skuSchema, ...errors },
    },
    handler: (req) =>
      catalog.updateSku({ actor: actorOf(req), code: req.params.code, data: req.body }),
  });

  app.get('/skus/:code/prices', {
    config: { access: 'catalog:read' },
    schema: {
      summary: "A SKU's price history (MSRP valid from each date until the next)",
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: skuPriceListSchema, ...errors },
    },
    handler: (req) => catalog.findSkuPrices({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/skus/:code/prices', {
    config: { access: 'catalog:write' },
    schema: {
      summary:
        'Add a price valid from a date after today (or replace a future one); past prices are never rewritten',
      tags,
      security: SECURED,
      params: codeParams,
      body: skuPriceCreateSchema,
      response: { 201: skuPriceListSchema, ...errors },
    },
    handler: async (req, reply) =>
      reply.status(201).send(
        await catalog.addSkuPrice({
          actor: actorOf(req),
          code: req.params.code,
          data: req.body,
        }),
      ),
  });
}
