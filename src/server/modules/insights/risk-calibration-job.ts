/**
 * The nightly job `insights.risk-calibration` (issue 14): backtests the network's own ended terms
 * and stores the shrunk isotonic maps per elapsed share (risk-calibration.ts, table
 * risk_calibrations), with progress. The nightly run starts it first and it then starts the risk
 * refresh (`params.refresh`), so tonight's risks use tonight's maps; on demand (the route and the
 * CLI) it only stores them unless asked to refresh too.
 *
 * `current()` is what the risk refresh recalibrates with: the latest run's maps when that run had
 * enough cases, else the default shipped in code. Cached in the process by the run's id (the
 * version): each call reads only the latest id, the maps once per new run.
 */
import { addMonths, monthIndex } from '../../../shared/months';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { runAsSystem } from '../../db/scope';
import type { JobsService } from '../jobs/jobs.service';
import { riskBasis } from './agreement-risk';
import {
  type ActiveCalibration,
  endedTerms,
  fitNetworkCalibration,
  NETWORK_CALIBRATION,
} from './risk-calibration';
import {
  createRiskCalibrationRepository,
  type StoredCalibration,
} from './risk-calibration.repository';

export const CALIBRATION_JOB_KIND = 'insights.risk-calibration';

export function createRiskCalibrations(deps: {
  db: Db;
  jobs: JobsService;
  today: () => string;
  /** Started after a run with `params.refresh` (the nightly risk refresh). */
  afterNightly?: () => Promise<unknown>;
}) {
  const repo = createRiskCalibrationRepository(deps.db);
  let cached: { id: number | null; active: ActiveCalibration } = { id: null, active: null };

  /** Backtests the ended terms, stores the maps (or that there were too few cases). */
  async function run(report?: (done: number, total: number) => Promise<void>) {
    return runAsSystem(async () => {
      const span = await repo.actualsSpan();
      if (!span) return { stored: null, terms: 0, series: 0, cases: 0, calibration: 'default' };
      const o = NETWORK_CALIBRATION;
      // the last complete month (the risks' basis month is the first that is not)
      const through = addMonths(riskBasis(deps.today(), span.last).month, -1);
      const earliest = addMonths(through, -(o.history + o.maxTerms * o.horizon - 1));
      const from = earliest < span.first ? span.first : earliest;
      const length = monthIndex(through) - monthIndex(from) + 1;
      const terms = Math.min(o.maxTerms, endedTerms(length, o.horizon));
      // the oldest backtested term's first month: the best sellers are chosen before it
      const oldestOrigin = addMonths(from, length - o.horizon * terms);
      const series = await repo.networkSeries(from, through, oldestOrigin);
      const fit = await fitNetworkCalibration(series, report);
      const id = await repo.insert(fit, through);
      return {
        stored: id,
        through,
        terms: fit.terms,
        series: fit.series,
        cases: fit.cases,
        calibration: fit.points ? 'network' : 'default',
        scores: fit.scores,
      };
    });
  }

  deps.jobs.define(CALIBRATION_JOB_KIND, async ({ params, report }) => {
    const refresh = (params as { refresh?: boolean } | null)?.refresh === true;
    try {
      await report(0, 'reading the network’s monthly series');
      return await run((done, total) =>
        report((100 * done) / Math.max(1, total), `${done} of ${total} series backtested`).catch(
          () => undefined,
        ),
      );
    } finally {
      // the nightly refresh runs whether or not the calibration did
      if (refresh) await deps.afterNightly?.().catch(() => undefined);
    }
  });

  return {
    run,

    /**
     * Starts the job (the nightly run, or on demand: POST /insights/risks/calibrate and
     * `insights:calibrate`); with `refresh`, the risk refresh after it. `actor`: who started it
     * (null: the system), whose job it is on /jobs/:id.
     */
    start(options: { refresh?: boolean; actor?: Actor | null } = {}) {
      return deps.jobs.start({
        actor: options.actor ?? null,
        kind: CALIBRATION_JOB_KIND,
        params: { refresh: options.refresh === true },
      });
    },

    /** The calibration risks are computed with now (cached per stored run). */
    async current(): Promise<ActiveCalibration> {
      const id = await runAsSystem(() => repo.latestId());
      if (id === cached.id) return cached.active;
      const row: StoredCalibration | null =
        id === null ? null : await runAsSystem(() => repo.byId(id));
      const active = row?.points ? { id: row.id, points: row.points } : null;
      cached = { id, active };
      return active;
    },
  };
}

export type RiskCalibrations = ReturnType<typeof createRiskCalibrations>;
