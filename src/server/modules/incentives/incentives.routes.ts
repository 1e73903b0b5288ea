import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  errorResponses,
  errorSchema,
  page,
  readErrorResponses,
  rowId,
} from '../../../shared/schemas/common';
import {
  accrualSchema,
  approveStatementSchema,
  claimDecisionSchema,
  claimInputSchema,
  claimSchema,
  closePeriodResultSchema,
  closePeriodSchema,
  dealerIncentivesSchema,
  disputeCreateSchema,
  disputeMessageCreateSchema,
  disputeResolveSchema,
  disputeSchema,
  payoutBatchSchema,
  payoutBatchSummarySchema,
  payoutCreateSchema,
  payoutListQuery,
  periodQuery,
  statementParams,
  programSchema,
  programSummarySchema,
  programVersionCreateSchema,
  settlementPeriodListSchema,
  statementDetailSchema,
  statementListSchema,
  whatIfAllBodySchema,
  whatIfAllResultSchema,
  whatIfBodySchema,
  whatIfResultSchema,
} from '../../../shared/schemas/incentives';
import { programDefinitionSchema } from '../../../shared/schemas/program';
import { csvLines, exportRow, sendCsv } from '../../http/csv-export';
import { actorOf, SECURED, typed } from '../../http/route';
import { createWhatIfAll } from './what-if-all';

const tags = ['incentives'];
const errors = errorResponses;
const codeParams = z.object({ code: z.string().min(1).max(40) });
const idParams = z.object({ id: rowId });

