import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { parseEnv } from '../src/server/env';
import { createServices } from '../src/server/services';
import { createBenchDatabase } from '../bench/lib';
const events = Number(process.argv[2] ?? 100000), dealers = 500, skus = 40;
const bench = await createBenchDatabase('postgres');
const inner = bench.db;
const times: Record<string, number> = {};
const wrap = (q: any, name: string) => async (sql: string, params?: unknown) => { const t = performance.now(); try { return await q(sql, params); } finally { const k = name + ' ' + sql.replace(/\s+/g, ' ').slice(0, 70); times[k] = (times[k] ?? 0) + performance.now() - t; } };
const origTx = inner.transaction.bind(inner);
(inner as any).transaction = (fn: any) => origTx((tx: any) => { tx.query = wrap(tx.query.bind(tx), 'q'); tx.exec = wrap(tx.exec.bind(tx), 'x'); tx.copyFrom = wrap(tx.copyFrom.bind(tx), 'copy'); return fn(tx); });
const services = createServices({ db: inner, env: parseEnv({ NODE_ENV: 'test' }), today: () => '2026-11-20' });
const db = services.db;
await db.exec(`insert into regions (code, name, parent_id, path) values ('BR', 'Bench', null, '/BR/');
    insert into dealers (code, name, region_id, state_province, country) select 'B' || lpad(g::text, 5, '0'), 'Bench dealer ' || g, 1, 'TX', 'US' from generate_series(1, ${dealers}) g;
    insert into model_lines (code, name, segment) values ('BML', 'Bench line', 'suv');
    insert into skus (code, model_line_id, name, trim, powertrain, segment, msrp, co2_g_per_km, launch_date)
      select 'BSKU-' || g, 1, 'Bench ' || g, 'T' || g, 'ICE', 'suv', 40000, 120, '2024-01-01' from generate_series(1, ${skus}) g;`);
const stages = ['ordered', 'planned', 'in_build', 'built', 'in_transit', 'at_dealer'] as const;
const rows = Array.from({ length: events }, (_, i) => {
  const vehicle = Math.floor(i / stages.length); const stage = stages[i % stages.length]!;
  return { event: stage, dealerCode: `B${String(1 + (vehicle % dealers)).padStart(5, '0')}`, vin: `V${String(vehicle).padStart(16, '0')}`,
    occurredOn: `2026-${String(1 + (i % stages.length)).padStart(2, '0')}-10`,
    ...(stage === 'ordered' ? { sku: `BSKU-${1 + (vehicle % skus)}`, orderType: 'stock' } : {}),
    ...(stage === 'planned' ? { planWeek: '2026-W10', plant: 'Bench' } : {}),
    ...(stage === 'in_transit' ? { eta: '2026-06-20' } : {}), source: 'bench', externalId: `P-${i}` };
});
const t = performance.now();
const res = await services.availability.ingestPipeline({ actor: SYSTEM_ACTOR, format: 'json', byteLimit: Infinity,
  body: (async function* () { let row = 0; for (const value of rows) yield { row: ++row, value }; })() });
const ms = performance.now() - t;
console.log('ingest', ms.toFixed(0), 'ms', Math.round(events / ms * 1000), '/s', JSON.stringify(res));
let sum = 0; for (const [k, v] of Object.entries(times).sort((a, b) => b[1] - a[1]).slice(0, 10)) { sum += v; console.log(v.toFixed(0).padStart(7), k); }
console.log('sql total', sum.toFixed(0));
await db.close(); await bench.drop(); process.exit(0);
