import type { FastifyInstance } from 'fastify';
import { formatMinor } from '../../../shared/money';
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
import { actorOf, created, guarded, typed } from '../../http/route';
import { createWhatIfAll } from './what-if-all';

const tags = ['incentives'];
const errors = errorResponses;
const codeParams = z.object({ code: z.string().min(1).max(40) });
const idParams = z.object({ id: rowId });

/** Routes of incentive programs under /api/v1 (programs, statements, claims, disputes, payouts). */
export async function incentivesRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { incentives, incentiveLists: lists } = fastify.services;
  const whatIfAll = createWhatIfAll({
    db: fastify.services.db,
    incentives,
    today: fastify.services.today,
  });

  app.post('/programs', {
    ...guarded('programs:write', tags, {
      summary: 'Create a program (draft version 1); filters matching nothing come back as warnings',
      // Validated in the service to report every problem with its field path.
      body: z.unknown().meta({ description: 'a ProgramDefinition' }),
      response: { 201: programSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await incentives.createProgram({ actor: actorOf(req), data: req.body })),
  });

  app.get('/programs', {
    ...guarded('programs:read', tags, {
      summary: 'Programs',
      response: { 200: z.object({ items: z.array(programSummarySchema) }), ...errors },
    }),
    handler: async (req) => ({ items: await incentives.findPrograms({ actor: actorOf(req) }) }),
  });

  app.get('/programs/:code', {
    ...guarded('programs:read', tags, {
      summary: 'One program with its versions',
      params: codeParams,
      response: { 200: programSchema, ...errors },
    }),
    handler: (req) => incentives.getProgram({ actor: actorOf(req), code: req.params.code }),
  });

  app.put('/programs/:code', {
    ...guarded('programs:write', tags, {
      summary: 'Edit the draft version (a published version is immutable: 409)',
      description: `Body: ${programDefinitionSchema.description ?? 'a ProgramDefinition'}`,
      params: codeParams,
      body: z.unknown(),
      response: { 200: programSchema, ...errors },
    }),
    handler: (req) =>
      incentives.updateProgram({ actor: actorOf(req), code: req.params.code, data: req.body }),
  });

  app.post('/programs/:code/publish', {
    ...guarded('programs:write', tags, {
      summary: 'Publish the draft version (ledger entry with the canonical definition)',
      params: codeParams,
      response: { 200: programSchema, ...errors },
    }),
    handler: (req) => incentives.publishProgram({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/programs/:code/versions', {
    ...guarded('programs:write', tags, {
      summary: 'Draft a new version of a published program with an effective date',
      params: codeParams,
      body: programVersionCreateSchema,
      response: { 200: programSchema, ...errors },
    }),
    handler: (req) =>
      incentives.createVersion({
        actor: actorOf(req),
        code: req.params.code,
        data: { effectiveFrom: req.body.effectiveFrom, definition: req.body.definition },
      }),
  });

  app.post('/programs/:code/close', {
    ...guarded('programs:write', tags, {
      summary: 'Close a published program',
      params: codeParams,
      response: { 200: programSchema, ...errors },
    }),
    handler: (req) => incentives.closeProgram({ actor: actorOf(req), code: req.params.code }),
  });

  app.get('/programs/:code/statements', {
    ...guarded('statements:read', tags, {
      summary: 'Live statements of every dealer in your scope for a period (totals)',
      params: codeParams,
      querystring: periodQuery,
      response: { 200: statementListSchema, ...errors },
    }),
    handler: (req) =>
      incentives.findStatements({
        actor: actorOf(req),
        code: req.params.code,
        period: req.query.period,
      }),
  });

  app.get('/programs/:code/statements/:dealerCode', {
    ...guarded('statements:read', tags, {
      summary: 'One dealer statement with its lines (each traced to its transaction and rule)',
      params: statementParams,
      querystring: periodQuery,
      response: { 200: statementDetailSchema, ...errors },
    }),
    handler: (req) => incentives.getStatement({ actor: actorOf(req), ...req.params, ...req.query }),
  });

  app.get('/programs/:code/statements/:dealerCode/export', {
    ...guarded('statements:read', tags, {
      summary: 'One dealer statement as CSV',
      params: statementParams,
      querystring: periodQuery,
      produces: ['text/csv'],
      response: readErrorResponses,
    }),
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
      // the rows the rules left out, each with its reason (amount 0)
      for (const e of s.excluded) {
        rows.push([
          s.programCode,
          s.dealerCode,
          s.period,
          '',
          'excluded',
          e.transactionId,
          '',
          e.vin ?? '',
          e.sku ?? '',
          '',
          '',
          '',
          '',
          '',
          formatMinor(0, s.currency),
          s.currency,
          `${e.reason}: ${e.detail}`,
        ]);
      }
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
    ...guarded('programs:read', tags, {
      summary:
        'Settlement periods of a program: label, start, cut-off, grace deadline, open or closed, stored statements in your scope by status',
      params: codeParams,
      response: { 200: settlementPeriodListSchema, ...errors },
    }),
    handler: (req) => lists.findSettlementPeriods({ actor: actorOf(req), code: req.params.code }),
  });

  app.post('/programs/:code/periods/close', {
    ...guarded('payouts:manage', tags, {
      summary: 'Close a settlement period: its statements are stored for review',
      params: codeParams,
      body: closePeriodSchema,
      response: { 200: closePeriodResultSchema, ...errors },
    }),
    handler: (req) =>
      incentives.closePeriod({
        actor: actorOf(req),
        code: req.params.code,
        period: req.body.period,
      }),
  });

  app.post('/programs/:code/statements/:dealerCode/approve', {
    ...guarded('programs:approve', tags, {
      summary: 'Approve a closed statement (four eyes: not the program author); freezes its lines',
      params: statementParams,
      body: approveStatementSchema,
      response: { 200: statementDetailSchema, ...errors },
    }),
    handler: (req) =>
      incentives.approveStatement({ actor: actorOf(req), ...req.params, period: req.body.period }),
  });

  app.get('/programs/:code/accruals', {
    ...guarded('payouts:manage', tags, {
      summary: 'Liability per period: earned to date, projected from run-rate, budget overrun',
      params: codeParams,
      response: { 200: accrualSchema, ...errors },
    }),
    handler: (req) => incentives.getAccruals({ actor: actorOf(req), code: req.params.code }),
  });

  app.get('/dealers/:code/incentives', {
    ...guarded('programs:read', tags, {
      summary: "A dealer's progress in every eligible program",
      params: codeParams,
      response: { 200: dealerIncentivesSchema, ...errors },
    }),
    handler: (req) =>
      incentives.getDealerIncentives({ actor: actorOf(req), dealerCode: req.params.code }),
  });

  app.post('/dealers/:code/incentives/what-if', {
    ...guarded('programs:read', tags, {
      summary: 'What-if: the same engine with hypothetical extra units',
      params: codeParams,
      body: whatIfBodySchema,
      response: { 200: whatIfResultSchema, ...errors },
    }),
    handler: (req) =>
      incentives.whatIf({ actor: actorOf(req), dealerCode: req.params.code, data: req.body }),
  });

  app.post('/dealers/:code/incentives/what-if-all', {
    ...guarded('programs:read', tags, {
      summary: 'What-if across every program the dealer is in ("5 more BEVs"), with totals',
      params: codeParams,
      body: whatIfAllBodySchema,
      response: { 200: whatIfAllResultSchema, ...errors },
    }),
    handler: (req) =>
      whatIfAll.whatIfAll({ actor: actorOf(req), dealerCode: req.params.code, data: req.body }),
  });

  app.post('/programs/:code/claims', {
    ...guarded('claims:write', tags, {
      summary:
        'Submit claims (one, several, or a CSV with vin,sku,deliveryDate[,evidence]); each is pre-validated',
      params: codeParams,
      body: z.union([
        claimInputSchema,
        z.object({ claims: z.array(claimInputSchema).min(1).max(5000) }),
        z.object({ dealerCode: z.string().min(1).max(40), csv: z.string().min(1) }),
      ]),
      response: { 201: z.object({ items: z.array(claimSchema) }), ...errors },
    }),
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
      return created(reply, { items });
    },
  });

  app.get('/programs/:code/claims', {
    ...guarded('programs:read', tags, {
      summary: 'Claims of a program in your scope, with their checks',
      params: codeParams,
      response: { 200: z.object({ items: z.array(claimSchema) }), ...errors },
    }),
    handler: async (req) => ({
      items: await incentives.findClaims({ actor: actorOf(req), code: req.params.code }),
    }),
  });

  app.post('/claims/:id/decision', {
    ...guarded('claims:review', tags, {
      summary: 'Approve or reject a claim with a reason (OEM)',
      params: idParams,
      body: claimDecisionSchema,
      response: { 200: claimSchema, ...errors },
    }),
    handler: (req) =>
      incentives.decideClaim({
        actor: actorOf(req),
        id: req.params.id,
        decision: req.body.decision,
        reason: req.body.reason,
      }),
  });

  app.get('/disputes', {
    ...guarded('statements:read', tags, {
      summary: 'Disputes in your scope with their age',
      querystring: z.object({ status: z.enum(['open', 'adjusted', 'rejected']).optional() }),
      response: { 200: z.object({ items: z.array(disputeSchema) }), ...errors },
    }),
    handler: async (req) => ({
      items: await incentives.findDisputes({ actor: actorOf(req), status: req.query.status }),
    }),
  });

  app.post('/disputes', {
    ...guarded('disputes:write', tags, {
      summary: 'Dispute a statement line or a claim',
      body: disputeCreateSchema,
      response: { 201: disputeSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await incentives.createDispute({ actor: actorOf(req), data: req.body })),
  });

  app.get('/disputes/:id', {
    ...guarded('statements:read', tags, {
      summary: 'One dispute with its thread',
      params: idParams,
      response: { 200: disputeSchema, ...errors },
    }),
    handler: (req) => incentives.getDispute({ actor: actorOf(req), id: req.params.id }),
  });

  app.post('/disputes/:id/messages', {
    ...guarded('statements:read', tags, {
      summary:
        'Add a message to an open dispute (dealer: disputes:write; OEM: disputes:resolve, checked in the service)',
      params: idParams,
      body: disputeMessageCreateSchema,
      response: { 200: disputeSchema, ...errors },
    }),
    handler: (req) =>
      incentives.addDisputeMessage({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  app.post('/disputes/:id/resolve', {
    ...guarded('disputes:resolve', tags, {
      summary: 'Resolve with an adjustment line (credit/debit) or a reasoned rejection',
      params: idParams,
      body: disputeResolveSchema,
      response: { 200: disputeSchema, ...errors },
    }),
    handler: (req) =>
      incentives.resolveDispute({ actor: actorOf(req), id: req.params.id, data: req.body }),
  });

  app.get('/payouts', {
    ...guarded('payouts:manage', tags, {
      summary: 'Payout batches, newest first, with dealers, payments and totals per currency',
      querystring: payoutListQuery,
      response: { 200: page(payoutBatchSummarySchema), ...errors },
    }),
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
    ...guarded('payouts:manage', tags, {
      summary: 'Build a payout batch from approved statements',
      body: payoutCreateSchema,
      response: { 201: payoutBatchSchema, ...errors },
    }),
    handler: async (req, reply) =>
      created(reply, await incentives.createPayoutBatch({ actor: actorOf(req), data: req.body })),
  });

  app.get('/payouts/:code', {
    ...guarded('payouts:manage', tags, {
      summary: 'A payout batch (JSON export)',
      params: codeParams,
      response: { 200: payoutBatchSchema, ...errors },
    }),
    handler: (req) => incentives.getPayoutBatch({ actor: actorOf(req), code: req.params.code }),
  });

  app.get('/payouts/:code/export', {
    ...guarded('payouts:manage', tags, {
      summary: 'A payout batch as CSV for accounts payable',
      params: codeParams,
      produces: ['text/csv'],
      response: { 401: errorSchema, 403: errorSchema, 404: errorSchema },
    }),
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
    ...guarded('payouts:manage', tags, {
      summary: 'Mark a payout batch paid',
      params: codeParams,
      response: { 200: payoutBatchSchema, ...errors },
    }),
    handler: (req) => incentives.markBatchPaid({ actor: actorOf(req), code: req.params.code }),
  });
}
