/**
 * Issue 14, Performance: commitment_risks under many batch refreshes. A refresh writes its
 * agreements' rows in place (insert … on conflict … do update where a value changed; a row no
 * longer computed deleted; migration 0058), so 20 batch refreshes leave an unchanged risk's row
 * and today's history point as they were (same row version: no dead tuple, no new index entry)
 * and update a changed one, with the rows a write from scratch gives. On a server the table's
 * counters of the 20 refreshes are printed (RISK_BLOAT_REPORT=1): dead tuples, HOT updates,
 * inserts, deletes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/server/modules/demo/seed';
import { ingestRows } from './helpers/fixtures';
import { tableWriteStats } from './helpers/insights';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const COLUMNS = `agreement_id, line_no, dealer_id, label, as_of::text, elapsed_months, term_months, commitment,
  to_date, probability, raw_probability, expected, lower80, upper80, shortfall_units, unit_value::text,
  shortfall_money::text, drivers, interventions, calibration_id`;

describe.each(engines())('insights: commitment risks under batch refreshes (%s)', (engine) => {
  let t: TestApp;
  let few: { id: number; code: string }[];
  const rows = async (dealerIds: number[]) =>
    (
      await t.db.query<Record<string, unknown>>(
        `select ${COLUMNS} from commitment_risks where dealer_id = any($1::int[])
         order by agreement_id, line_no`,
        [dealerIds],
      )
    ).rows;
  const history = async (dealerIds: number[]) =>
    (
      await t.db.query<Record<string, unknown>>(
        `select agreement_id, line_no, dealer_id, day::text, probability, expected
         from commitment_risk_history where dealer_id = any($1::int[]) order by agreement_id, line_no, day`,
        [dealerIds],
      )
    ).rows;
  /** Each row's version (its place and the transaction that wrote it), risks and history. */
  const versions = async (dealerIds: number[]) => ({
    risks: (
      await t.db.query<{ key: string; v: string }>(
        `select agreement_id || '/' || line_no as key, ctid::text || ' ' || xmin::text as v
         from commitment_risks where dealer_id = any($1::int[]) order by 1`,
        [dealerIds],
      )
    ).rows,
    history: (
      await t.db.query<{ key: string; v: string }>(
        `select agreement_id || '/' || line_no || '/' || day as key, ctid::text || ' ' || xmin::text as v
         from commitment_risk_history where dealer_id = any($1::int[]) order by 1`,
        [dealerIds],
      )
    ).rows,
  });
  const stats = () => tableWriteStats(t.db, 'commitment_risks');

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-11-20' });
    await seedDemo(t.services, {
      seed: 7,
      dealers: 8,
      months: 30,
      endMonth: '2026-10',
      agreementLines: 4,
    });
    few = (
      await t.db.query<{ id: number; code: string }>(
        `select d.id, d.code from dealers d
          where exists (select 1 from agreements a where a.dealer_id = d.id and a.status in ('approved', 'active'))
          order by d.id limit 3`,
      )
    ).rows;
    expect(few).toHaveLength(3);
  }, 300_000);
  afterAll(async () => t?.close());

  it('20 batch refreshes update changed risks in place and leave unchanged ones as they were', async () => {
    const ids = few.map((d) => d.id);
    await t.services.insights.refresh(null);
    const quiet = few[2]!;
    const first = await versions([quiet.id]);
    expect(first.risks.length).toBeGreaterThan(0);
    expect(first.history.length).toBeGreaterThan(0);
    // the first two dealers' agreements' SKUs: the batches move their risks
    const { rows: skus } = await t.db.query<{ dealer: string; sku: string }>(
      `select distinct d.code as dealer, s.code as sku
         from agreements a join dealers d on d.id = a.dealer_id
         join agreement_line_skus ls on ls.agreement_id = a.id join skus s on s.id = ls.sku_id
        where a.dealer_id = any($1::int[]) and a.status in ('approved', 'active')
        order by 1, 2`,
      [ids.slice(0, 2)],
    );
    expect(skus.length).toBeGreaterThan(0);
    const moved = await rows(ids.slice(0, 2));
    const before = await stats();
    for (let i = 0; i < 20; i++) {
      // a small batch for one of the first two dealers (the third's risks do not move)
      const mine = skus.filter((s) => s.dealer === few[i % 2]!.code).slice(0, 5);
      await ingestRows(
        t.services,
        mine.map((s, k) => ({
          kind: 'retail_delivery',
          dealerCode: s.dealer,
          sku: s.sku,
          quantity: 1,
          amount: '40000.00',
          currency: 'USD',
          occurredOn: `2026-10-${String(((i + k) % 28) + 1).padStart(2, '0')}`,
          source: 'test',
          externalId: `RISK-BLOAT-${i}-${k}`,
        })),
      );
      const run = await t.services.insights.refresh(ids);
      expect(run.path).toBe('chunks');
    }
    const after = await stats();
    if (before && after && process.env.RISK_BLOAT_REPORT)
      console.log(
        `commitment_risks after 20 batch refreshes (${engine}): ${JSON.stringify(
          Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)])),
        )}; rows ${(await rows(ids)).length}`,
      );
    // the unchanged dealer's rows and today's history points: the same row versions
    expect(await versions([quiet.id])).toEqual(first);
    // the changed ones moved …
    const written = await rows(ids);
    expect(written.filter((r) => r.dealer_id !== quiet.id)).not.toEqual(moved);
    // … to the rows a write from scratch gives (the same refresh with no row before it)
    const points = await history(ids);
    await t.db.query(`delete from commitment_risks where dealer_id = any($1::int[])`, [ids]);
    await t.services.insights.refresh(ids);
    expect(await rows(ids)).toEqual(written);
    expect(await history(ids)).toEqual(points);
  });

  it('deletes the rows no longer computed and inserts the new ones', async () => {
    const quiet = few[2]!;
    const { rows: some } = await t.db.query<{ id: number }>(
      `select agreement_id as id from commitment_risks where dealer_id = $1 order by 1 limit 1`,
      [quiet.id],
    );
    const id = some[0]!.id;
    const expected = await rows([quiet.id]);
    // a stale line that is no longer computed, and a line whose row went missing
    await t.db.query(
      `insert into commitment_risks (agreement_id, line_no, dealer_id, label, as_of, elapsed_months, term_months,
         commitment, to_date, probability, raw_probability, expected, lower80, upper80, shortfall_units, unit_value,
         shortfall_money, drivers, interventions)
       select agreement_id, 99, dealer_id, label, as_of, elapsed_months, term_months, commitment, to_date, probability,
         raw_probability, expected, lower80, upper80, shortfall_units, unit_value, shortfall_money, drivers, interventions
       from commitment_risks where agreement_id = $1 and line_no = 0`,
      [id],
    );
    await t.db.query(`delete from commitment_risks where agreement_id = $1 and line_no = 1`, [id]);
    expect(await rows([quiet.id])).not.toEqual(expected);
    await t.services.insights.refresh([quiet.id]);
    expect(await rows([quiet.id])).toEqual(expected);
  });
});
