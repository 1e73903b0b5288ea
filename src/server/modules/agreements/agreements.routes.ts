import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorSchema, page, errorResponses, rowId } from '../../../shared/schemas/common';
import {
  agreementCreateSchema,
  agreementFilterSchema,
  agreementProgressSchema,
  agreementRollupQuerySchema,
  agreementRollupSchema,
  agreementSchema,
  agreementSummarySchema,
  agreementTermsSchema,
  agreementUpdateSchema,
  expectationsUpdateSchema,
  lineChangeSchema,
  notificationSchema,
  productGroupCreateSchema,
  productGroupSchema,
  revisionCreateSchema,
  revisionDecisionSchema,
  REVISION_DECISION_ACCESS,
  REVISION_DECISIONS,
  type RevisionDecision,
  type Transition,
  TRANSITION_PERMISSION,
  TRANSITIONS,
  transitionBodySchema,
} from '../../../shared/schemas/agreements';
import { actorOf, created, guarded, SECURED, typed } from '../../http/route';
import { planningHelpQuerySchema, planningHelpSchema } from '../../../shared/schemas/planning-help';
import { PLANNING_FORMULA } from './planning-help';
import { csvLines, sendCsv } from '../../http/csv-export';

const tags = ['agreements'];
const idParams = z.object({ id: rowId });
const errors = errorResponses;

