/** The SQL of integrity flags: the feed and claims in the look-back, stored flags and decisions. */
import { scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { createTransactionsRepository } from '../transactions/transactions.repository';
import type { ClaimRow, FeedRow, IntegrityFlag } from './integrity';
import type { RdrRow } from './integrity-rdr';

export type FlagRow = {
  id: number;
  dealerCode: string;
  dealerName: string;
  kind: IntegrityFlag['kind'];
  on: string;
  summary: string;
  evidence: Record<string, unknown>;
  amountAtStake: string;
  status: 'open' | 'dismissed' | 'confirmed';
  reason: string | null;
  /** The chargeback lines posted on confirmation (program, period, amount). */
  chargebacks: { programCode: string; period: string; amount: string; explanation: string }[];
  decidedBy: string | null;
  decidedAt: string | null;
  detectedAt: string;
};

const FLAG_SELECT = `select f.id, d.code as "dealerCode", d.name as "dealerName", f.kind, to_char(f.on_date, 'YYYY-MM-DD') as "on",
  f.summary, f.evidence, f.amount_at_stake::text as "amountAtStake", f.status, f.reason, f.decided_by as "decidedBy",
  to_json(f.decided_at)#>>'{}' as "decidedAt", to_json(f.detected_at)#>>'{}' as "detectedAt",
  coalesce((select json_agg(json_build_object('programCode', p.code, 'period', a.period, 'amount', a.amount::numeric(18, 2)::text,
     'explanation', a.explanation) order by p.code, a.period)
   from incentive_adjustments a join programs p on p.id = a.program_id where a.integrity_flag_id = f.id and a.dealer_id = f.dealer_id), '[]'::json) as chargebacks
  from integrity_flags f join dealers d on d.id = f.dealer_id`;

export function createIntegrityRepository(db: Queryable) {
  return {
    async lookbackMonths(): Promise<number> {
      const { rows } = await db.query<{ months: number }>(
        `select audit_lookback_months as months from settings`,
      );
      return rows[0]?.months ?? 12;
    },

    async setLookbackMonths(months: number): Promise<void> {
      await db.query(`update settings set audit_lookback_months = $1, updated_at = now()`, [
        months,
      ]);
    },

    /** Deliveries and unwinds since `from` (YYYY-MM-DD), with dealer codes. */
    async feed(from: string): Promise<FeedRow[]> {
      const { rows } = await db.query<FeedRow>(
        `select d.code as dealer, t.kind, t.vin, t.quantity, t.amount::text as amount, to_char(t.occurred_on, 'YYYY-MM-DD') as "occurredOn"
         from transactions t join dealers d on d.id = t.dealer_id
         where t.kind in ('retail_delivery', 'unwind') and t.occurred_on >= $1::date`,
        [from],
      );
      return rows;
    },

    async dealerId(code: string): Promise<number> {
      const { rows } = await db.query<{ id: number }>(`select id from dealers where code = $1`, [
        code,
      ]);
      return rows[0]!.id;
    },

    async fiscalYearStartMonth(): Promise<number> {
      const { rows } = await db.query<{ m: number }>(
        `select fiscal_year_start_month as m from settings`,
      );
      return rows[0]?.m ?? 1;
    },

    /**
     * The report's deliveries since `from` that a pattern may concern (not to an individual's
     * plain retail purchase): to the dealer, employees, demonstrators, loaners, a high mileage.
     */
    async rdr(from: string): Promise<RdrRow[]> {
      const { rows } = await db.query<RdrRow>(
        `select d.code as dealer, t.vin, to_char(t.occurred_on, 'YYYY-MM-DD') as "occurredOn", t.amount::text as amount,
           r.sale_category as "saleCategory", r.buyer_type as "buyerType", r.odometer_km as "odometerKm"
         from rdr_sales r
         join transactions t on t.dealer_id = r.dealer_id and t.source = r.source and t.external_id = r.external_id
         join dealers d on d.id = r.dealer_id
         where t.kind = 'retail_delivery' and t.occurred_on >= $1::date
           and (r.sale_category in ('employee', 'demonstrator', 'loaner') or r.buyer_type = 'dealer' or r.odometer_km >= 1000)`,
        [from],
      );
      return rows;
    },

    /** Claims (not invalid or rejected) since `from`, and every delivery of their VINs (any date). */
    async claims(from: string): Promise<{ claims: ClaimRow[]; deliveries: FeedRow[] }> {
      const { rows: claims } = await db.query<ClaimRow>(
        `select c.id::int as id, d.code as dealer, c.vin, p.code as program, to_char(c.delivered_on, 'YYYY-MM-DD') as "deliveredOn"
         from incentive_claims c join dealers d on d.id = c.dealer_id join programs p on p.id = c.program_id
         where c.status in ('validated', 'approved') and c.delivered_on >= $1::date`,
        [from],
      );
      if (claims.length === 0) return { claims, deliveries: [] };
      const { rows: deliveries } = await db.query<FeedRow>(
        `select d.code as dealer, t.kind, t.vin, t.quantity, t.amount::text as amount, to_char(t.occurred_on, 'YYYY-MM-DD') as "occurredOn"
         from transactions t join dealers d on d.id = t.dealer_id
         where t.kind = 'retail_delivery' and t.vin = any($1::text[])`,
        [[...new Set(claims.map((c) => c.vin))]],
      );
      return { claims, deliveries };
    },

    /** Unit thresholds of the published monthly volume programs' tiers. */
    async tierThresholds(): Promise<number[]> {
      const { rows } = await db.query<{ from: string }>(
        `select distinct t->>'from' as "from" from program_versions v join programs p on p.id = v.program_id,
           jsonb_array_elements(v.definition->'tiers') t
         where v.status = 'published' and p.status = 'published' and v.definition->>'measure' = 'units'`,
      );
      return rows
        .map((r) => Number(r.from))
        .filter((n) => Number.isFinite(n) && n > 0)
        .sort((a, b) => a - b);
    },

    /** Inserts new findings and refreshes open ones; decided flags keep their decision. */
    async upsertFlags(flags: IntegrityFlag[]): Promise<{ inserted: number }> {
      if (flags.length === 0) return { inserted: 0 };
      const { rows } = await db.query<{ inserted: boolean }>(
        `insert into integrity_flags (dealer_id, kind, key, on_date, summary, evidence, amount_at_stake)
         select d.id, x.kind, x.key, x.on::date, x.summary, x.evidence, x."amountAtStake"::numeric
         from jsonb_to_recordset($1::jsonb) as x(dealer text, kind text, key text, "on" text, summary text, evidence jsonb, "amountAtStake" text)
         join dealers d on d.code = x.dealer
         on conflict (key, dealer_id) do update set summary = excluded.summary, evidence = excluded.evidence,
           amount_at_stake = excluded.amount_at_stake, on_date = excluded.on_date, updated_at = now()
           where integrity_flags.status = 'open'
         returning (xmax = 0) as inserted`,
        [JSON.stringify(flags)],
      );
      return { inserted: rows.filter((r) => r.inserted).length };
    },

    async list(
      scope: Scope,
      options: { status?: string; from: string; id?: number },
    ): Promise<FlagRow[]> {
      const params: unknown[] = [options.from];
      const where = [`f.on_date >= $1::date`, scopeSql(scope, 'd', params)];
      if (options.status) {
        params.push(options.status);
        where.push(`f.status = $${params.length}`);
      }
      if (options.id !== undefined) {
        params.push(options.id);
        where.push(`f.id = $${params.length}`);
      }
      const { rows } = await db.query<FlagRow>(
        `${FLAG_SELECT} where ${where.join(' and ')} order by (f.status = 'open') desc, f.amount_at_stake desc, f.id limit 500`,
        params,
      );
      return rows;
    },

    /**
     * A confirmed flag's place in the VIN-once rule (migration 0056): its VINs and a position in
     * the feed (a value of the feed's id sequence), taken under the ingest lock (shared) so that
     * a period's close (exclusive) is wholly before or after it. From there on the dealer's
     * deliveries of those VINs stored before it no longer block another dealer's delivery.
     */
    async markChargedBack(tx: Queryable, id: number, vins: string[]): Promise<void> {
      await createTransactionsRepository(tx).lockIngest(tx, 'shared');
      await tx.query(
        `update integrity_flags set charged_vins = $2::text[],
           feed_position = nextval(pg_get_serial_sequence('transactions', 'id'))
         where id = $1`,
        [id, vins],
      );
    },

    /** Decides an open flag in scope; false when it is not open (or not visible). */
    async decide(
      scope: Scope,
      id: number,
      status: 'dismissed' | 'confirmed',
      reason: string | null,
      by: string,
    ): Promise<boolean> {
      const params: unknown[] = [id, status, reason, by];
      const { rows } = await db.query(
        `update integrity_flags f set status = $2, reason = $3, decided_by = $4, decided_at = now(), updated_at = now()
         from dealers d where d.id = f.dealer_id and f.id = $1 and f.status = 'open' and ${scopeSql(scope, 'd', params)}
         returning f.id`,
        params,
      );
      return rows.length > 0;
    },
  };
}
