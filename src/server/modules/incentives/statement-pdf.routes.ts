import type { FastifyInstance } from 'fastify';
import { readErrorResponses } from '../../../shared/schemas/common';
import { periodQuery, statementParams } from '../../../shared/schemas/incentives';
import { actorOf, guarded, typed } from '../../http/route';
import { renderStatementPdf } from './statement-pdf';

/** GET /programs/{code}/statements/{dealerCode}/pdf: the printable statement (same access as the JSON). */
export async function statementPdfRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { incentives } = fastify.services;

  app.get('/programs/:code/statements/:dealerCode/pdf', {
    ...guarded('statements:read', ['incentives'], {
      summary: 'One dealer statement as a printable PDF',
      params: statementParams,
      querystring: periodQuery,
      produces: ['application/pdf'],
      response: readErrorResponses,
    }),
    handler: async (req, reply) => {
      const actor = actorOf(req);
      // The statement checks the dealer against the actor's scope (404 outside it).
      const statement = await incentives.getStatement({ actor, ...req.params, ...req.query });
      const program = await incentives.getProgram({ actor, code: req.params.code });
      const name = program.definition.name;
      const pdf = await renderStatementPdf(statement, {
        programName: typeof name === 'string' ? name : statement.programCode,
        generatedAt: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
      });
      const file = `statement-${statement.programCode}-${statement.dealerCode}-${statement.period}.pdf`;
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `inline; filename="${file.replace(/[^\w.-]/g, '_')}"`)
        .header('cache-control', 'private, no-store')
        .send(pdf as never);
    },
  });
}
