import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses, rowId } from '../../../shared/schemas/common';
import {
  flagDecisionSchema,
  integrityFlagSchema,
  integrityQuerySchema,
  integrityScanSchema,
  integritySettingsSchema,
} from '../../../shared/schemas/insights';
import { actorOf, guarded, typed } from '../../http/route';

const tags = ['insights'];

/** The integrity queue for OEM audit roles (claims:review). */
export async function integrityRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { integrity } = fastify.services;

  app.get('/insights/integrity', {
    ...guarded('claims:review', tags, {
      summary:
        'Integrity flags in scope within the audit look-back, open first, by money at stake, each with its evidence',
      querystring: integrityQuerySchema,
      response: { 200: z.array(integrityFlagSchema), ...errorResponses },
    }),
    handler: (req) => integrity.list({ actor: actorOf(req), ...req.query }),
  });

  app.post('/insights/integrity/scan', {
    ...guarded('claims:review', tags, {
      summary:
        'Run the integrity detectors on the feed and claims of the audit look-back (decided flags keep their decision)',
      response: { 200: integrityScanSchema, ...errorResponses },
    }),
    handler: (req) => integrity.scan({ actor: actorOf(req) }),
  });

  app.post('/insights/integrity/:id/decision', {
    ...guarded('claims:review', tags, {
      summary: 'Dismiss an open flag (with a reason) or confirm it',
      params: z.object({ id: rowId }),
      body: flagDecisionSchema,
      response: { 200: integrityFlagSchema, ...errorResponses },
    }),
    handler: (req) => integrity.decide({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  app.get('/insights/integrity/settings', {
    ...guarded('claims:review', tags, {
      summary: 'The audit look-back in months (default 12)',
      response: { 200: integritySettingsSchema, ...errorResponses },
    }),
    handler: (req) => integrity.getSettings({ actor: actorOf(req) }),
  });

  app.put('/insights/integrity/settings', {
    ...guarded('settings:write', tags, {
      summary: 'Set the audit look-back in months',
      body: integritySettingsSchema,
      response: { 200: integritySettingsSchema, ...errorResponses },
    }),
    handler: (req) =>
      integrity.setSettings({ actor: actorOf(req), lookbackMonths: req.body.lookbackMonths }),
  });
}
