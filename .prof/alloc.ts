import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { parseEnv } from '../src/server/env';
import { createServices } from '../src/server/services';
import { createBenchDatabase } from '../bench/lib';
const TODAY = '2026-11-20';
const dealers = Number(process.argv[2] ?? 1000), skus = 160;
const bench = await createBenchDatabase('postgres');
const inner = bench.db;
const times: Record<string, number> = {};
const wrap = (q: any) => async (sql: string, params?: unknown[]) => { const t = performance.now(); try { return await q(sql, params); } finally { const k = sql.replace(/\s+/g, ' ').slice(0, 90); times[k] = (times[k] ?? 0) + performance.now() - t; } };
const origQuery = inner.query.bind(inner); (inner as any).query = wrap(origQuery);
const origTx = inner.transaction.bind(inner);
(inner as any).transaction = (fn: any) => origTx((tx: any) => { const q = tx.query.bind(tx); tx.query = wrap(q); return fn(tx); });
const services = createServices({ db: inner, env: parseEnv({ NODE_ENV: 'test' }), today: () => TODAY });
const db = services.db;
await db.exec(`
    insert into regions (code, name, parent_id, path) values ('BR', 'Bench', null, '/BR/');
    insert into dealers (code, name, region_id, state_province, country)
      select 'B' || lpad(g::text, 5, '0'), 'Bench dealer ' || g, (select id from regions where code = 'BR'), 'TX', 'US'
      from generate_series(1, ${dealers}) g;
    insert into dealer_allocation_profiles (dealer_id, is_ev_certified, tier)
      select id, id % 3 <> 0, (array['standard', 'plus', 'premier'])[1 + id % 3] from dealers;
    insert into model_lines (code, name, segment) values ('BML', 'Bench line', 'suv');
    insert into skus (code, model_line_id, name, trim, powertrain, segment, msrp, co2_g_per_km, launch_date)
      select 'BSKU-' || g, (select id from model_lines where code = 'BML'), 'Bench ' || g, 'T' || g,
        case when g % 4 = 0 then 'BEV' else 'ICE' end, 'suv', 40000, 120, '2024-01-01'
      from generate_series(1, ${skus}) g;
    insert into transactions (kind, dealer_id, sku_id, quantity, amount, currency, occurred_on, source, external_id)
      select 'retail_delivery', d.id, (select min(id) from skus) + (d.id * 7 + g) % ${skus}, 1, 40000, 'USD',
        date '${TODAY}' - ((d.id * 13 + g * 5) % 85), 'bench', 'S-' || d.id || '-' || g
      from dealers d cross join generate_series(1, 1 + (abs(hashtext(d.code)) % 12)) g;
  `);
await db.query('vacuum analyze');
const supply = Array.from({ length: skus }, (_, i) => ({ sku: `BSKU-${i + 1}`, units: 50 + ((i * 37) % 400) }));
for (const k of Object.keys(times)) delete times[k];
let t = performance.now();
await services.allocation.whatIf({ actor: SYSTEM_ACTOR, data: { month: '2026-11', modelLine: 'BML', supply } });
console.log('whatIf', (performance.now() - t).toFixed(0));
for (const [k, v] of Object.entries(times).sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(v.toFixed(0).padStart(7), k);
for (const k of Object.keys(times)) delete times[k];
t = performance.now();
await services.allocation.createRun({ actor: SYSTEM_ACTOR, data: { month: '2026-11', modelLine: 'BML', supply } });
console.log('createRun', (performance.now() - t).toFixed(0));
for (const [k, v] of Object.entries(times).sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(v.toFixed(0).padStart(7), k);
t = performance.now();
await db.transaction(async (tx) => { await tx.query(`insert into allocation_results (run_id, round, dealer_id, sku_id, formula_units, units, inputs, explanation)
               select (select max(id) from allocation_runs), 5, d.id, s.id, 1, 1, '{"share": 0.1, "dealerCode": "B0001", "isActive": true, "tier": "plus", "need": 12.5, "quota": 1.25}', 'a sentence of about this length, saying why it got what it got, a sentence of about this length, saying why it got what it got'
               from dealers d cross join skus s`); });
console.log('insert-select into the real table', (performance.now() - t).toFixed(0));
t = performance.now();
await db.transaction(async (tx) => { await tx.query('set local session_replication_role = replica'); await tx.query(`insert into allocation_results (run_id, round, dealer_id, sku_id, formula_units, units, inputs, explanation)
               select (select max(id) from allocation_runs), 6, d.id, s.id, 1, 1, '{"share": 0.1, "dealerCode": "B0001", "isActive": true, "tier": "plus", "need": 12.5, "quota": 1.25}', 'a sentence of about this length, saying why it got what it got, a sentence of about this length, saying why it got what it got'
               from dealers d cross join skus s`); });
console.log('same without FK triggers', (performance.now() - t).toFixed(0));
await db.close(); await bench.drop(); process.exit(0);