export async function agreementsRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { agreements } = fastify.services;

  app.get('/agreements', {
    ...guarded('agreements:read', tags, {
      summary:
        'The agreements you can see with term-to-date attainment, gap and run-rate projection',
      querystring: agreementFilterSchema,
      response: { 200: page(agreementSummarySchema), ...errors },
    }),
    handler: async (req) => ({
      ...(await agreements.findAgreements({ actor: actorOf(req), filter: req.query })),
      limit: req.query.limit,
      offset: req.query.offset,
    }),
  });

  app.get('/agreements/rollup', {
    ...guarded('agreements:read', tags, {
      summary:
        'Term-to-date planned, actual, attainment, gap and projection summed by region or by model line',
      description:
        'Without a status filter only approved, active and expired agreements count. by=region groups one level below the region filter (or below the top of the tree); by=model_line groups lines on a model line or one of its SKUs under that model line, and product-group lines under "group:CODE".',
      querystring: agreementRollupQuerySchema,
      response: { 200: agreementRollupSchema, ...errors },
    }),
    handler: (req) => agreements.rollupAgreements({ actor: actorOf(req), query: req.query }),
  });

  app.get('/agreements/planning-help', {
    ...guarded('agreements:write', tags, {
      summary:
        "Planning help for drafting: per line and period the dealer's prior year, a history-based suggestion and the forecast consensus",
      description: PLANNING_FORMULA,
      querystring: planningHelpQuerySchema,
      response: { 200: planningHelpSchema, ...errors },
    }),
    handler: (req) => agreements.planningHelp({ actor: actorOf(req), query: req.query }),
  });

  app.get('/agreements/:id/planning-help', {
    ...guarded('agreements:read', tags, {
      summary:
        "The agreement's plan beside the prior year, the history-based suggestion and the forecast, per line and period",
      description: PLANNING_FORMULA,
      params: idParams,
      response: { 200: planningHelpSchema, ...errors },
    }),
    handler: (req) => agreements.getPlanningHelp({ actor: actorOf(req), id: req.params.id }),
  });

  app.get('/agreements/export', {
    ...guarded('agreements:read', tags, {
      summary: 'The agreements table as CSV (same filters, all rows)',
      querystring: agreementFilterSchema.omit({ limit: true, offset: true }),
      produces: ['text/csv'],
      response: { 400: errorSchema, 401: errorSchema, 403: errorSchema },
    }),
    handler: async (req, reply) => {
      const { items } = await agreements.findAgreements({
        actor: actorOf(req),
        filter: { ...req.query, limit: 1_000_000, offset: 0 },
      });
      const header =
        'code,dealerCode,dealerName,regionCode,status,startMonth,endMonth,frequency,plannedTotal,plannedToDate,actualToDate,attainmentPct,gap,projectedTotal,projectedAttainmentPct\n';
      const rows = items.map((a) => [
        a.code,
        a.dealerCode,
        a.dealerName,
        a.regionCode,
        a.status,
        a.startMonth,
        a.endMonth,
        a.frequency,
        a.plannedTotal,
        a.plannedToDate,
        a.actualToDate,
        a.attainmentPct,
        a.gap,
        a.projectedTotal,
        a.projectedAttainmentPct,
      ]);
      return sendCsv(reply, 'agreements.csv', csvLines(header, rows));
    },
  });

  app.post('/agreements', {
    ...guarded('agreements:write', tags, {
      summary:
        'Draft an agreement for a dealer: lines with a plan per period, or a total spread evenly or by seasonality',
      body: agreementCreateSchema,
      response: { 201: agreementSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await agreements.createAgreement({ actor: actorOf(req), data: req.body })),
  });

  app.get('/agreements/:id', {
    ...guarded('agreements:read', tags, {
      summary:
        'One agreement: terms, pending amendment with its changes, allowed transitions, history',
      params: idParams,
      response: { 200: agreementSchema, ...errors },
    }),
    handler: (req) => agreements.getAgreement({ actor: actorOf(req), id: req.params.id }),
  });

  app.put('/agreements/:id', {
    ...guarded('agreements:write', tags, {
      summary: 'Edit a draft (send the version you loaded; a stale one gets 409)',
      params: idParams,
      body: agreementUpdateSchema,
      response: { 200: agreementSchema, ...errors },
    }),
    handler: (req) =>
      agreements.updateAgreement({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  const transitionSummaries: Record<Transition, string> = {
    propose: 'Send a draft to the dealer (OEM)',
    accept: 'Accept a proposal (dealer principal)',
    return: 'Send a proposal back to the OEM with a comment (dealer principal)',
    approve: 'Approve an accepted agreement (OEM approver, not the drafter)',
    reject: 'Reject a proposed or accepted agreement with a reason (OEM approver)',
    cancel: 'Cancel an agreement with a reason (OEM)',
  };
  for (const transition of TRANSITIONS) {
    app.post(`/agreements/:id/${transition}`, {
      ...guarded(TRANSITION_PERMISSION[transition], tags, {
        summary: transitionSummaries[transition],
        description: `Needs ${TRANSITION_PERMISSION[transition]}. Send the agreement's current \`version\`; a stale one gets 409 STALE_VERSION.`,
        params: idParams,
        body: transitionBodySchema,
        response: { 200: agreementSchema, ...errors },
      }),
      handler: (req) =>
        agreements.transition({
          actor: actorOf(req),
          id: req.params.id,
          transition,
          version: req.body.version,
          comment: req.body.comment,
        }),
    });
  }

  app.post('/agreements/:id/revisions', {
    ...guarded('agreements:write', tags, {
      summary: 'Propose an amendment of an approved or active agreement (new lines and plans)',
      params: idParams,
      body: revisionCreateSchema,
      response: { 200: agreementSchema, ...errors },
    }),
    handler: (req) =>
      agreements.proposeRevision({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  const decisionSummaries: Record<RevisionDecision, string> = {
    accept: 'Accept a pending amendment (dealer principal)',
    approve: 'Approve an accepted amendment (OEM approver, not its author); the terms change',
    reject: 'Reject a pending amendment with a comment (either side)',
  };
  for (const decision of REVISION_DECISIONS) {
    const access = REVISION_DECISION_ACCESS[decision];
    app.post(`/agreements/:id/revisions/:revisionId/${decision}`, {
      config: { access },
      schema: {
        summary: decisionSummaries[decision],
        description: `Needs ${typeof access === 'string' ? access : access.anyOf.join(' or ')}.`,
        tags,
        security: SECURED,
        params: z.object({
          id: rowId,
          revisionId: rowId,
        }),
        body: revisionDecisionSchema,
        response: { 200: agreementSchema, ...errors },
      },
      handler: (req) =>
        agreements.decideRevision({
          actor: actorOf(req),
          id: req.params.id,
          revisionId: req.params.revisionId,
          decision,
          comment: req.body.comment,
        }),
    });
  }

  app.get('/agreements/:id/versions', {
    ...guarded('agreements:read', tags, {
      summary: 'Approved versions with their SHA-256 and what changed from the previous one',
      params: idParams,
      response: {
        200: z.array(
          z.object({
            agreementCode: z.string(),
            versionNo: z.number().int(),
            sha256: z.string(),
            approvedBy: z.string().nullable(),
            createdAt: z.string(),
            terms: agreementTermsSchema,
            changes: z.array(lineChangeSchema),
          }),
        ),
        ...errors,
      },
    }),
    handler: (req) => agreements.findVersions({ actor: actorOf(req), id: req.params.id }),
  });

  app.get('/agreements/:id/versions/:versionNo', {
    ...guarded('agreements:read', tags, {
      summary:
        'Download one version as the canonical JSON that was hashed (the hash is in the x-content-sha256 header)',
      params: z.object({
        id: rowId,
        versionNo: rowId,
      }),
      produces: ['application/json'],
      response: { ...errors },
    }),
    handler: async (req, reply) => {
      const doc = await agreements.getVersionDocument({
        actor: actorOf(req),
        id: req.params.id,
        versionNo: req.params.versionNo,
      });
      reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${doc.filename}"`)
        .header('x-content-sha256', doc.sha256);
      return reply.send(doc.canonical as never);
    },
  });

  app.get('/agreements/:id/progress', {
    ...guarded('agreements:read', tags, {
      summary:
        'Planned vs actual per line and period, term to date and run-rate projection; live with the feed',
      params: idParams,
      response: { 200: agreementProgressSchema, ...errors },
    }),
    handler: (req) => agreements.getProgress({ actor: actorOf(req), id: req.params.id }),
  });

  app.put('/agreements/:id/expectations', {
    ...guarded('forecasts:adjust', tags, {
      summary:
        "Set the dealer's expected deliveries against its commitment, per line and period (from the forecast screen)",
      description:
        'Kept next to the plan, which they never change; shown in the progress as expectedQuantity. Periods that are over cannot be given one; null removes an expectation. Approved and active agreements only.',
      params: idParams,
      body: expectationsUpdateSchema,
      response: { 200: agreementProgressSchema, ...errors },
    }),
    handler: (req) =>
      agreements.setExpectations({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  app.post('/agreements/:id/renew', {
    ...guarded('agreements:write', tags, {
      summary: "Draft the next term's agreement, prefilled from this term's actuals and run rate",
      params: idParams,
      response: { 201: agreementSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await agreements.renewAgreement({ actor: actorOf(req), id: req.params.id })),
  });

  app.get('/notifications', {
    ...guarded('authenticated', ['notifications'], {
      summary: 'What waits for your action',
      response: { 200: z.array(notificationSchema), ...errors },
    }),
    handler: (req) => agreements.findNotifications({ actor: actorOf(req) }),
  });

  app.get('/product-groups', {
    ...guarded('catalog:read', ['catalog'], {
      summary: 'Named product filters ("all BEV") that agreement lines and programs target',
      response: { 200: z.array(productGroupSchema), ...errors },
    }),
    handler: (req) => agreements.findProductGroups({ actor: actorOf(req) }),
  });

  app.post('/product-groups', {
    ...guarded('catalog:write', ['catalog'], {
      summary: 'Create a product group (a named filter on the catalog)',
      body: productGroupCreateSchema,
      response: { 201: productGroupSchema.extend({ warning: z.string().nullable() }), ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await agreements.createProductGroup({ actor: actorOf(req), data: req.body })),
  });
}
