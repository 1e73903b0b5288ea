/**
 * Dealer decisions on a published allocation run (issue 16): a dealer accepts or declines its
 * units within the window (accepted units become orders in the pipeline), and the OEM puts the
 * declined and expired units back into the pool, allocated by the same formula as a new round
 * recorded in the ledger.
 */
import { createHash } from 'node:crypto';
import { AppError, notFound } from '../../../shared/errors';
import type { Actor } from '../../auth/actor';
import { systemDb } from '../../db/scope';
import { compute, storedRound } from './allocation-compute';
import { insertResults, loadRun } from './allocation-run.repository';
import {
  actorLabel,
  addDays,
  requireOem,
  roundDocument,
  view,
  type AllocationDeps,
} from './allocation-runs.service';
import { createAvailabilityRepository } from './availability.repository';

export function createAllocationDecisionsService(deps: AllocationDeps) {
  const { db } = deps;
  const repo = createAvailabilityRepository();
  return {
    /** A dealer accepts part or all of its units per SKU; the rest is declined. */
    async decide({
      actor,
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: { dealerCode?: string; decisions: { sku: string; acceptedUnits: number }[] };
    }) {
      const dealerCode =
        data.dealerCode ??
        (actor.scope.kind === 'dealers' && actor.scope.dealerCodes.length === 1
          ? actor.scope.dealerCodes[0]!
          : null);
      if (!dealerCode)
        throw new AppError('VALIDATION_FAILED', 'Name the dealer (dealerCode)', {
          problems: [{ path: 'body.dealerCode', code: 'required', message: 'required' }],
        });
      const dealer = await deps.availability.dealerRef(actor, dealerCode);
      const run = await loadRun(db, code);
      if (run.status !== 'published') throw notFound('Allocation run', code);
      const today = deps.today();
      if (run.accept_until && today > run.accept_until)
        throw new AppError(
          'INVALID_TRANSITION',
          `The window to accept closed on ${run.accept_until}`,
        );
      await db.transaction(async (tx) => {
        for (const [i, d] of data.decisions.entries()) {
          const { rows } = await tx.query<{ sku_id: number; units: number; decision: string }>(
            `select x.sku_id, x.units, x.decision from allocation_results x join skus s on s.id = x.sku_id
             where x.run_id = $1 and x.round = $2 and x.dealer_id = $3 and s.code = $4`,
            [run.id, run.round, dealer.id, d.sku],
          );
          const row = rows[0];
          const path = `body.decisions.${i}`;
          if (!row || row.units === 0)
            throw new AppError(
              'VALIDATION_FAILED',
              `No units of ${d.sku} were allocated to ${dealerCode} in this round`,
              {
                problems: [
                  { path: `${path}.sku`, code: 'not_allocated', message: 'not allocated' },
                ],
              },
            );
          if (row.decision !== 'pending')
            throw new AppError('INVALID_TRANSITION', `${d.sku} was already ${row.decision}`);
          if (d.acceptedUnits > row.units)
            throw new AppError(
              'VALIDATION_FAILED',
              `At most ${row.units} units of ${d.sku} can be accepted`,
              {
                problems: [
                  {
                    path: `${path}.acceptedUnits`,
                    code: 'too_many',
                    message: `at most ${row.units}`,
                  },
                ],
              },
            );
          await tx.query(
            `update allocation_results set decision = $5, accepted_units = $6, decided_by = $7, decided_at = now()
             where run_id = $1 and round = $2 and dealer_id = $3 and sku_id = $4`,
            [
              run.id,
              run.round,
              dealer.id,
              row.sku_id,
              d.acceptedUnits > 0 ? 'accepted' : 'declined',
              d.acceptedUnits,
              actorLabel(actor),
            ],
          );
          // Accepted units become orders in the pipeline (an order number in the VIN column
          // until the plant assigns the vehicle's VIN).
          const vins: string[] = [];
          for (let n = 1; n <= d.acceptedUnits; n++) {
            const externalId = `${code}/${run.round}/${dealerCode}/${d.sku}/${n}`;
            const vin = `A${createHash('sha256').update(externalId).digest('hex').slice(0, 16).toUpperCase()}`;
            vins.push(vin);
            await tx.query(
              `insert into vehicle_events (dealer_id, vin, event, occurred_on, sku_id, order_type, options, source, external_id, batch_row)
               values ($1, $2, 'ordered', $3, $4, 'dealer', '{}', 'allocation', $5, $6) on conflict do nothing`,
              [dealer.id, vin, today, row.sku_id, externalId, n],
            );
          }
          if (vins.length) {
            await repo.refreshVehicles(
              tx,
              `dealer_id = ${dealer.id} and vin in (${vins.map((v) => `'${v}'`).join(',')})`,
            );
            await tx.query(
              'update vehicles set allocation_run_id = $1 where dealer_id = $2 and vin = any($3::text[])',
              [run.id, dealer.id, vins],
            );
          }
        }
      });
      return view(db, actor, await loadRun(db, code));
    },

    /**
     * Puts the declined units (and those left undecided past the window) back into the pool and
     * allocates them by the same formula, without the dealers that declined them; a new round
     * recorded in the ledger.
     */
    async reallocate({ actor, code }: { actor: Actor; code: string }) {
      requireOem(actor);
      await deps.availability.vehiclesCurrent(); // the formula reads the vehicles (see createRun)
      // as the system for the COPY of the new round's rows (see createRun); the actor is the OEM
      await systemDb(db).transaction(async (tx) => {
        // statements over the whole network that run once: no JIT compilation
        await tx.query('set local jit = off');
        const run = await loadRun(tx, code);
        if (run.status !== 'published')
          throw new AppError('INVALID_TRANSITION', 'Publish the run first');
        const today = deps.today();
        if (run.accept_until && today > run.accept_until)
          await tx.query(
            `update allocation_results set decision = 'expired', decided_at = now() where run_id = $1 and round = $2 and decision = 'pending' and units > 0`,
            [run.id, run.round],
          );
        const pool = await tx.query<{
          sku_id: number;
          sku: string;
          powertrain: string;
          units: number;
        }>(
          `select x.sku_id, s.code as sku, s.powertrain, sum(x.units - x.accepted_units)::int as units from allocation_results x join skus s on s.id = x.sku_id
           where x.run_id = $1 and x.decision in ('accepted', 'declined', 'expired') and not x.returned and x.units > x.accepted_units
           group by x.sku_id, s.code, s.powertrain order by s.code`,
          [run.id],
        );
        if (pool.rows.length === 0)
          throw new AppError('INVALID_TRANSITION', 'No declined units to re-allocate');
        const declined = await tx.query<{ dealer_id: number; sku_id: number }>(
          `select dealer_id, sku_id from allocation_results where run_id = $1 and decision in ('declined', 'expired', 'accepted') and units > accepted_units`,
          [run.id],
        );
        await tx.query(
          `update allocation_results set returned = true where run_id = $1 and decision in ('accepted', 'declined', 'expired') and units > accepted_units`,
          [run.id],
        );
        const round = run.round + 1;
        const items = pool.rows.map((p) => ({
          sku: p.sku,
          id: p.sku_id,
          units: p.units,
          isBev: p.powertrain === 'BEV',
        }));
        const computed = await compute(
          tx,
          deps.today(),
          run.model_line_id,
          items,
          run.formula,
          new Set(declined.rows.map((d) => `${d.dealer_id}/${d.sku_id}`)),
        );
        await insertResults(tx, storedRound(computed, run.id, round));
        const acceptUntil = addDays(today, run.formula.acceptWindowDays);
        await tx.query('update allocation_runs set round = $2, accept_until = $3 where id = $1', [
          run.id,
          round,
          acceptUntil,
        ]);
        await tx.query(
          'insert into allocation_rounds (run_id, round, supply, accept_until, published_by, document_format) values ($1, $2, $3, $4, $5, 2)',
          [
            run.id,
            round,
            JSON.stringify(items.map((i) => ({ sku: i.sku, units: i.units }))),
            acceptUntil,
            actorLabel(actor),
          ],
        );
        await deps.ledger.append(tx, {
          entityType: 'allocation_run',
          entityId: `${code}#${round}`,
          action: 'reallocated',
          payload: await roundDocument(tx, code, round),
          actor: actorLabel(actor),
        });
      });
      return view(db, actor, await loadRun(db, code));
    },
  };
}
