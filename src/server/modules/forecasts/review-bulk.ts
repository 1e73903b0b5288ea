/**
 * Regional review in bulk (issue 13): "accept all in scope" — every pending dealer adjustment of
 * a cycle in the reviewer's scope (or of the dealers named) accepted in one transaction, with
 * the same edit records as accepting dealer by dealer.
 */
import { AppError, notFound } from '../../../shared/errors';
import { inWords } from '../../../shared/months';
import type { AcceptAllBody, AcceptAllResult } from '../../../shared/schemas/forecast-review';
import { scopeDealerIdSql, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { createForecastsRepository } from './forecasts.repository';

type Pending = {
  dealerId: number;
  dealerCode: string;
  dealerName: string;
  modelLineId: number;
  month: string;
  adjusted: number;
};

export function createBulkReview(deps: { db: Db }) {
  return {
    async acceptAll({
      actor,
      id,
      data,
    }: {
      actor: Actor;
      id: number;
      data: AcceptAllBody;
    }): Promise<AcceptAllResult> {
      return deps.db.transaction(async (tx) => {
        const repo = createForecastsRepository(tx);
        const cycle = await repo.findCycle(id, true);
        if (!cycle) throw notFound('Forecast cycle', String(id));
        const month = inWords(cycle.cycleMonth);
        if (cycle.status === 'locked' || cycle.status === 'published')
          throw new AppError(
            'CONFLICT',
            `The forecast of ${month} is ${cycle.status}; its consensus no longer changes`,
            { reason: 'cycle_locked', status: cycle.status },
          );
        if (cycle.status !== 'adjusting' && cycle.status !== 'review')
          throw new AppError(
            'CONFLICT',
            `The forecast of ${month} is ${cycle.status}: nothing to review yet`,
            { reason: 'not_in_review', status: cycle.status },
          );
        const params: unknown[] = [id];
        const where = [scopeDealerIdSql(actor.scope, 'fc.dealer_id', params)];
        if (data.dealers) {
          params.push(data.dealers);
          where.push(`d.code = any($${params.length}::text[])`);
          // a dealer named but not in scope (or unknown) is a 404 naming it, nothing accepted
          const named: unknown[] = [data.dealers];
          const inScope = scopeDealerIdSql(actor.scope, 'd.id', named);
          const { rows } = await tx.query<{ code: string }>(
            `select d.code from dealers d where d.code = any($1::text[]) and ${inScope}`,
            named,
          );
          const found = new Set(rows.map((r) => r.code));
          const missing = data.dealers.find((c) => !found.has(c));
          if (missing !== undefined) throw notFound('Dealer', missing);
        }
        const { rows } = await tx.query<Pending>(
          `select fc.dealer_id as "dealerId", d.code as "dealerCode", d.name as "dealerName",
                  fc.model_line_id as "modelLineId", to_char(fc.target_month, 'YYYY-MM') as month,
                  fc.adjusted
           from forecast_cells fc join dealers d on d.id = fc.dealer_id
           where fc.cycle_id = $1 and fc.adjusted is not null and fc.review_status = 'pending'
             and ${where.join(' and ')}
           order by d.code, fc.model_line_id, fc.target_month`,
          params,
        );
        const byDealer = new Map<number, Pending[]>();
        for (const r of rows) {
          const list = byDealer.get(r.dealerId);
          if (list) list.push(r);
          else byDealer.set(r.dealerId, [r]);
        }
        const label = `${actor.kind === 'user' ? 'user' : 'key'}:${actor.id}:${actor.name}`;
        const dealers: AcceptAllResult['dealers'] = [];
        for (const [dealerId, cells] of byDealer) {
          await repo.applyAccepts(
            id,
            dealerId,
            label,
            cells.map((c) => ({ modelLineId: c.modelLineId, month: c.month, value: c.adjusted })),
            data.comment ?? null,
          );
          dealers.push({
            code: cells[0]!.dealerCode,
            name: cells[0]!.dealerName,
            accepted: cells.length,
          });
        }
        return { accepted: rows.length, dealers };
      });
    },
  };
}
