import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { errorResponses } from '../../../shared/schemas/common';
import {
  accrualJournalQuery,
  bankAccountInputSchema,
  bankAccountSchema,
  glAccountsInputSchema,
  glAccountsSchema,
  journalSchema,
  pain001Query,
  payoutJournalQuery,
} from '../../../shared/schemas/payments';
import { actorOf, guarded, typed } from '../../http/route';
import { sendCsv } from '../../http/csv-export';
import { journalCsv } from './journal';

const tags = ['payments'];
const codeParams = z.object({ code: z.string().min(1).max(40) });

export async function paymentsRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { payments } = fastify.services;

  app.get('/dealers/:code/bank-account', {
    ...guarded('statements:read', tags, {
      summary: "A dealer's bank account for payouts (masked unless you are OEM finance)",
      params: codeParams,
      response: { 200: bankAccountSchema, ...errorResponses },
    }),
    handler: (req) => payments.getBankAccount({ actor: actorOf(req), dealerCode: req.params.code }),
  });

  app.put('/dealers/:code/bank-account', {
    ...guarded('payouts:manage', tags, {
      summary:
        "Set a dealer's bank account (OEM finance): IBAN + BIC or US routing + account; recorded in the ledger and the audit log",
      params: codeParams,
      body: bankAccountInputSchema,
      response: { 200: bankAccountSchema, ...errorResponses },
    }),
    handler: (req) =>
      payments.updateBankAccount({
        actor: actorOf(req),
        dealerCode: req.params.code,
        data: req.body,
      }),
  });

  app.get('/settings/gl-accounts', {
    ...guarded('payouts:manage', tags, {
      summary: "The GL account mapping of the journals and the OEM's own account for pain.001",
      response: { 200: glAccountsSchema, ...errorResponses },
    }),
    handler: (req) => payments.getGlAccounts({ actor: actorOf(req) }),
  });

  app.put('/settings/gl-accounts', {
    ...guarded('payouts:manage', tags, {
      summary: 'Change the GL account mapping (OEM finance)',
      body: glAccountsInputSchema,
      response: { 200: glAccountsSchema, ...errorResponses },
    }),
    handler: (req) => payments.updateGlAccounts({ actor: actorOf(req), data: req.body }),
  });

  app.get('/payouts/:code/pain001', {
    ...guarded('payouts:manage', tags, {
      summary:
        'A payout batch as an ISO 20022 pain.001.001.09 credit transfer file (one payment per dealer, structured remittance)',
      description:
        'A dealer without bank details makes it 409 with the list (details.dealers), and so does a dealer whose bank account is in another currency than its payout (details.dealers with both currencies). A file carries one currency: a batch holding several is 409 (details.currencies) unless ?currency= names the one to draw. Dealers whose statements in the batch net to zero or less are left out and named in the x-pain001-excluded header.',
      params: codeParams,
      querystring: pain001Query,
      produces: ['application/xml'],
      response: errorResponses,
    }),
    handler: async (req, reply) => {
      const { xml, excluded } = await payments.getPain001({
        actor: actorOf(req),
        code: req.params.code,
        currency: req.query.currency,
      });
      reply.header('content-type', 'application/xml; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="${req.params.code}.pain001.xml"`);
      if (excluded.length > 0) reply.header('x-pain001-excluded', excluded.join(','));
      return reply.send(xml as never);
    },
  });

  app.get('/payouts/:code/journal', {
    ...guarded('payouts:manage', tags, {
      summary: 'The GL journal of a paid payout batch: debit accrued liability, credit clearing',
      params: codeParams,
      querystring: payoutJournalQuery,
      produces: ['application/json', 'text/csv'],
      response: { 200: journalSchema, ...errorResponses },
    }),
    handler: async (req, reply) => {
      const journal = await payments.getPayoutJournal({
        actor: actorOf(req),
        code: req.params.code,
      });
      if (req.query.format === 'csv') {
        return sendCsv(reply, `${journal.journalId}.csv`, journalCsv(journal));
      }
      return journal;
    },
  });

  app.get('/programs/:code/accrual-journal', {
    ...guarded('payouts:manage', tags, {
      summary:
        "A program's monthly accrual journal: the prior month's accrual reversed, this month's posted (debit expense, credit accrued liability) per cost centre",
      params: codeParams,
      querystring: accrualJournalQuery,
      produces: ['application/json', 'text/csv'],
      response: { 200: journalSchema, ...errorResponses },
    }),
    handler: async (req, reply) => {
      const journal = await payments.getAccrualJournal({
        actor: actorOf(req),
        code: req.params.code,
        month: req.query.month,
      });
      if (req.query.format === 'csv') {
        return sendCsv(reply, `${journal.journalId}.csv`, journalCsv(journal));
      }
      return journal;
    },
  });
}
