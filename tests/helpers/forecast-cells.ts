/** Forecast cycles written straight into the tables, for tests that need known numbers. */
import type { TestApp } from './test-app';

/**
 * One cycle (October to December 2026), Aura only, half of it BEV in both regions. Monthly
 * baselines: Alpha 8 (4 BEV → 12 a quarter: tier 10), Bravo 4 (6: tier 5), Charlie 2 (3: none).
 * `spread` is the half-width of each cell's 80 % interval.
 */
export async function seedForecast(
  t: TestApp,
  spread: number,
  month = '2026-10-01',
  status = 'adjusting',
  adjustUntil = month,
) {
  await t.db.query(
    `insert into forecast_cycles (cycle_month, status, horizon, history_months, adjust_until, baseline_at)
     values ($1::date, $2, 3, 24, $3::date, now())`,
    [month, status, adjustUntil],
  );
  await t.db.query(
    `insert into forecast_sku_mix (cycle_id, region_id, sku_id, share)
     select c.id, r.id, s.id, 0.5 from forecast_cycles c, regions r, skus s
     where c.cycle_month = $1::date and r.code in ('US-W', 'US-E') and s.code in ('AURA-LX-ICE', 'AURA-EX-BEV')`,
    [month],
  );
  await t.db.query(
    `insert into forecast_cells (cycle_id, dealer_id, model_line_id, target_month, region_id, horizon,
       baseline, lower80, upper80, lower95, upper95, method, spreadsheet, mase_scale)
     select c.id, d.id, m.id, (c.cycle_month + make_interval(months => h - 1))::date, d.region_id, h,
            v.b, greatest(0, v.b - $2), v.b + $2, greatest(0, v.b - 2 * $2), v.b + 2 * $2, 'ets', v.b, 1
     from forecast_cycles c, model_lines m, generate_series(1, 3) h,
          (values ('DLR-ALPHA', 8), ('DLR-BRAVO', 4), ('DLR-CHARLIE', 2)) v(code, b)
          join dealers d on d.code = v.code
     where c.cycle_month = $1::date and m.code = 'ML-AURA'`,
    [month, spread],
  );
}
