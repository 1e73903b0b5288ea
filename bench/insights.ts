/**
 * Insights on the reference network: the nightly risk run (every approved and active agreement,
 * totals and lines), the refresh of the dealers of a 1,000-row batch, the risk board and one
 * dealer's outlook — each next to a bare SQL floor measured in the same run.
 *
 *   npm run bench -- insights --engine postgres --dealers 4000 --lines 30
 *   npm run bench -- insights --engine postgres --dealers 20 --lines 4 --months 24   (tiny)
 */
import { parseArgs } from 'node:util';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { buildApp } from '../src/server/app';
import { seedDemo } from '../src/server/modules/demo/seed';
import { parseEnv } from '../src/server/env';
import { createServices } from '../src/server/services';
import { createBenchDatabase, fmt, machine, median, rssOf, type BenchEngine } from './lib';

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export async function runInsightsBench(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      dealers: { type: 'string', default: '4000' },
      lines: { type: 'string', default: '30' },
      months: { type: 'string', default: '36' },
      runs: { type: 'string', default: '15' },
    },
  });
  const engine = values.engine as BenchEngine;
  const runs = Number(values.runs);
  const options = {
    seed: 31,
    dealers: Number(values.dealers),
    months: Number(values.months),
    endMonth: '2026-10',
    agreementLines: Number(values.lines),
    batchSize: 250_000,
  };
  console.log(
    `insights bench: ${engine}, ${options.dealers} dealers, ${options.agreementLines} lines — ${machine()}`,
  );
  const bench = await createBenchDatabase(engine);
  try {
    const env = parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DEALERS: '0' });
    const today = '2026-11-15';
    const services = createServices({ db: bench.db, env, today: () => today });
    const seeded = await seedDemo(services, { ...options, withUsers: true });
    const counts = (
      await bench.db.query<{ agreements: number; lines: number }>(
        `select (select count(*)::int from agreements where status in ('approved', 'active')) as agreements,
                (select count(*)::int from agreement_lines l join agreements a on a.id = l.agreement_id where a.status in ('approved', 'active')) as lines`,
      )
    ).rows[0]!;
    console.log(
      `  seeded ${fmt(seeded.transactions)} transactions; ${fmt(counts.agreements)} agreements, ${fmt(counts.lines)} lines in force`,
    );

    // Nightly: the full refresh vs reading its inputs (the monthly units of every line).
    const rssBefore = rssOf(process.pid);
    const n0 = performance.now();
    const nightly = await services.insights.refresh(null);
    const nightlyMs = performance.now() - n0;
    const rssAfter = rssOf(process.pid);
    const bareInputs = await timeIt(3, () =>
      bench.db.query(
        `select s.agreement_id, s.line_no, m.month, sum(m.quantity) from agreement_line_skus s join agreements a on a.id = s.agreement_id
         join monthly_actuals m on m.dealer_id = a.dealer_id and m.sku_id = s.sku_id and m.kind = any(a.counted_kinds)
         where a.status in ('approved', 'active') and m.month >= '2023-11-01' group by 1, 2, 3`,
      ),
    );

    // A 1,000-row batch for ten dealers with agreements: their risks, refreshed.
    const sample = (
      await bench.db.query<{ dealerId: number; dealer: string; sku: string }>(
        `select distinct on (a.dealer_id) a.dealer_id as "dealerId", d.code as dealer, s.code as sku
         from agreements a join dealers d on d.id = a.dealer_id join agreement_line_skus ls on ls.agreement_id = a.id
         join skus s on s.id = ls.sku_id where a.status in ('approved', 'active') order by a.dealer_id limit 10`,
      )
    ).rows;
    await services.transactions.ingest({
      actor: SYSTEM_ACTOR,
      format: 'json',
      body: (async function* () {
        for (let k = 0; k < 1000; k++) {
          const s = sample[k % sample.length]!;
          yield {
            row: k + 1,
            value: {
              kind: 'retail_delivery',
              dealerCode: s.dealer,
              sku: s.sku,
              quantity: 1,
              amount: '40000.00',
              currency: 'USD',
              occurredOn: '2026-11-10',
              source: 'bench',
              externalId: `INS-${k}`,
            },
          };
        }
      })(),
      byteLimit: Infinity,
    });
    const b0 = performance.now();
    await services.insights.refresh(sample.map((s) => s.dealerId));
    const batchMs = performance.now() - b0;

    // Reads over HTTP (in process) vs the bare SQL of the same rows.
    const app = await buildApp({ env, services, logger: false, serveWeb: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const key = await services.accounts.createApiKey({
      actor: SYSTEM_ACTOR,
      data: {
        name: 'bench',
        role: 'oem_admin',
        regionCode: null,
        dealerCode: null,
        dealerGroupCode: null,
      },
    });
    const headers = { authorization: `Bearer ${key.key}` };
    const get = async (path: string) => {
      const res = await fetch(url + path, { headers });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    await get('/api/v1/insights/risks?limit=100');
    const board = await timeIt(runs, () => get('/api/v1/insights/risks?limit=100'));
    const bareBoard = await timeIt(runs, () =>
      bench.db.query(
        `select r.*, a.code, d.code, d.name from commitment_risks r join agreements a on a.id = r.agreement_id join dealers d on d.id = r.dealer_id
         where r.line_no = 0 order by r.shortfall_money desc limit 100`,
      ),
    );
    let i = 0;
    const outlook = await timeIt(runs * 2, () =>
      get(`/api/v1/insights/dealers/${sample[i++ % sample.length]!.dealer}/outlook`),
    );
    let j = 0;
    const bareOutlook = await timeIt(runs * 2, () =>
      bench.db.query(`select * from commitment_risks where dealer_id = $1 and line_no = 0`, [
        sample[j++ % sample.length]!.dealerId,
      ]),
    );
    await app.close();

    const result = {
      engine,
      dealers: options.dealers,
      agreements: nightly.agreements,
      risks: nightly.risks,
      nightlyMs,
      nightlyRssDeltaMb: (rssAfter - rssBefore) / 1024 / 1024,
      bareInputsMs: bareInputs,
      batchRefreshMs: batchMs,
      boardMs: board,
      bareBoardMs: bareBoard,
      outlookMs: outlook,
      bareOutlookMs: bareOutlook,
    };
    console.log(
      `  nightly risk run: ${fmt(nightly.agreements)} agreements, ${fmt(nightly.risks)} risks in ${fmt(nightlyMs / 1000, 2)} s (bare SQL of its inputs ${fmt(bareInputs, 1)} ms; ×${fmt(nightlyMs / bareInputs, 1)}); RSS +${fmt(result.nightlyRssDeltaMb)} MB`,
    );
    console.log(
      `  refresh after a 1,000-row batch (${sample.length} dealers): ${fmt(batchMs, 1)} ms`,
    );
    console.log(
      `  risk board (100): median ${fmt(board, 1)} ms vs bare SQL ${fmt(bareBoard, 1)} ms (×${fmt(board / bareBoard, 1)})`,
    );
    console.log(
      `  dealer outlook: median ${fmt(outlook, 1)} ms vs bare SQL ${fmt(bareOutlook, 1)} ms (×${fmt(outlook / bareOutlook, 1)})`,
    );
    return result;
  } finally {
    await bench.db.close().catch(() => undefined);
    await bench.drop();
  }
}
