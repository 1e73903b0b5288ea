/**
 * SQL of the corrections and the reconciliation (docs/incentives.md, "Late rows after
 * settlement"): closed periods with the feed position at their close, and the rows stored after.
 */
import type { Queryable } from '../../db/db';
import { createTransactionsRepository } from '../transactions/transactions.repository';

export type ClosedPeriod = { period: string; closedAt: string; lastFeedId: string };

/** A row stored after a close: its dealer, and for an unwind the sale it reverses (if known). */
export type LateRow = {
  id: string;
  dealerId: number;
  kind: string;
  externalId: string;
  originalTxId: string | null;
};

export function createCorrectionsRepository(db: Queryable) {
  return {
    /** Closing a period waits for the batches in flight and keeps new ones out until it commits. */
    async lockFeed(tx: Queryable) {
      await createTransactionsRepository(tx).lockIngest(tx, 'exclusive');
    },

    /**
     * A late sale paid by a correction line of an approved statement is a settled unit of the
     * window it belongs to: a later unwind naming it claws back exactly that line. A unit taken
     * back by an earlier correction (its VIN paid to another dealer, migration 0064) and paid
     * again by this one (the VIN freed) is settled again: the mark is cleared, the unit keeps its
     * first approval (the VIN rule orders payments by it, forecourt_vin_blocked).
     */
    async recordCorrectedUnits(input: {
      programId: number;
      dealerId: number;
      statementId: string;
      /** period → window label of the program's settlement periods */
      windows: Record<string, string>;
    }) {
      await db.query(
        `insert into settled_unit_benefits (program_id, transaction_id, dealer_id, statement_id, window_label, vin, external_id, quantity, amount)
         select $1, l.transaction_id, $2, $3, w.value, t.vin, t.external_id, l.quantity, l.amount
         from incentive_statement_lines l join transactions t on t.id = l.transaction_id and t.dealer_id = l.dealer_id
         join jsonb_each_text($4::jsonb) w on w.key = l.corrects_period
         where l.statement_id = $3 and l.dealer_id = $2 and l.kind = 'correction' and l.quantity > 0
         on conflict (program_id, transaction_id, dealer_id) do update set taken_back_by = null, taken_back_reason = null
         where settled_unit_benefits.taken_back_by is not null`,
        [input.programId, input.dealerId, input.statementId, JSON.stringify(input.windows)],
      );
    },

    /** The VINs of these feed rows (a correction line names the delivery it is about). */
    async findVins(ids: string[]): Promise<Map<string, string>> {
      const { rows } = await db.query<{ id: string; vin: string }>(
        `select id::text as id, vin from transactions where id = any($1::bigint[]) and vin is not null`,
        [ids],
      );
      return new Map(rows.map((r) => [r.id, r.vin]));
    },

    async findClosedPeriods(programId: number): Promise<Map<string, ClosedPeriod>> {
      const { rows } = await db.query<ClosedPeriod>(
        `select period, to_json(closed_at)#>>'{}' as "closedAt", coalesce(last_feed_id, 0)::text as "lastFeedId"
         from program_periods where program_id = $1`,
        [programId],
      );
      return new Map(rows.map((r) => [r.period, r]));
    },

    /**
     * The dealers (of `dealerIds`; null: any) with a delivery of the period (dated from `from` to
     * `to`, stored by `after`) whose VIN another dealer's row or confirmed flag stored in
     * (after, upTo] may free or block under "a VIN is paid once" (migration 0056).
     */
    async findVinTouchedDealers(spec: {
      dealerIds: number[] | null;
      after: string;
      upTo: string | null;
      from: string;
      to: string;
    }): Promise<number[]> {
      const { rows } = await db.query<{ id: number }>(
        `select d as id from forecourt_vin_touched_dealers($1::int[], $2::bigint, $3::bigint, $4::date, $5::date) d`,
        [spec.dealerIds, spec.after, spec.upTo, spec.from, spec.to],
      );
      return rows.map((r) => r.id);
    },

    /**
     * The settled (approved or paid) statements of these dealers in the program, by period, and
     * their correction lines for `correctsPeriod` that name a row (the reconciliation reads a
     * settled statement's corrections as they were paid, never recomputed).
     */
    async findSettledCorrections(programId: number, dealerIds: number[], correctsPeriod: string) {
      const { rows } = await db.query<{
        dealerId: number;
        period: string;
        transactionId: string | null;
        amount: string | null;
      }>(
        `select s.dealer_id as "dealerId", s.period, l.transaction_id::text as "transactionId",
                l.amount::text as amount
         from incentive_statements s
         left join incentive_statement_lines l
           on l.statement_id = s.id and l.dealer_id = s.dealer_id and l.kind = 'correction'
          and l.corrects_period = $3 and l.transaction_id is not null
         where s.program_id = $1 and s.dealer_id = any($2::int[]) and s.status in ('approved', 'paid')`,
        [programId, dealerIds, correctsPeriod],
      );
      return rows;
    },

    /**
     * Rows with an id in (after, upTo] (upTo null: no bound) of the given dealers (null: all),
     * dated up to `to` or negative (an unwind counts on its arrival when late).
     */
    async findLateRows(spec: {
      dealerIds: number[] | null;
      after: string;
      upTo: string | null;
      to: string;
    }): Promise<LateRow[]> {
      const { rows } = await db.query<LateRow>(
        `select t.id::text as id, t.dealer_id as "dealerId", t.kind, t.external_id as "externalId",
                (select s.id::text from transactions s
                  where s.dealer_id = t.dealer_id and s.kind <> 'unwind' and s.id <> t.id
                    and ((t.original_external_id is not null and s.source = t.source and s.external_id = t.original_external_id)
                      or (t.original_external_id is null and t.vin is not null and s.vin = t.vin))
                  order by s.id desc limit 1) as "originalTxId"
         from transactions t
         where t.id > $1::bigint and ($2::bigint is null or t.id <= $2::bigint)
           and ($3::int[] is null or t.dealer_id = any($3::int[]))
           and (t.occurred_on <= $4::date or t.kind = 'unwind' or t.quantity < 0)
         order by t.id`,
        [spec.after, spec.upTo, spec.dealerIds, spec.to],
      );
      return rows;
    },
  };
}

export type CorrectionsRepository = ReturnType<typeof createCorrectionsRepository>;
