/**
 * The SQL of settling statements (issue 19): closing a period, storing and approving a
 * statement, its frozen lines and the units it settled. Snapshots: settlement.ts.
 */
import type { Queryable } from '../../db/db';
import { parentDealer } from '../../db/parent-dealer';
import type { StatementLineRow } from './statements.repository';

export function createSettlementWritesRepository(db: Queryable) {
  return {
    async isPeriodClosed(programId: number, period: string): Promise<boolean> {
      const { rows } = await db.query(
        'select 1 from program_periods where program_id = $1 and period = $2',
        [programId, period],
      );
      return rows.length > 0;
    },

    /**
     * The feed's position at the close: the last row stored, or a later confirmed integrity flag
     * (migration 0056: a chargeback frees its VINs for other dealers from there on).
     */
    async closePeriod(programId: number, period: string, by: string) {
      await db.query(
        `insert into program_periods (program_id, period, closed_by, last_feed_id)
         values ($1, $2, $3, forecourt_feed_position())`,
        [programId, period, by],
      );
    },

    async insertStatement(input: {
      programId: number;
      versionNo: number;
      dealerId: number;
      period: string;
      window: string;
      measureValue: string | null;
      tierReached: string | null;
      earned: string;
      previouslySettled: string;
      amountDue: string;
      currency: string;
      snapshot: unknown;
    }) {
      await db.query(
        `insert into incentive_statements (program_id, version_no, dealer_id, period, window_label, status, measure_value, tier_reached,
           earned, previously_settled, amount_due, currency, snapshot)
         values ($1, $2, $3, $4, $5, 'closed', $6, $7, $8, $9, $10, $11, $12)`,
        [
          input.programId,
          input.versionNo,
          input.dealerId,
          input.period,
          input.window,
          input.measureValue,
          input.tierReached,
          input.earned,
          input.previouslySettled,
          input.amountDue,
          input.currency,
          JSON.stringify(input.snapshot),
        ],
      );
    },

    /**
     * The approval takes a position in the feed (migration 0062: a value of the feed's id
     * sequence; the caller holds the ingest lock, shared, so a close is wholly before or after
     * it): a closed period counts the approvals positioned by its close, as it counts the rows.
     */
    async approveStatement(input: {
      id: string;
      by: string;
      earned: string;
      amountDue: string;
      snapshot: unknown;
    }) {
      await db.query(
        `update incentive_statements set status = 'approved', approved_by = $2, approved_at = now(), earned = $3, amount_due = $4, snapshot = $5,
           approved_position = nextval(pg_get_serial_sequence('transactions', 'id'))
         where id = $1`,
        [input.id, input.by, input.earned, input.amountDue, JSON.stringify(input.snapshot)],
      );
    },

    async insertLines(statementId: string, lines: StatementLineRow[]) {
      const chunk = 500;
      for (let i = 0; i < lines.length; i += chunk) {
        const part = lines.slice(i, i + chunk);
        await db.query(
          `insert into incentive_statement_lines (statement_id, dealer_id, line_no, kind, transaction_id, line_date, quantity, basis, rate, tier_from, parts, amount, explanation,
                  corrects_period, corrects_line_no, co2, correction_reason, corrects_transaction_id)
           select $1, ${parentDealer('incentive_statements', '$1')}, x.line_no, x.kind, x.transaction_id, x.line_date, x.quantity, x.basis, x.rate, x.tier_from, x.parts, x.amount, x.explanation,
                  x.corrects_period, x.corrects_line_no, x.co2, x.correction_reason, x.corrects_transaction_id
           from jsonb_to_recordset($2::jsonb) as x(line_no int, kind text, transaction_id bigint, line_date date, quantity int, basis text,
                rate text, tier_from text, parts jsonb, amount numeric, explanation text, corrects_period text, corrects_line_no int,
                co2 jsonb, correction_reason text, corrects_transaction_id bigint)`,
          [
            statementId,
            JSON.stringify(
              part.map((l, j) => ({
                line_no: i + j + 1,
                kind: l.kind,
                transaction_id: l.transactionId,
                line_date: l.date,
                quantity: l.quantity,
                basis: l.basis,
                rate: l.rate,
                tier_from: l.tierFrom,
                parts: l.parts,
                amount: l.amount,
                explanation: l.explanation,
                corrects_period: l.correctsPeriod ?? null,
                corrects_line_no: l.correctsLineNo ?? null,
                co2: l.co2 ?? null,
                correction_reason: l.correctionReason ?? null,
                corrects_transaction_id: l.correctsTransactionId ?? null,
              })),
            ),
          ],
        );
      }
    },

    /**
     * Records what was paid per unit (benefit lines) and marks clawed-back sales (and claims) and
     * the units a correction took back because another dealer's delivery or approval of the VIN
     * earns it (a correction paying a unit again: recordCorrectedUnits).
     */
    async recordSettledUnits(input: {
      programId: number;
      dealerId: number;
      statementId: string;
      window: string;
    }) {
      await db.query(
        `insert into settled_unit_benefits (program_id, transaction_id, dealer_id, statement_id, window_label, vin, external_id, quantity, amount)
         select $1, l.transaction_id, $2, $3, $4, t.vin, t.external_id, l.quantity, l.amount
         from incentive_statement_lines l join transactions t on t.id = l.transaction_id and t.dealer_id = l.dealer_id
         where l.statement_id = $3 and l.dealer_id = $2 and l.kind = 'benefit' and l.quantity > 0
         on conflict (program_id, transaction_id, dealer_id) do update set statement_id = excluded.statement_id, window_label = excluded.window_label,
           quantity = excluded.quantity, amount = excluded.amount, taken_back_by = null, taken_back_reason = null`,
        [input.programId, input.dealerId, input.statementId, input.window],
      );
      await db.query(
        `update settled_unit_benefits s set clawed_back_by = $3
         from incentive_statement_lines l join transactions u on u.id = l.transaction_id
         where l.statement_id = $3 and l.kind = 'clawback' and s.program_id = $1 and s.dealer_id = $2
           and s.clawed_back_by is null and s.window_label <> $4
           and (case when u.original_external_id is not null then s.external_id = u.original_external_id
                     else u.vin is not null and s.vin = u.vin end)`,
        [input.programId, input.dealerId, input.statementId, input.window],
      );
      // a unit another dealer's VIN took back by a correction line (migration 0064): its later
      // unwind takes nothing more
      await db.query(
        `update settled_unit_benefits s
           set taken_back_by = $3,
               taken_back_reason = case l.correction_reason when 'vin_paid_to_other_dealer' then 'paid_to_other_dealer'
                                                            else 'delivered_by_other_dealer' end
         from incentive_statement_lines l
         where l.statement_id = $3 and l.dealer_id = $2 and l.kind = 'correction' and l.amount < 0
           and l.correction_reason in ('vin_paid_to_other_dealer', 'vin_delivered_by_other_dealer')
           and s.program_id = $1 and s.dealer_id = $2 and s.transaction_id = l.corrects_transaction_id
           and s.clawed_back_by is null and s.taken_back_by is null`,
        [input.programId, input.dealerId, input.statementId],
      );
      // a claim paid by an adjustment (statements.repository.ts CLAIM_PAID_UNITS), clawed back here
      await db.query(
        `update incentive_adjustments a set clawed_back_by = $3
         from incentive_claims c, transactions s, incentive_statement_lines l, transactions u
         where a.program_id = $1 and a.dealer_id = $2 and a.claim_id is not null and a.amount > 0
           and a.clawed_back_by is null
           and c.id = a.claim_id and c.dealer_id = a.dealer_id
           and s.id = c.transaction_id and s.dealer_id = a.dealer_id
           and l.statement_id = $3 and l.dealer_id = $2 and l.kind = 'clawback'
           and u.id = l.transaction_id and u.dealer_id = l.dealer_id
           and (case when u.original_external_id is not null then s.external_id = u.original_external_id
                     else u.vin is not null and s.vin = u.vin end)`,
        [input.programId, input.dealerId, input.statementId],
      );
    },
  };
}
