/**
 * `npm run cli -- insights:calibrate [--refresh] [--json]`: the network's risk recalibration on
 * demand (the nightly job `insights.risk-calibration`, risk-calibration-job.ts), started as a job
 * like POST /insights/risks/calibrate (so its progress shows on /jobs/:id and in the web too) and
 * followed here to its end: progress on stderr, the stored run and its walk-forward scores on
 * stdout. With `--refresh`, every risk is recomputed with the new maps and the command waits for
 * that too. Exit code 0 when the job succeeded, 1 when it failed.
 */
import type { CommandIo } from '../forecasts/backtest/command-kit';
import type { Job, JobsService } from '../jobs/jobs.service';
import type { CalibrationScore } from './risk-calibration';
import { RISK_JOB_KIND, type createInsightsService } from './insights.service';

type CalibrationResult = {
  stored: number | null;
  through?: string;
  terms: number;
  series: number;
  cases: number;
  calibration: 'network' | 'default';
  scores?: CalibrationScore[];
};

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** The run in words and its scores per elapsed month (each term recalibrated on earlier ones). */
export function formatCalibration(result: CalibrationResult): string {
  const lines = [
    result.stored === null
      ? 'no actuals yet: nothing stored, the shipped default calibration stays in use'
      : result.calibration === 'network'
        ? `stored calibration ${result.stored}: fitted on ${result.terms} ended term${result.terms === 1 ? '' : 's'} through ${result.through}, ${result.series} series, ${result.cases} cases per elapsed point; the next risk refresh uses it`
        : `stored run ${result.stored}: ${result.cases} cases per elapsed point (${result.terms} ended term${result.terms === 1 ? '' : 's'}), fewer than needed: the shipped default calibration stays in use`,
  ];
  const scored = (result.scores ?? []).filter((s) => s.cases > 0);
  if (scored.length > 0) {
    lines.push('walk-forward (each term recalibrated on the earlier ones only):');
    lines.push('elapsed  cases  base rate   Brier   gain     ECE  raw ECE');
    for (const s of scored)
      lines.push(
        [
          String(s.elapsed).padStart(7),
          String(s.cases).padStart(6),
          fixed(s.baseRate, 3).padStart(10),
          fixed(s.brier, 4).padStart(7),
          `${fixed(s.brierGain, 1)} %`.padStart(8),
          fixed(s.ece, 4).padStart(7),
          fixed(s.rawEce, 4).padStart(8),
        ].join(' '),
      );
  }
  return `${lines.join('\n')}\n`;
}

export async function runCalibrateCommand(
  services: {
    insights: Pick<ReturnType<typeof createInsightsService>, 'calibrations'>;
    jobs: Pick<JobsService, 'getJob' | 'settle'>;
  },
  options: { refresh?: boolean; json?: boolean; pollMs?: number },
  io: CommandIo,
): Promise<number> {
  const started = await services.insights.calibrations.start({ refresh: options.refresh === true });
  io.stderr(`insights:calibrate: job ${started.id} (${started.kind}) started\n`);
  let last = '';
  let job: Job;
  for (;;) {
    job = await services.jobs.getJob({ id: started.id });
    const line = `${Math.round(job.progress)} %${job.message ? ` ${job.message}` : ''}`;
    if (job.status === 'running' && line !== last) {
      io.stderr(io.isStderrTty ? `\r  ${line}\u001b[K` : `  ${line}\n`);
      last = line;
    }
    if (job.status === 'succeeded' || job.status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
  if (io.isStderrTty && last) io.stderr('\n');
  if (job.status === 'failed') {
    io.stderr(`insights:calibrate: job ${job.id} failed: ${job.message ?? 'unknown error'}\n`);
    return 1;
  }
  const result = job.result as CalibrationResult;
  if (options.refresh) {
    // the job started the network's risk refresh as it ended: its own job, waited for here
    io.stderr('insights:calibrate: recomputing every risk with it…\n');
    await services.jobs.settle(RISK_JOB_KIND);
  }
  io.stdout(
    options.json
      ? `${JSON.stringify({ job: job.id, ...result }, null, 2)}\n`
      : formatCalibration(result),
  );
  return 0;
}
