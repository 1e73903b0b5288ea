/**
 * Issue 14, Performance: the nightly run's network path of commitment risks (supply, market and
 * "seen" read once, the lines' histories by slices of dealers, one set-based write through a
 * staging table) gives exactly the rows of the chunked path (each chunk of agreements read,
 * assessed and written on its own, as a batch's refresh does): the current risks and every
 * history point, for terms seen the first time (their past is backfilled) and again, with the
 * network in several slices and in one; and it keeps the rule of side-by-side refreshes (an
 * agreement whose risks were read after this run's read keeps them: commitment_risk_reads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/server/modules/demo/seed';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const RISK_COLUMNS = `agreement_id, line_no, dealer_id, label, as_of::text, elapsed_months, term_months, commitment,
  to_date, probability, raw_probability, expected, lower80, upper80, shortfall_units, unit_value::text,
  shortfall_money::text, drivers, interventions`;

describe.each(engines())('insights: commitment risks, network path (%s)', (engine) => {
  let t: TestApp;
  const snapshot = async () => ({
    risks: (
      await t.db.query<Record<string, unknown>>(
        `select ${RISK_COLUMNS} from commitment_risks order by agreement_id, line_no`,
      )
    ).rows,
    history: (
      await t.db.query<Record<string, unknown>>(
        `select agreement_id, line_no, dealer_id, day::text, probability, expected
         from commitment_risk_history order by agreement_id, line_no, day`,
      )
    ).rows,
  });
  const clear = () =>
    t.db.exec(`delete from commitment_risks; delete from commitment_risk_history`);

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    await seedDemo(t.services, {
      seed: 17,
      dealers: 12,
      months: 30,
      endMonth: '2026-10',
      agreementLines: 4,
    });
  }, 300_000);
  afterAll(async () => t?.close());

  it("gives the chunked path's risks and history, first seen and again", async () => {
    await clear();
    const chunked = await t.services.insights.refresh(null, undefined, {
      path: 'chunks',
      size: 2,
    });
    expect(chunked.path).toBe('chunks');
    const first = await snapshot();
    expect(first.risks.length).toBe(chunked.risks);
    expect(chunked.agreements).toBeGreaterThan(4);
    // terms seen the first time got their past (more than one point per agreement's totals)
    expect(first.history.length).toBeGreaterThan(first.risks.length);

    for (const size of [3, undefined]) {
      await clear();
      const network = await t.services.insights.refresh(null, undefined, { size });
      expect(network.path).toBe('network');
      expect(network.risks).toBe(chunked.risks);
      expect(await snapshot()).toEqual(first);
    }

    // Seen before (no backfill), the same day: the same rows by either path.
    await t.services.insights.refresh(null, undefined, { path: 'chunks', size: 2 });
    const again = await snapshot();
    await t.services.insights.refresh(null, undefined, { size: 3 });
    expect(await snapshot()).toEqual(again);
    expect(again).toEqual(first);
  });

  it('keeps a risk read after its own read (a refresh that ran beside it)', async () => {
    await t.services.insights.refresh(null);
    const { rows } = await t.db.query<{ id: number }>(
      `select distinct agreement_id as id from commitment_risks order by 1 limit 2`,
    );
    const [id, other] = [rows[0]!.id, rows[1]!.id];
    const fresh = await snapshot();
    // as a batch's refresh that read after the nightly run's read would have written it (every
    // write stores its rows' hash: content_hash, migration 0068)
    await t.db.query(
      `update commitment_risks set probability = 0.123, content_hash = md5('newer read')::uuid
        where agreement_id = $1`,
      [id],
    );
    await t.db.query(
      `update commitment_risk_reads set read_at = now() + interval '1 hour' where agreement_id = $1`,
      [id],
    );
    // another agreement's row as an older write left it: the run puts its value back
    await t.db.query(
      `update commitment_risks set probability = 0.456, content_hash = md5('older write')::uuid
        where agreement_id = $1 and line_no = 0`,
      [other],
    );
    const before = await snapshot();
    const { rows: last } = await t.db.query<{ at: string }>(
      `select max(read_at)::text as at from commitment_risk_reads where agreement_id <> $1`,
      [id],
    );
    const stampBefore = last[0]!.at;
    await t.services.insights.refresh(null);
    const after = await snapshot();
    const mine = (s: typeof before) => s.risks.filter((r) => r.agreement_id === id);
    expect(mine(after)).toEqual(mine(before));
    expect(mine(after).every((r) => r.probability === 0.123)).toBe(true);
    // the others were read again and written: the run's values
    const others = (s: typeof before) => s.risks.filter((r) => r.agreement_id !== id);
    expect(others(after)).toEqual(others(fresh));
    const { rows: stamps } = await t.db.query<{ n: number; all: number }>(
      `select count(*) filter (where read_at <= $2::timestamptz)::int as n, count(*)::int as all
         from commitment_risk_reads
        where agreement_id <> $1 and agreement_id in (select agreement_id from commitment_risks)`,
      [id, stampBefore],
    );
    expect(stamps[0]!.all).toBeGreaterThan(0);
    expect(stamps[0]!.n).toBe(0);
  });
});
