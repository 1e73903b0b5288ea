/**
 * The reference network's whole baseline job, end to end, in PostgreSQL (issue 5): 4,000 dealers ×
 * 40 model lines, 48 months of history, 18 months ahead. Written to
 * bench/results/forecast-job.md.
 *
 * Setup (not timed as part of the job): the demo network is generated in memory, its catalog
 * loaded, and its transactions rolled up into `monthly_actuals` with COPY (what the ingest would
 * have left there; seeding 190 million rows through the real ingest would take hours). Then a
 * child process — the server's part, so its memory is the job's alone — opens the cycle and runs
 * the baseline job: load the history from `monthly_actuals`, build the baseline, write the ~2.9
 * million cells with COPY in one transaction. Timed from `createCycle` to the job's end, with the
 * phases from the job's progress messages and the child's peak RSS.
 *
 *   npx tsx bench/forecast-job.ts [--dealers 4000] [--months 48] [--keep]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { addMonths } from '../src/shared/months';
import { generateNetwork, generateTransactions } from '../src/server/modules/demo/generator';
import { loadNetwork } from '../src/server/modules/demo/seed';
import { openPostgres } from '../src/server/db/postgres';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { createServices } from '../src/server/services';
import { parseEnv } from '../src/server/env';
import { BASELINE_JOB_KIND } from '../src/server/modules/forecasts/forecasts.service';
import { createBenchDatabase, machine } from './lib';

const { values: args } = parseArgs({
  options: {
    dealers: { type: 'string', default: '4000' },
    months: { type: 'string', default: '48' },
    seed: { type: 'string', default: '42' },
    'run-job': { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const log = (m: string) => process.stderr.write(`[forecast-job] ${m}\n`);
const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MB`;
const END_MONTH = '2026-10';
const CYCLE_MONTH = '2026-11';

type JobReport = {
  ms: number;
  cells: number;
  rssBefore: number;
  rssPeak: number;
  phases: { atMs: number; message: string }[];
  methods: Record<string, number>;
  load: number[];
};

/** The child: open a cycle, run its baseline job, report time, phases and peak RSS. */
async function runJob(url: string): Promise<void> {
  const db = await openPostgres(url, 8);
  const env = parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DEALERS: '0' });
  const services = createServices({ db, env, today: () => '2026-11-03' });
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const phases: JobReport['phases'] = [];
  const started = Date.now();
  const running: { jobId?: number } = {};
  let lastMessage = '';
  const timer = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    const jobId = running.jobId;
    if (jobId === undefined) return;
    void services.jobs
      .getJob({ id: jobId })
      .then((job) => {
        const message = (job.message ?? '').replace(/\d+\/\d+/, '…');
        if (message && message !== lastMessage) {
          lastMessage = message;
          phases.push({ atMs: Date.now() - started, message });
        }
      })
      .catch(() => undefined);
  }, 100);
  const load = loadavg();
  const cycle = await services.forecasts.createCycle({
    actor: SYSTEM_ACTOR,
    data: { cycleMonth: CYCLE_MONTH, horizon: 18, historyMonths: 48 },
  });
  const jobId = cycle.baselineJobId!;
  running.jobId = jobId;
  await services.jobs.settle(BASELINE_JOB_KIND);
  const ms = Date.now() - started;
  clearInterval(timer);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
  const job = await services.jobs.getJob({ id: jobId });
  if (job.status !== 'succeeded') throw new Error(`baseline job ${job.status}: ${job.message}`);
  const result = job.result as { cells: number; methods: Record<string, number> };
  const report: JobReport = {
    ms,
    cells: result.cells,
    rssBefore,
    rssPeak,
    phases,
    methods: result.methods,
    load: [...load, ...loadavg()],
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await services.jobs.stopWorkers(); // the job went through pg-boss: its polling ends here
  await db.close();
}

