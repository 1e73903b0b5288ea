/**
 * Issue 14: the network's own recalibration of commitment risks. The nightly job
 * `insights.risk-calibration` backtests a seeded network's ended terms and stores a monotone
 * (shrunk) isotonic map per elapsed share (risk_calibrations, migration 0046); the risk refresh then
 * recalibrates with it (each risk's probability is the stored map applied to its raw probability)
 * and the API says which calibration a risk used; with too few cases the job stores no map and
 * the shipped default is used again. The program tier risks are recalibrated with the same map
 * and say which calibration they used (program_tier_risks.calibration_id, migration 0051).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RiskBoard } from '../src/shared/schemas/insights';
import type { ProgramRiskList } from '../src/shared/schemas/program-risk';
import { DEMO_PASSWORD, seedDemo } from '../src/server/modules/demo/seed';
import { ISOTONIC_SHRINKAGE } from '../src/server/modules/insights/calibration';
import { recalibrateAt } from '../src/server/modules/insights/default-risk-calibration';
import {
  MIN_CALIBRATION_CASES,
  type CalibrationPoint,
} from '../src/server/modules/insights/risk-calibration';
import { CALIBRATION_JOB_KIND } from '../src/server/modules/insights/risk-calibration-job';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type TestApp,
} from './helpers/test-app';

type Stored = {
  id: number;
  through: string;
  terms: number;
  cases: number;
  points: CalibrationPoint[] | null;
};

describe.each(engines())('insights: the network risk calibration (%s)', (engine) => {
  let t: TestApp;
  const runJob = async () => {
    const job = await t.services.insights.calibrations.start();
    await t.services.jobs.settle(CALIBRATION_JOB_KIND);
    const done = await t.services.jobs.getJob({ id: job.id });
    expect(done.status).toBe('succeeded');
    const { rows } = await t.db.query<Stored>(
      `select id, to_char(through_month, 'YYYY-MM') as through, terms, cases, points
       from risk_calibrations order by id desc limit 1`,
    );
    return rows[0]!;
  };
  const risks = async () =>
    (
      await t.db.query<{
        calibrationId: number | null;
        probability: number;
        raw: number;
        elapsed: number;
        term: number;
      }>(
        `select calibration_id as "calibrationId", probability, raw_probability as raw,
           elapsed_months as elapsed, term_months as term
         from commitment_risks order by agreement_id, line_no`,
      )
    ).rows;
  /** Program tier risks: which calibration, and each open tier's probability (by program × dealer). */
  const tierRisks = async () =>
    (
      await t.db.query<{ key: string; calibrationId: number | null; probabilities: number[] }>(
        `select program_id || '/' || dealer_id as key, calibration_id as "calibrationId",
           array(select (x->>'probability')::float8 from jsonb_array_elements(tiers) x
             where not (x->>'reached')::boolean order by (x->>'tier')::int) as probabilities
         from program_tier_risks where elapsed_months < term_months order by 1`,
      )
    ).rows;
  const programBoard = async () => {
    const admin = await login(t.url, 'admin@forecourt.test', DEMO_PASSWORD);
    return json<ProgramRiskList>(await admin.get('/api/v1/insights/program-risks'), 200);
  };
  let defaultTiers: Awaited<ReturnType<typeof tierRisks>> = [];
  const board = async () => {
    const admin = await login(t.url, 'admin@forecourt.test', DEMO_PASSWORD);
    return json<RiskBoard>(await admin.get('/api/v1/insights/risks'), 200);
  };

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    // 40 months through 2026-10: one ended 12-month term with 24 months before it
    await seedDemo(t.services, {
      seed: 23,
      dealers: 12,
      months: 40,
      endMonth: '2026-10',
      agreementLines: 3,
    });
    // a running program (its window's first month complete): program tier risks for every dealer
    const admin = await login(t.url, 'admin@forecourt.test', DEMO_PASSWORD);
    await createProgram(admin, {
      code: 'CAL-Q4',
      name: 'Q4 units',
      currency: 'USD',
      startDate: '2026-10-01',
      endDate: '2026-12-31',
      measurementPeriod: 'program',
      payoutFrequency: 'program',
      measure: 'units',
      benefit: 'per_unit',
      tiers: [10, 30, 60, 100, 160, 250, 400].map((from, k) => ({
        from: String(from),
        value: String(50 + 25 * k),
      })),
    });
  }, 600_000);
  afterAll(async () => t?.close());

  it('uses the shipped default before any run, and says so', async () => {
    await t.services.insights.refresh(null);
    const rows = await risks();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.calibrationId === null)).toBe(true);
    const items = (await board()).items;
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(item.calibration.source).toBe('default');
    // the program tier risks too
    defaultTiers = await tierRisks();
    expect(defaultTiers.length).toBeGreaterThan(0);
    expect(defaultTiers.every((r) => r.calibrationId === null)).toBe(true);
    const programs = (await programBoard()).items;
    expect(programs.length).toBeGreaterThan(0);
    for (const item of programs) expect(item.calibration.source).toBe('default');
  });

  it('stores a monotone map per elapsed share from the ended terms; the risks use it', async () => {
    const stored = await runJob();
    expect(stored.through).toBe('2026-10');
    expect(stored.terms).toBe(1);
    expect(stored.cases).toBeGreaterThanOrEqual(MIN_CALIBRATION_CASES);
    const points = stored.points!;
    expect(points.map((p) => p.share)).toEqual([0, 0.25, 0.5, 0.75]);
    for (const { model, cases } of points) {
      expect(cases).toBe(stored.cases);
      expect(model.thresholds.length).toBe(model.values.length);
      // the shrunk isotonic map (calibration.ts): each block's cases and k stored with it
      expect(model.shrinkage).toBe(ISOTONIC_SHRINKAGE);
      expect(model.counts!.reduce((sum, n) => sum + n, 0)).toBe(cases);
      for (let i = 1; i < model.values.length; i += 1) {
        expect(model.thresholds[i]!).toBeGreaterThan(model.thresholds[i - 1]!);
        expect(model.values[i]!).toBeGreaterThanOrEqual(model.values[i - 1]!);
      }
    }

    await t.services.insights.refresh(null);
    const rows = await risks();
    expect(rows.every((r) => r.calibrationId === stored.id)).toBe(true);
    // each running term's probability is the stored map applied to its raw probability
    const running = rows.filter((r) => r.elapsed < r.term);
    expect(running.length).toBeGreaterThan(0);
    for (const r of running)
      expect(r.probability).toBeCloseTo(recalibrateAt(r.elapsed / r.term, r.raw, points), 12);
    // and not the default's (the network's map is its own)
    expect(
      running.some(
        (r) => Math.abs(r.probability - recalibrateAt(r.elapsed / r.term, r.raw)) > 1e-6,
      ),
    ).toBe(true);

    const items = (await board()).items;
    for (const item of items) {
      expect(item.calibration).toMatchObject({
        source: 'network',
        throughMonth: '2026-10',
        terms: 1,
        cases: stored.cases,
      });
      expect(item.calibration.text).toContain('1 ended term');
    }

    // The program tier risks use the same fitted maps, and say so (the actuals are unchanged:
    // only the recalibration differs from the first refresh's).
    const tiers = await tierRisks();
    expect(tiers.map((r) => r.key)).toEqual(defaultTiers.map((r) => r.key));
    expect(tiers.every((r) => r.calibrationId === stored.id)).toBe(true);
    const before = new Map(defaultTiers.map((r) => [r.key, r.probabilities]));
    expect(
      tiers.some((r) =>
        r.probabilities.some((p, k) => Math.abs(p - (before.get(r.key)![k] ?? p)) > 1e-6),
      ),
    ).toBe(true);
    const programs = (await programBoard()).items;
    expect(programs.length).toBeGreaterThan(0);
    for (const item of programs)
      expect(item.calibration).toMatchObject({
        source: 'network',
        throughMonth: '2026-10',
        terms: 1,
        cases: stored.cases,
      });
  }, 120_000);

  it('with too few cases stores no map, and the default is used again', async () => {
    // only two dealers keep their actuals: fewer series than MIN_CALIBRATION_CASES cases
    await t.db.exec(
      `delete from monthly_actuals where dealer_id not in (select id from dealers order by id limit 2)`,
    );
    const stored = await runJob();
    expect(stored.cases).toBeGreaterThan(0);
    expect(stored.cases).toBeLessThan(MIN_CALIBRATION_CASES);
    expect(stored.points).toBeNull();
    expect(await t.services.insights.calibrations.current()).toBeNull();

    await t.services.insights.refresh(null);
    const rows = await risks();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.calibrationId === null)).toBe(true);
    for (const r of rows.filter((x) => x.elapsed < x.term))
      expect(r.probability).toBeCloseTo(recalibrateAt(r.elapsed / r.term, r.raw), 12);
    for (const item of (await board()).items) expect(item.calibration.source).toBe('default');
    expect((await tierRisks()).every((r) => r.calibrationId === null)).toBe(true);
  }, 120_000);
});