/** Routes of incentive programs under /api/v1 (programs, statements, claims, disputes, payouts). */
export async function incentivesRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { incentives, incentiveLists: lists } = fastify.services;
  const whatIfAll = createWhatIfAll({ db: fastify.services.db, incentives });

  app.post('/programs', {
    config: { access: 'programs:write' },
    schema: {
      summary: 'Create a program (draft version 1); filters matching nothing come back as warnings',
      tags,
      security: SECURED,
      // Validated in the service to report every problem with its field path.
      body: z.unknown().meta({ description: 'a ProgramDefinition' }),
      response: { 201: programSchema, ...errors },
    },
    handler: async (req, reply) =>
      reply
        .status(201)
        .send(await incentives.createProgram({ actor: actorOf(req), data: req.body })),
  });

  app.get('/programs', {
    config: { access: 'programs:read' },
    schema: {
      summary: 'Programs',
      tags,
      security: SECURED,
      response: { 200: z.object({ items: z.array(programSummarySchema) }), ...errors },
    },
    handler: async (req) => ({ items: await incentives.findPrograms({ actor: actorOf(req) }) }),
  });

  app.get('/programs/:code', {
    config: { access: 'programs:read' },
    schema: {
      summary: 'One program with its versions',
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: programSchema, ...errors },
    },
    handler: (req) => incentives.getProgram({ actor: actorOf(req), code: req.params.code }),
  });

  app.put('/programs/:code', {
    config: { access: 'programs:write' },
    schema: {
      summary: 'Edit the draft version (a published version is immutable: 409)',
      description: `Body: ${programDefinitionSchema.description ?? 'a ProgramDefinition'}`,
      tags,
      security: SECURED,
      params: codeParams,
      body: z.unknown(),
      response: { 200: programSchema, ...errors },
    },
    handler: (req) =>
      incentives.updateProgram({ actor: actorOf(req), code: req.params.code, data: req.body }),
  });

  app.post('/programs/:code/publish', {
    config: { access: 'programs:write' },
    schema: {
      summary: 'Publish the draft version (ledger entry with the canonical definition)',
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: programSchema, ...errors },
    },
    handler: (req) => incentives.publishProgram({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/programs/:code/versions', {
    config: { access: 'programs:write' },
    schema: {
      summary: 'Draft a new version of a published program with an effective date',
      tags,
      security: SECURED,
      params: codeParams,
      body: programVersionCreateSchema,
      response: { 200: programSchema, ...errors },
    },
    handler: (req) =>
      incentives.createVersion({
        actor: actorOf(req),
        code: req.params.code,
        data: { effectiveFrom: req.body.effectiveFrom, definition: req.body.definition },
      }),
  });

  app.post('/programs/:code/close', {
    config: { access: 'programs:write' },
    schema: {
      summary: 'Close a published program',
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: programSchema, ...errors },
    },
    handler: (req) => incentives.closeProgram({ actor: actorOf(req), code: req.params.code }),
  });

  app.get('/programs/:code/statements', {
    config: { access: 'statements:read' },
    schema: {
      summary: 'Live statements of every dealer in your scope for a period (totals)',
      tags,
      security: SECURED,
      params: codeParams,
      querystring: periodQuery,
      response: { 200: statementListSchema, ...errors },
    },
    handler: (req) =>
      incentives.findStatements({
        actor: actorOf(req),
        code: req.params.code,
        period: req.query.period,
      }),
  });

  app.get('/programs/:code/statements/:dealerCode', {
    config: { access: 'statements:read' },
    schema: {
      summary: 'One dealer statement with its lines (each traced to its transaction and rule)',
      tags,
      security: SECURED,
      params: statementParams,
      querystring: periodQuery,
      response: { 200: statementDetailSchema, ...errors },
    },
    handler: (req) => incentives.getStatement({ actor: actorOf(req), ...req.params, ...req.query }),
  });

  app.get('/programs/:code/statements/:dealerCode/export', {
    config: { access: 'statements:read' },
    schema: {
      summary: 'One dealer statement as CSV',
      tags,
      security: SECURED,
      params: statementParams,
      querystring: periodQuery,
      produces: ['text/csv'],
      response: readErrorResponses,
    },
    handler: async (req, reply) => {
      const s = await incentives.getStatement({ actor: actorOf(req), ...req.params, ...req.query });
      const header =
        'programCode,dealerCode,period,lineNo,kind,transactionId,date,vin,sku,quantity,unitPrice,basis,rate,tierFrom,amount,currency,explanation\n';
      const rows = s.lines.map((l) => [
        s.programCode,
        s.dealerCode,
        s.period,
        l.lineNo,
        l.kind,
        l.transactionId,
        l.date,
        l.vin,
        l.sku,
        l.quantity,
        l.unitPrice,
        l.basis,
        l.rate,
        l.tierFrom,
        l.amount,
        s.currency,
        l.explanation,
      ]);
      const total = exportRow([
        s.programCode,
        s.dealerCode,
        s.period,
        '',
        'total',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        s.tierReached,
        s.earned,
        s.currency,
        `earned; previously settled ${s.previouslySettled}; amount due ${s.amountDue}`,
      ]);
      return sendCsv(
        reply,
        `statement-${s.programCode}-${s.dealerCode}-${s.period}.csv`,
        csvLines(header, rows) + total + '\n',
      );
    },
  });

  app.get('/programs/:code/periods', {
    config: { access: 'programs:read' },
    schema: {
      summary:
        'Settlement periods of a program: label, start, cut-off, grace deadline, open or closed, stored statements in your scope by status',
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: settlementPeriodListSchema, ...errors },
    },
    handler: (req) => lists.findSettlementPeriods({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/programs/:code/periods/close', {
    config: { access: 'payouts:manage' },
    schema: {
      summary: 'Close a settlement period: its statements are stored for review',
      tags,
      security: SECURED,
      params: codeParams,
      body: closePeriodSchema,
      response: { 200: closePeriodResultSchema, ...errors },
    },
    handler: (req) =>
      incentives.closePeriod({
        actor: actorOf(req),
        code: req.params.code,
        period: req.body.period,
      }),
  });

  app.post('/programs/:code/statements/:dealerCode/approve', {
    config: { access: 'programs:approve' },
    schema: {
      summary: 'Approve a closed statement (four eyes: not the program author); freezes its lines',
      tags,
      security: SECURED,
      params: statementParams,
      body: approveStatementSchema,
      response: { 200: statementDetailSchema, ...errors },
    },
    handler: (req) =>
      incentives.approveStatement({ actor: actorOf(req), ...req.params, period: req.body.period }),
  });

  app.get('/programs/:code/accruals', {
    config: { access: 'payouts:manage' },
    schema: {
      summary: 'Liability per period: earned to date, projected from run-rate, budget overrun',
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: accrualSchema, ...errors },
    },
    handler: (req) => incentives.getAccruals({ actor: actorOf(req), code: req.params.code }),
  });

  app.get('/dealers/:code/incentives', {
    config: { access: 'programs:read' },
    schema: {
      summary: "A dealer's progress in every eligible program",
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: dealerIncentivesSchema, ...errors },
    },
    handler: (req) =>
      incentives.getDealerIncentives({ actor: actorOf(req), dealerCode: req.params.code }),
  });

  app.post('/dealers/:code/incentives/what-if', {
    config: { access: 'programs:read' },
    schema: {
      summary: 'What-if: the same engine with hypothetical extra units',
      tags,
      security: SECURED,
      params: codeParams,
      body: whatIfBodySchema,
      response: { 200: whatIfResultSchema, ...errors },
    },
    handler: (req) =>
      incentives.whatIf({ actor: actorOf(req), dealerCode: req.params.code, data: req.body }),
  });

  app.post('/dealers/:code/incentives/what-if-all', {
    config: { access: 'programs:read' },
    schema: {
      summary: 'What-if across every program the dealer is in ("5 more BEVs"), with totals',
      tags,
      security: SECURED,
      params: codeParams,
      body: whatIfAllBodySchema,
      response: { 200: whatIfAllResultSchema, ...errors },
    },
    handler: (req) =>
      whatIfAll.whatIfAll({ actor: actorOf(req), dealerCode: req.params.code, data: req.body }),
  });

  app.post('/programs/:code/claims', {
    config: { access: 'claims:write' },
    schema: {
      summary:
        'Submit claims (one, several, or a CSV with vin,sku,deliveryDate[,evidence]); each is pre-validated',
      tags,
      security: SECURED,
      params: codeParams,
      body: z.union([
        claimInputSchema,
        z.object({ claims: z.array(claimInputSchema).min(1).max(5000) }),
        z.object({ dealerCode: z.string().min(1).max(40), csv: z.string().min(1) }),
      ]),
      response: { 201: z.object({ items: z.array(claimSchema) }), ...errors },
    },
    handler: async (req, reply) => {
      const b = req.body;
      const claims =
        'csv' in b
          ? incentives.parseClaimsCsv(b.dealerCode, b.csv)
          : 'claims' in b
            ? b.claims.map((c, i) => ({ ...c, path: `body.claims.${i}` }))
            : [{ ...b, path: 'body' }];
      const items = await incentives.submitClaims({
        actor: actorOf(req),
        code: req.params.code,
        claims,
      });
      return reply.status(201).send({ items });
    },
  });

  app.get('/programs/:code/claims', {
    config: { access: 'programs:read' },
    schema: {
      summary: 'Claims of a program in your scope, with their checks',
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: z.object({ items: z.array(claimSchema) }), ...errors },
    },
    handler: async (req) => ({
      items: await incentives.findClaims({ actor: actorOf(req), code: req.params.code }),
    }),
  });

  app.post('/claims/:id/decision', {
    config: { access: 'claims:review' },
    schema: {
      summary: 'Approve or reject a claim with a reason (OEM)',
      tags,
      security: SECURED,
      params: idParams,
      body: claimDecisionSchema,
      response: { 200: claimSchema, ...errors },
    },
    handler: (req) =>
      incentives.decideClaim({
        actor: actorOf(req),
        id: req.params.id,
        decision: req.body.decision,
        reason: req.body.reason,
      }),
  });

  app.get('/disputes', {
    config: { access: 'statements:read' },
    schema: {
      summary: 'Disputes in your scope with their age',
      tags,
      security: SECURED,
      querystring: z.object({ status: z.enum(['open', 'adjusted', 'rejected']).optional() }),
      response: { 200: z.object({ items: z.array(disputeSchema) }), ...errors },
    },
    handler: async (req) => ({
      items: await incentives.findDisputes({ actor: actorOf(req), status: req.query.status }),
    }),
  });

  app.post('/disputes', {
    config: { access: 'disputes:write' },
    schema: {
      summary: 'Dispute a statement line or a claim',
      tags,
      security: SECURED,
      body: disputeCreateSchema,
      response: { 201: disputeSchema, ...errors },
    },
    handler: async (req, reply) =>
      reply
        .status(201)
        .send(await incentives.createDispute({ actor: actorOf(req), data: req.body })),
  });

  app.get('/disputes/:id', {
    config: { access: 'statements:read' },
    schema: {
      summary: 'One dispute with its thread',
      tags,
      security: SECURED,
      params: idParams,
      response: { 200: disputeSchema, ...errors },
    },
    handler: (req) => incentives.getDispute({ actor: actorOf(req), id: req.params.id }),
  });

  app.post('/disputes/:id/messages', {
    config: { access: 'statements:read' },
    schema: {
      summary:
        'Add a message to an open dispute (dealer: disputes:write; OEM: disputes:resolve, checked in the service)',
      tags,
      security: SECURED,
      params: idParams,
      body: disputeMessageCreateSchema,
      response: { 200: disputeSchema, ...errors },
    },
    handler: (req) =>
      incentives.addDisputeMessage({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  app.post('/disputes/:id/resolve', {
    config: { access: 'disputes:resolve' },
    schema: {
      summary: 'Resolve with an adjustment line (credit/debit) or a reasoned rejection',
      tags,
      security: SECURED,
      params: idParams,
      body: disputeResolveSchema,
      response: { 200: disputeSchema, ...errors },
    },
    handler: (req) =>
      incentives.resolveDispute({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  app.get('/payouts', {
    config: { access: 'payouts:manage' },
    schema: {
      summary: 'Payout batches, newest first, with dealers, payments and totals per currency',
      tags,
      security: SECURED,
      querystring: payoutListQuery,
      response: { 200: page(payoutBatchSummarySchema), ...errors },
    },
    handler: async (req) => {
      const { limit, offset, status } = req.query;
      const result = await lists.findPayoutBatches({
        actor: actorOf(req),
        filter: { status, limit, offset },
      });
      return { ...result, limit, offset };
    },
  });

  app.post('/payouts', {
    config: { access: 'payouts:manage' },
    schema: {
      summary: 'Build a payout batch from approved statements',
      tags,
      security: SECURED,
      body: payoutCreateSchema,
      response: { 201: payoutBatchSchema, ...errors },
    },
    handler: async (req, reply) =>
      reply
        .status(201)
        .send(await incentives.createPayoutBatch({ actor: actorOf(req), data: req.body })),
  });

  app.get('/payouts/:code', {
    config: { access: 'payouts:manage' },
    schema: {
      summary: 'A payout batch (JSON export)',
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: payoutBatchSchema, ...errors },
    },
    handler: (req) => incentives.getPayoutBatch({ actor: actorOf(req), code: req.params.code }),
  });

  app.get('/payouts/:code/export', {
    config: { access: 'payouts:manage' },
    schema: {
      summary: 'A payout batch as CSV for accounts payable',
      tags,
      security: SECURED,
      params: codeParams,
      produces: ['text/csv'],
      response: { 401: errorSchema, 403: errorSchema, 404: errorSchema },
    },
    handler: async (req, reply) => {
      const b = await incentives.getPayoutBatch({ actor: actorOf(req), code: req.params.code });
      await incentives.recordBatchExport({ actor: actorOf(req), code: b.code });
      const header = 'dealerCode,dealerName,erpVendorId,amount,currency,glAccount,reference\n';
      const rows = b.items.map((i) => [
        i.dealerCode,
        i.dealerName,
        i.erpVendorId,
        i.amount,
        i.currency,
        i.glAccount,
        i.reference,
      ]);
      return sendCsv(reply, `${b.code}.csv`, csvLines(header, rows));
    },
  });

  app.post('/payouts/:code/paid', {
    config: { access: 'payouts:manage' },
    schema: {
      summary: 'Mark a payout batch paid',
      tags,
      security: SECURED,
      params: codeParams,
      response: { 200: payoutBatchSchema, ...errors },
    },
    handler: (req) => incentives.markBatchPaid({ actor: actorOf(req), code: req.params.code }),
  });
}
