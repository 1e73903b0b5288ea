import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { parseEnv } from '../src/server/env';
import { createServices } from '../src/server/services';
import { createBenchDatabase } from '../bench/lib';
const readings = Number(process.argv[2] ?? 200000), dealers = 600;
const bench = await createBenchDatabase('postgres');
const inner = bench.db;
const times: Record<string, number> = {};
const wrap = (q: any, name: string) => async (sql: string, params?: unknown) => { const t = performance.now(); try { return await q(sql, params); } finally { const k = name + ' ' + sql.replace(/\s+/g, ' ').slice(0, 70); times[k] = (times[k] ?? 0) + performance.now() - t; } };
const origTx = inner.transaction.bind(inner);
(inner as any).transaction = (fn: any) => origTx((tx: any) => { tx.query = wrap(tx.query.bind(tx), 'q'); tx.copyFrom = wrap(tx.copyFrom.bind(tx), 'copy'); return fn(tx); });
const services = createServices({ db: inner, env: parseEnv({ NODE_ENV: 'test' }), today: () => '2026-12-01' });
const db = services.db;
await db.exec(`insert into regions (code, name, parent_id, path) values ('EU', 'Europe', null, '/EU/');
    insert into dealers (code, name, region_id, state_province, country) select 'D' || g, 'Dealer ' || g, 1, 'X', 'DE' from generate_series(1, ${dealers}) g;`);
const vehicles = Math.max(1, Math.ceil(readings / 20));
await db.exec(`
    insert into connected_consents (vin, owner_ref, dealer_id, purpose, action, granted_on, expires_on, source, recorded_by)
      select 'VBENCH' || lpad(g::text, 11, '0'), 'O' || g, 1 + g % ${dealers}, p, 'grant', '2026-01-01', '2027-12-31', 'bench', 'bench'
      from generate_series(1, ${vehicles}) g, unnest(array['service_reminders', 'battery_health']) p;`);
await db.query('vacuum analyze');
const signals = ['Vehicle.TraveledDistance', 'Vehicle.Powertrain.TractionBattery.StateOfHealth'];
const rows = Array.from({ length: readings }, (_, i) => ({
  vin: `VBENCH${String(1 + (i % vehicles)).padStart(11, '0')}`, signal: signals[i % 2]!, value: 1000 + i,
  observedAt: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00Z`,
}));
const t = performance.now();
for (let i = 0; i < rows.length; i += 10_000) await services.connected.ingestTelematics({ actor: SYSTEM_ACTOR, readings: rows.slice(i, i + 10_000) });
const ms = performance.now() - t;
console.log('ingest', ms.toFixed(0), 'ms', Math.round(readings / ms * 1000), '/s');
for (const [k, v] of Object.entries(times).sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(v.toFixed(0).padStart(7), k);
await db.close(); await bench.drop(); process.exit(0);
