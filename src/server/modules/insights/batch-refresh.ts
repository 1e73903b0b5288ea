/**
 * The risk refresh of each ingested batch's dealers, once per batch across API processes (issue 18
 * §2). Every process hears `transactions.ingested` (events.ts: LISTEN/NOTIFY); each tries to claim
 * the batch with one UPDATE on `ingest_batches` (migration 0034) and only the process that claimed
 * it refreshes. The outcome is recorded on the batch: `risk_refreshed_at`, or the failure's message
 * in `risk_refresh_error`. A sweep (at start and every minute) takes the batches whose event was
 * missed (NOTIFY keeps nothing while a process's LISTEN is down), whose refresh failed (up to three
 * attempts) or whose claimant stopped (a claim older than five minutes).
 */
import type { Db } from '../../db/db';
import { runAsSystem } from '../../db/scope';
import type { EventBus } from '../../events';

const MAX_ATTEMPTS = 3;
const CLAIM_LEASE = `interval '5 minutes'`;
const SWEEP_EVERY_MS = 60_000;

/** A batch's refresh as recorded: done, failed (with why), or still to do. */
export type BatchRiskRefresh = {
  refreshedAt: string | null;
  attempts: number;
  error: string | null;
};

export function createBatchRiskRefresh(deps: {
  db: Db;
  events: EventBus;
  refresh: (dealerIds: number[]) => Promise<unknown>;
  /** where a failure is told besides the batch's row (a warning by default) */
  onError?: (batchId: number, error: Error) => void;
}) {
  const onError =
    deps.onError ??
    ((batchId: number, error: Error) =>
      process.emitWarning(`insights refresh after batch ${batchId} failed: ${error.message}`));

  /** Claims the batch for this process: its dealers, or null when another has it or it is done. */
  async function claim(batchId: number): Promise<number[] | null> {
    const { rows } = await deps.db.query<{ dealerIds: number[] | null }>(
      `update ingest_batches
          set risk_refresh_claimed_at = now(), risk_refresh_attempts = risk_refresh_attempts + 1
        where id = $1 and risk_refreshed_at is null and rolled_up_at is not null
          and risk_refresh_attempts < ${MAX_ATTEMPTS}
          and (risk_refresh_claimed_at is null or risk_refresh_claimed_at < now() - ${CLAIM_LEASE})
        returning dealer_ids as "dealerIds"`,
      [batchId],
    );
    return rows[0] ? (rows[0].dealerIds ?? []) : null;
  }

  /** Refreshes one batch's dealers if this process claims it; records the outcome. */
  async function run(batchId: number): Promise<void> {
    await runAsSystem(async () => {
      const dealerIds = await claim(batchId);
      if (dealerIds === null) return;
      try {
        if (dealerIds.length > 0) await deps.refresh(dealerIds);
        await deps.db.query(
          `update ingest_batches set risk_refreshed_at = now(), risk_refresh_error = null where id = $1`,
          [batchId],
        );
      } catch (error) {
        const message = (error as Error).message;
        // released, so the sweep tries again (up to MAX_ATTEMPTS)
        await deps.db
          .query(
            `update ingest_batches set risk_refresh_error = $2, risk_refresh_claimed_at = null where id = $1`,
            [batchId, message.slice(0, 2000)],
          )
          .catch(() => undefined);
        onError(batchId, error as Error);
      }
    });
  }

  /** The batches left to refresh (events missed, failures to retry, claims run out), in order. */
  async function sweep(): Promise<void> {
    const { rows } = await runAsSystem(() =>
      deps.db.query<{ id: number }>(
        `select id from ingest_batches
          where risk_refreshed_at is null and rolled_up_at is not null
            and risk_refresh_attempts < ${MAX_ATTEMPTS}
            and (risk_refresh_claimed_at is null or risk_refresh_claimed_at < now() - ${CLAIM_LEASE})
          order by id limit 100`,
      ),
    );
    for (const { id } of rows) await run(id);
  }

  return {
    run,
    sweep,

    /** The recorded outcome of a batch's refresh (tests, operators). */
    async status(batchId: number): Promise<BatchRiskRefresh | null> {
      const { rows } = await runAsSystem(() =>
        deps.db.query<BatchRiskRefresh>(
          `select to_json(risk_refreshed_at)#>>'{}' as "refreshedAt", risk_refresh_attempts as attempts,
                  risk_refresh_error as error
             from ingest_batches where id = $1`,
          [batchId],
        ),
      );
      return rows[0] ?? null;
    },

    /**
     * Refreshes the dealers of each batch from now on; resolves once events reach this process
     * (so a batch ingested after it resolves is heard), with the stop function.
     */
    async listen(): Promise<() => void> {
      const inFlight = new Set<Promise<void>>();
      const track = (work: Promise<void>) => {
        const p = work.catch((error: unknown) => onError(0, error as Error));
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
      };
      const off = deps.events.on('transactions.ingested', ({ batchId }) => track(run(batchId)));
      await deps.events.ready();
      let sweeping: Promise<void> | null = null;
      const sweepOnce = () => {
        sweeping ??= sweep().finally(() => (sweeping = null));
        track(sweeping);
      };
      sweepOnce();
      const timer = setInterval(sweepOnce, SWEEP_EVERY_MS);
      timer.unref();
      return () => {
        off();
        clearInterval(timer);
      };
    },
  };
}
