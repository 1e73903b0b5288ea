/**
 * The SQL of the network's risk recalibration (risk-calibration.ts, migration 0046): the monthly
 * series it is fitted on, read from the feed's roll-up, and the stored maps.
 */
import { monthIndex } from '../../../shared/months';
import type { Queryable } from '../../db/db';
import type { BacktestSeries } from '../forecasts/backtest/input';
import type { CalibrationPoint, NetworkCalibrationFit } from './risk-calibration';

/** What the agreements count by default (0002: `counted_kinds`): net retail deliveries. */
const COUNTED_KINDS = ['retail_delivery', 'unwind'];
/** Model-line series per dealer: its best sellers (as the demo's agreements commit to). */
const LINES_PER_DEALER = 8;
/** Dealers read at most (a deterministic sample of a larger network: every k-th by id). */
const MAX_DEALERS = 400;

export type StoredCalibration = {
  id: number;
  fittedAt: string;
  throughMonth: string;
  terms: number;
  series: number;
  cases: number;
  points: CalibrationPoint[] | null;
};

export function createRiskCalibrationRepository(db: Queryable) {
  return {
    /**
     * Each dealer's monthly net retail units (total) and its best-selling model lines', from
     * `from` to `through` ('YYYY-MM', both included; months without sales 0, negative months 0).
     * The best sellers are chosen on the months before `selectBefore` only (the oldest term's
     * origin), so the choice never looks at the outcomes being backtested.
     */
    async networkSeries(from: string, through: string, selectBefore: string) {
      const { rows: dealers } = await db.query<{ id: number; code: string }>(
        `select id, code from dealers order by id`,
      );
      const stride = Math.max(1, Math.ceil(dealers.length / MAX_DEALERS));
      const sample = dealers.filter((_, i) => i % stride === 0);
      const { rows } = await db.query<{
        dealerId: number;
        line: string;
        month: number;
        units: number;
      }>(
        `select m.dealer_id as "dealerId", l.code as line,
           (extract(year from m.month)::int * 12 + extract(month from m.month)::int - 1) as month,
           sum(m.quantity)::int as units
         from monthly_actuals m join skus s on s.id = m.sku_id join model_lines l on l.id = s.model_line_id
         where m.dealer_id = any($1::int[]) and m.kind = any($2::text[])
           and m.month >= ($3 || '-01')::date and m.month <= ($4 || '-01')::date
         group by 1, 2, 3`,
        [sample.map((d) => d.id), COUNTED_KINDS, from, through],
      );
      const first = monthIndex(from);
      const length = monthIndex(through) - first + 1;
      const selection = monthIndex(selectBefore) - first;
      const byDealer = new Map<number, Map<string, number[]>>();
      for (const r of rows) {
        let lines = byDealer.get(r.dealerId);
        if (!lines) byDealer.set(r.dealerId, (lines = new Map()));
        let values = lines.get(r.line);
        if (!values) lines.set(r.line, (values = new Array<number>(length).fill(0)));
        values[r.month - first] = r.units;
      }
      const start = { year: Number(from.slice(0, 4)), month: Number(from.slice(5, 7)) };
      const series: BacktestSeries[] = [];
      for (const dealer of sample) {
        const lines = [...(byDealer.get(dealer.id) ?? new Map<string, number[]>())].map(
          ([line, values]) => ({ line, values: values.map((v) => Math.max(0, v)) }),
        );
        const total = Array.from({ length }, (_, t) => lines.reduce((s, l) => s + l.values[t]!, 0));
        if (total.every((v) => v === 0)) continue;
        series.push({ id: dealer.code, values: total, start });
        const early = (values: number[]) => values.slice(0, selection).reduce((s, v) => s + v, 0);
        lines
          .filter((l) => early(l.values) > 0)
          .sort((a, b) => early(b.values) - early(a.values) || a.line.localeCompare(b.line))
          .slice(0, LINES_PER_DEALER)
          .forEach((l) => series.push({ id: `${dealer.code}/${l.line}`, values: l.values, start }));
      }
      return series;
    },

    /** The first and last months with actuals ('YYYY-MM'), null without any. */
    async actualsSpan(): Promise<{ first: string; last: string } | null> {
      const { rows } = await db.query<{ first: string | null; last: string | null }>(
        `select to_char(min(month), 'YYYY-MM') as first, to_char(max(month), 'YYYY-MM') as last
         from monthly_actuals`,
      );
      const r = rows[0];
      return r?.first && r.last ? { first: r.first, last: r.last } : null;
    },

    async insert(fit: NetworkCalibrationFit, throughMonth: string): Promise<number> {
      const { rows } = await db.query<{ id: number }>(
        `insert into risk_calibrations (through_month, terms, series, cases, points, scores)
         values (($1 || '-01')::date, $2, $3, $4, $5::jsonb, $6::jsonb) returning id`,
        [
          throughMonth,
          fit.terms,
          fit.series,
          fit.cases,
          fit.points ? JSON.stringify(fit.points) : null,
          JSON.stringify(fit.scores),
        ],
      );
      return rows[0]!.id;
    },

    /** The latest run's id (the version the cache is keyed by), null before the first run. */
    async latestId(): Promise<number | null> {
      const { rows } = await db.query<{ id: number }>(
        `select id from risk_calibrations order by id desc limit 1`,
      );
      return rows[0]?.id ?? null;
    },

    async byId(id: number): Promise<StoredCalibration | null> {
      const { rows } = await db.query<StoredCalibration>(
        `select id, to_json(fitted_at)#>>'{}' as "fittedAt", to_char(through_month, 'YYYY-MM') as "throughMonth",
           terms, series, cases, points
         from risk_calibrations where id = $1`,
        [id],
      );
      return rows[0] ?? null;
    },
  };
}
