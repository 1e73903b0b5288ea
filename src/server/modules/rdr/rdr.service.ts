/**
 * The retail delivery report (STAR-style RDR) in: a dealer management system reports its
 * deliveries with the fields the actuals feed does not carry (sale and delivery dates, sale
 * category, buyer type and place, salesperson, odometer). Each delivery becomes one feed row
 * through the feed's own ingest (all or nothing, idempotent per dealer on source + deal number,
 * row-located problems) and its details are stored in `rdr_sales` in the same transaction.
 */
import { AppError, type Problem } from '../../../shared/errors';
import {
  rdrDeliverySchema,
  type RdrDelivery,
  type RdrReport,
  type RdrResult,
} from '../../../shared/schemas/rdr';
import { requirePermission, type Actor } from '../../auth/actor';
import type { TransactionsService } from '../transactions/transactions.service';
import { locateInXml } from './rdr-xml';
import { createRdrRepository } from './rdr.repository';

/** The feed's field names as the report names them (problems speak the sender's language). */
const REPORT_FIELD: Record<string, string> = {
  occurredOn: 'deliveryDate',
  externalId: 'dealNumber',
  amount: 'amounts.salePrice',
  currency: 'amounts.currency',
  originalExternalId: 'cancelsDealNumber',
  kind: 'cancelsDealNumber',
  quantity: 'cancelsDealNumber',
};

const MAX_LISTED_PROBLEMS = 1000;

/** The feed row of a delivery. */
export function toFeedRow(source: string, d: RdrDelivery): Record<string, unknown> {
  const isCancellation = d.cancelsDealNumber !== undefined;
  const amount = d.amounts.salePrice.replace(/^-/, '');
  return {
    kind: isCancellation ? 'unwind' : 'retail_delivery',
    dealerCode: d.dealerCode,
    sku: d.sku,
    vin: d.vin,
    quantity: isCancellation ? -1 : 1,
    amount: isCancellation && !/^0*(\.0*)?$/.test(amount) ? `-${amount}` : amount,
    currency: d.amounts.currency,
    occurredOn: d.deliveryDate,
    source,
    externalId: d.dealNumber,
    ...(isCancellation ? { originalExternalId: d.cancelsDealNumber } : {}),
  };
}

/** Checks each delivery; returns the valid ones or the problems (row from 1, field path). */
export function checkDeliveries(deliveries: readonly unknown[]): {
  valid: RdrDelivery[];
  problems: Problem[];
} {
  const valid: RdrDelivery[] = [];
  const problems: Problem[] = [];
  deliveries.forEach((raw, i) => {
    const row = i + 1;
    const parsed = rdrDeliverySchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        problems.push({
          row,
          field: [...issue.path, ...keys.slice(0, 1)].join('.') || '(row)',
          code:
            issue.code === 'unrecognized_keys'
              ? 'unknown_field'
              : issue.code === 'custom'
                ? 'invalid_value'
                : issue.code,
          message: issue.message,
        });
      }
      return;
    }
    const d = parsed.data;
    if (d.deliveryDate < d.saleDate) {
      problems.push({
        row,
        field: 'deliveryDate',
        code: 'delivery_before_sale',
        message: `the delivery (${d.deliveryDate}) cannot come before the sale (${d.saleDate})`,
      });
      return;
    }
    if (d.cancelsDealNumber === d.dealNumber) {
      problems.push({
        row,
        field: 'cancelsDealNumber',
        code: 'cancels_itself',
        message: 'a cancellation has its own deal number and names the delivery it cancels',
      });
      return;
    }
    valid.push(d);
  });
  return { valid, problems };
}

export function createRdrService(deps: { transactions: TransactionsService }) {
  const repo = createRdrRepository();
  return {
    /** Ingests one report: every delivery or none (see the module comment). */
    async ingestReport({
      actor,
      report,
      xmlProblems,
    }: {
      actor: Actor;
      report: RdrReport;
      /** an XML report: its structural problems; every problem is then located by element path */
      xmlProblems?: Problem[];
    }): Promise<RdrResult> {
      requirePermission(actor, 'transactions:write');
      const isXml = xmlProblems !== undefined;
      const checked = checkDeliveries(report.deliveries);
      const { valid } = checked;
      const problems = isXml
        ? [...xmlProblems, ...checked.problems.map(locateInXml)].sort(
            (a, b) => (a.row ?? 0) - (b.row ?? 0),
          )
        : checked.problems;
      if (problems.length > 0) {
        throw new AppError(
          'VALIDATION_FAILED',
          `The report was rejected: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${report.deliveries.length} deliveries; nothing was written`,
          {
            problems: problems.slice(0, MAX_LISTED_PROBLEMS),
            problemCount: problems.length,
            rowCount: report.deliveries.length,
          },
        );
      }
      let detailsStored = 0;
      try {
        const result = await deps.transactions.ingest({
          actor,
          format: 'json',
          body: (async function* () {
            for (const [i, d] of valid.entries())
              yield { row: i + 1, value: toFeedRow(report.source, d) };
          })(),
          byteLimit: Infinity,
          beforeCommit: async (tx) => {
            detailsStored = await repo.insertDetails(tx, report.source, valid);
          },
        });
        return { ...result, detailsStored };
      } catch (error) {
        // the feed's problems, in the report's field names
        if (error instanceof AppError && Array.isArray(error.details.problems)) {
          error.details.problems = error.details.problems.map((p) => {
            const named =
              p.field && REPORT_FIELD[p.field] ? { ...p, field: REPORT_FIELD[p.field] } : p;
            return isXml ? locateInXml(named) : named;
          });
          error.message = error.message.replace(
            'The batch was rejected',
            'The report was rejected',
          );
        }
        throw error;
      }
    },
  };
}

export type RdrService = ReturnType<typeof createRdrService>;
