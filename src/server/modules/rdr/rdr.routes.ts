import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Problem } from '../../../shared/errors';
import { errorSchema } from '../../../shared/schemas/common';
import { rdrReportSchema, rdrResultSchema } from '../../../shared/schemas/rdr';
import { actorOf, guarded, typed } from '../../http/route';
import { readRdrXml } from './rdr-xml';

const XML_TYPES = ['application/xml', 'text/xml'];

export async function rdrRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const { rdr } = fastify.services;
  // XML says the same in about twice the bytes: twice the JSON body limit
  const xmlLimit = 2 * fastify.initialConfig.bodyLimit!;
  /** The structural problems of an XML report (element paths), kept for its handler. */
  const xmlProblems = new WeakMap<FastifyRequest, Problem[]>();

  // the STAR XML form is read into the JSON form here (rdr-xml.ts); its checks and ingest are the
  // JSON form's, with problems located by element path
  fastify.addContentTypeParser(
    XML_TYPES,
    { parseAs: 'string', bodyLimit: xmlLimit },
    (req, body, done) => {
      try {
        const { report, problems } = readRdrXml(body as string);
        xmlProblems.set(req, problems);
        done(null, report);
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  app.post('/rdr', {
    ...guarded('transactions:write', ['transactions'], {
      summary:
        'Retail delivery report (STAR-style RDR) in: each delivery becomes an actuals feed row with its details stored. All or nothing; idempotent per dealer on (source, dealNumber)',
      description:
        'JSON (application/json) or STAR XML (application/xml or text/xml: ProcessRetailDeliveryReporting, one RetailDeliveryReporting element per delivery, docs/integration.md). Each delivery: dealNumber, dealerCode, vin, sku, saleDate, deliveryDate, saleCategory (retail, fleet, lease, demonstrator, loaner, employee), buyer { type, postcode, state, country }, salespersonId, odometerKm, amounts { salePrice, currency }, and cancelsDealNumber for a cancellation. Problems carry the delivery row (from 1) and the field (XML: the element path, also in `path`). An XML document with a DOCTYPE or an undefined entity is refused (400). Conformance fixtures: fixtures/rdr/ in the repository.',
      consumes: ['application/json', ...XML_TYPES],
      body: rdrReportSchema,
      response: {
        200: rdrResultSchema,
        400: errorSchema,
        401: errorSchema,
        403: errorSchema,
        413: errorSchema,
        415: errorSchema,
      },
    }),
    handler: (req) =>
      rdr.ingestReport({
        actor: actorOf(req),
        report: req.body,
        xmlProblems: xmlProblems.get(req),
      }),
  });
}