async function main(): Promise<void> {
  const dealers = Number(args.dealers);
  const months = Number(args.months);
  const options = { seed: Number(args.seed), dealers, months, endMonth: END_MONTH };
  const started = Date.now();
  const bench = await createBenchDatabase('postgres');
  try {
    log(`generating ${dealers} dealers × ${months} months`);
    const network = generateNetwork(options);
    await loadNetwork(bench.db, network);
    const ids = async (table: string) =>
      new Map(
        (
          await bench.db.query<{ id: number; code: string }>(`select id, code from ${table}`)
        ).rows.map((r) => [r.code, r.id]),
      );
    const dealerId = await ids('dealers');
    const skuId = await ids('skus');
    // The monthly roll-up the ingest maintains: dealer × month × SKU × kind.
    const genStarted = Date.now();
    const rollup = new Map<string, { quantity: number; cents: number; rows: number }>();
    let transactions = 0;
    for (const tx of generateTransactions(network, options)) {
      transactions += 1;
      const key = `${dealerId.get(tx.dealerCode)},${tx.occurredOn.slice(0, 7)}-01,${skuId.get(tx.sku)},${tx.kind}`;
      const cents = Number(tx.amount.replace('.', ''));
      const row = rollup.get(key);
      if (row) {
        row.quantity += tx.quantity;
        row.cents += cents;
        row.rows += 1;
      } else rollup.set(key, { quantity: tx.quantity, cents, rows: 1 });
    }
    const genMs = Date.now() - genStarted;
    log(`${transactions} transactions → ${rollup.size} monthly rows in ${fmt(genMs / 1000)} s`);
    const copyStarted = Date.now();
    const centsText = (c: number) => {
      const sign = c < 0 ? '-' : '';
      const a = Math.abs(c);
      return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
    };
    function* csv(): Generator<string> {
      let chunk: string[] = [];
      for (const [key, r] of rollup) {
        chunk.push(`${key},${r.quantity},${centsText(r.cents)},${r.rows}`);
        if (chunk.length === 50_000) {
          yield `${chunk.join('\n')}\n`;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
    }
    await bench.db.copyFrom(
      'copy monthly_actuals (dealer_id, month, sku_id, kind, quantity, amount, row_count) from stdin with (format csv)',
      csv(),
    );
    await bench.db.query('analyze');
    const monthlyRows = rollup.size;
    rollup.clear();
    const copyMs = Date.now() - copyStarted;
    log(`monthly_actuals loaded in ${fmt(copyMs / 1000)} s; running the job in a child process`);
    await bench.db.close();

    const report = await new Promise<JobReport>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--expose-gc',
          '--import',
          'tsx',
          new URL(import.meta.url).pathname,
          '--run-job',
          bench.url!,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) =>
        code === 0
          ? resolve(JSON.parse(out.trim().split('\n').pop()!) as JobReport)
          : reject(new Error(`job child exited ${code}`)),
      );
    });
    const phaseRows = report.phases
      .map((p) => `| ${fmt(p.atMs / 1000)} s | ${p.message} |`)
      .join('\n');
    const doc = `# The reference network's baseline job, end to end

Generated by \`npx tsx bench/forecast-job.ts --dealers ${dealers} --months ${months}\` on ${new Date().toISOString().slice(0, 10)};
machine: ${machine()}; PostgreSQL server on the same machine; total ${fmt((Date.now() - started) / 1000)} s.
The machine's 2 cores are shared with other work: load average (1, 5, 15 min) ${report.load
      .slice(0, 3)
      .map((v) => fmt(v, 2))
      .join(', ')} when the job started, ${report.load
      .slice(3)
      .map((v) => fmt(v, 2))
      .join(', ')} when it ended.

Demo network seed ${options.seed}: ${dealers.toLocaleString('en-US')} dealers, ${network.modelLines.length} model lines, ${months} months to ${END_MONTH}
(${transactions.toLocaleString('en-US')} transactions, rolled up into ${monthlyRows.toLocaleString('en-US')} \`monthly_actuals\` rows and loaded with COPY
in ${fmt(copyMs / 1000)} s; generating them took ${fmt(genMs / 1000)} s — setup, not part of the job).
Cycle ${CYCLE_MONTH}: ${months} months of history (from ${addMonths(CYCLE_MONTH, -months)}), 18 months ahead.

| measure | value |
| --- | ---: |
| **baseline job end to end** (createCycle → job succeeded: load history, calibrate, forecast, reconcile, write cells) | **${fmt(report.ms / 1000)} s** (target < 120 s) |
| cells written (dealer × model line × month) | ${report.cells.toLocaleString('en-US')} |
| job process RSS before / **peak** | ${mb(report.rssBefore)} / **${mb(report.rssPeak)}** (target < 2 GB) |
| methods | ${Object.entries(report.methods)
      .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
      .join(', ')} |

Phases (time since \`createCycle\` when the job's progress message first showed):

| at | phase |
| ---: | --- |
${phaseRows}
`;
    const out = new URL('./results/forecast-job.md', import.meta.url);
    writeFileSync(out, await prettier.format(doc, { parser: 'markdown' }));
    log(`job ${fmt(report.ms / 1000)} s, peak ${mb(report.rssPeak)}; written ${out.pathname}`);
  } finally {
    if (!args.keep) await bench.drop();
    else log(`kept ${bench.url}`);
  }
}

if (args['run-job']) await runJob(args['run-job']);
else await main();
