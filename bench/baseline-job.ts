/**
 * A forecast cycle's baseline job run in a child process of its own, so its memory is the job's
 * alone: open the cycle, run the baseline job, report its time, its phases (from the job's
 * progress messages) and the child's peak RSS. Used by bench/forecast-job.ts (the reference
 * network) and bench/national.ts (the national network).
 *
 *   node --expose-gc --import tsx bench/baseline-job.ts <database url> '<JSON options>'
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { SYSTEM_ACTOR } from '../src/server/auth/actor';
import { openPostgres } from '../src/server/db/postgres';
import { parseEnv } from '../src/server/env';
import { BASELINE_JOB_KIND } from '../src/server/modules/forecasts/forecasts.service';
import { createServices } from '../src/server/services';

export type BaselineJobOptions = {
  /** the cycle's month 'YYYY-MM' */
  cycleMonth: string;
  /** the clock of the job's services 'YYYY-MM-DD' */
  today: string;
  historyMonths: number;
  horizon: number;
};

export type BaselineJobReport = {
  cycleId: number;
  ms: number;
  cells: number;
  rssBefore: number;
  rssPeak: number;
  phases: { atMs: number; message: string }[];
  methods: Record<string, number>;
  load: number[];
};

async function runJob(url: string, options: BaselineJobOptions): Promise<BaselineJobReport> {
  const db = await openPostgres(url, 8);
  const env = parseEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DEALERS: '0' });
  const services = createServices({ db, env, today: () => options.today });
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const phases: BaselineJobReport['phases'] = [];
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
          process.stderr.write(
            `[baseline-job] ${((Date.now() - started) / 1000).toFixed(1)} s ${message}\n`,
          );
        }
      })
      .catch(() => undefined);
  }, 100);
  const load = loadavg();
  const cycle = await services.forecasts.createCycle({
    actor: SYSTEM_ACTOR,
    data: {
      cycleMonth: options.cycleMonth,
      horizon: options.horizon,
      historyMonths: options.historyMonths,
    },
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
  await services.jobs.stopWorkers(); // the job went through pg-boss: its polling ends here
  await db.close();
  return {
    cycleId: cycle.id,
    ms,
    cells: result.cells,
    rssBefore,
    rssPeak,
    phases,
    methods: result.methods,
    load: [...load, ...loadavg()],
  };
}

/** Runs the job in a child process and returns its report. */
export function spawnBaselineJob(
  url: string,
  options: BaselineJobOptions,
): Promise<BaselineJobReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        new URL(import.meta.url).pathname,
        url,
        JSON.stringify(options),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as BaselineJobReport)
        : reject(new Error(`baseline job child exited ${code}`)),
    );
  });
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const [url, json] = process.argv.slice(2);
  const report = await runJob(url!, JSON.parse(json!) as BaselineJobOptions);
  process.stdout.write(`${JSON.stringify(report)}\n`);
  process.exit(0);
}
