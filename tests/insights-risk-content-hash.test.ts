/**
 * Issue 14, Performance: each stored risk keeps the hash of its content (content_hash, migration
 * 0068), and a refresh writes only the rows whose hash changed: an unchanged risk's JSON is not
 * parsed nor compared. A row stored before the hash existed takes it on the next refresh without
 * its `computed_at` moving; the next night (a new day, the same month: the same `as_of`) rewrites
 * no risk row, and every risk's history still gets that day's point. The network refresh sends
 * an unchanged risk as a short line (its key, history point and hash): one whose stored row
 * another refresh changed after the hashes were read is written in full all the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/server/modules/demo/seed';
import { seedIncentivePrograms } from '../src/server/modules/incentives/incentives.seed';
import { csvField } from '../src/server/db/db';
import { createInsightsRepository } from '../src/server/modules/insights/insights.repository';
import { riskKey } from '../src/server/modules/insights/risk-write.repository';
import { contentHash } from '../src/server/modules/insights/risk-content-hash';
import { createProgramRiskRepository } from '../src/server/modules/insights/program-risk.repository';
import { copyText, type RiskToWrite } from '../src/server/modules/insights/program-risk-copy';
import { unpackTiers } from '../src/server/modules/insights/program-risk-store';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

const TABLES = [
  { table: 'commitment_risks', key: `agreement_id || '/' || line_no` },
  { table: 'program_tier_risks', key: `program_id || '/' || dealer_id` },
] as const;

describe.each(engines())('insights: risks written by their content hash (%s)', (engine) => {
  let t: TestApp;
  let today = '2026-11-20';

  /** Each row's key, version (place and writing transaction), hash and computation time. */
  const stored = async (table: string, key: string) =>
    (
      await t.db.query<{ key: string; v: string; hash: string | null; computedAt: string }>(
        `select ${key} as key, ctid::text || ' ' || xmin::text as v, content_hash::text as hash,
           computed_at::text as "computedAt"
         from ${table} order by 1`,
      )
    ).rows;
  const values = async (table: string, key: string) =>
    (
      await t.db.query<Record<string, unknown>>(
        `select ${key} as key, to_jsonb(r) - 'content_hash' - 'computed_at' as row from ${table} r order by 1`,
      )
    ).rows;

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: () => today });
    await seedDemo(t.services, {
      seed: 7,
      dealers: 4,
      months: 30,
      endMonth: '2026-10',
      agreementLines: 3,
    });
    expect(await seedIncentivePrograms(t.services)).toBe(5);
    await t.services.insights.refresh(null);
  }, 300_000);
  afterAll(async () => t?.close());

  it('a row stored before its hash takes it without being computed again', async () => {
    const before = await Promise.all(TABLES.map((x) => stored(x.table, x.key)));
    const rows = await Promise.all(TABLES.map((x) => values(x.table, x.key)));
    for (const list of before) {
      expect(list.length).toBeGreaterThan(0);
      expect(list.every((r) => r.hash !== null)).toBe(true);
    }
    // as stored before migration 0068
    for (const { table } of TABLES) await t.db.query(`update ${table} set content_hash = null`);
    await t.services.insights.refresh(null);
    for (const [i, { table, key }] of TABLES.entries()) {
      const after = await stored(table, key);
      expect(after.map((r) => [r.key, r.hash, r.computedAt])).toEqual(
        before[i]!.map((r) => [r.key, r.hash, r.computedAt]),
      );
      expect(await values(table, key)).toEqual(rows[i]);
    }
  });

  it('the next night rewrites no unchanged risk and still adds its point of the day', async () => {
    const before = await Promise.all(TABLES.map((x) => stored(x.table, x.key)));
    const days = async () =>
      (
        await t.db.query<{ table: string; day: string; n: number }>(
          `select 'agreements' as table, day::text, count(*)::int as n from commitment_risk_history group by 2
           union all
           select 'programs', day::text, count(*)::int from program_tier_risk_history group by 2
           order by 1, 2`,
        )
      ).rows;
    expect((await days()).map((d) => d.day)).not.toContain('2026-11-21');
    today = '2026-11-21';
    await t.services.insights.refresh(null);
    for (const [i, { table, key }] of TABLES.entries())
      expect(await stored(table, key)).toEqual(before[i]);
    // every risk has its point of each night, the same probabilities on both
    const counted = await days();
    for (const name of ['agreements', 'programs']) {
      const mine = counted.filter((d) => d.table === name);
      const last = mine.filter((d) => d.day >= '2026-11-20');
      expect(last.map((d) => d.day)).toEqual(['2026-11-20', '2026-11-21']);
      expect(last[1]!.n).toBe(last[0]!.n);
    }
    const { rows: moved } = await t.db.query<{ n: number }>(
      `select (select count(*) from commitment_risk_history a join commitment_risk_history b
           on b.agreement_id = a.agreement_id and b.line_no = a.line_no and b.dealer_id = a.dealer_id
          where a.day = '2026-11-20' and b.day = '2026-11-21'
            and (a.probability, a.expected) is distinct from (b.probability, b.expected))
        + (select count(*) from program_tier_risk_history a join program_tier_risk_history b
           on b.program_id = a.program_id and b.dealer_id = a.dealer_id
          where a.day = '2026-11-20' and b.day = '2026-11-21'
            and (a.probabilities, a.expected) is distinct from (b.probabilities, b.expected))::int as n`,
    );
    expect(Number(moved[0]!.n)).toBe(0);
  });

  it('writes in full a short line whose stored row changed after the hashes were read', async () => {
    // One agreement's risks as a refresh computed them: full COPY lines rebuilt from the rows,
    // their stored hashes read (as the network path reads them with the slice's histories).
    const { rows } = await t.db.query<Record<string, string | number | null>>(
      `select agreement_id, line_no, dealer_id, label, to_char(as_of, 'YYYY-MM-DD') as as_of, elapsed_months,
         term_months, commitment, to_date, probability, raw_probability, expected, lower80, upper80,
         shortfall_units, unit_value::text as unit_value, shortfall_money::text as shortfall_money,
         drivers::text as drivers, interventions::text as interventions, calibration_id,
         replace(content_hash::text, '-', '') as hash
       from commitment_risks
       where agreement_id = (select min(agreement_id) from commitment_risks where line_no = 1)
       order by line_no`,
    );
    expect(rows.length).toBeGreaterThan(1);
    const agreementId = Number(rows[0]!.agreement_id);
    const key = (r: (typeof rows)[number]) =>
      riskKey(Number(r.agreement_id), Number(r.line_no), Number(r.dealer_id));
    const full = (r: (typeof rows)[number]) => {
      const { hash: _hash, ...columns } = r;
      const line = Object.values(columns).map(csvField).join(',');
      return `${line},${contentHash(line)}\n`;
    };
    const short = (r: (typeof rows)[number]) =>
      `${[r.agreement_id, r.line_no, r.dealer_id, ...new Array<null>(6).fill(null), r.probability, null, r.expected, ...new Array<null>(8).fill(null)].map(csvField).join(',')},${r.hash}\n`;
    const before = await values('commitment_risks', "agreement_id || '/' || line_no");
    // another refresh changes line 1 after this one read the hashes, before it writes
    await t.db.query(
      `update commitment_risks set drivers = '[]', content_hash = '00000000-0000-0000-0000-000000000000'
       where agreement_id = $1 and line_no = 1`,
      [agreementId],
    );
    const { rows: now } = await t.db.query<{ at: string }>(`select clock_timestamp()::text as at`);
    const refilled: string[] = [];
    await t.db.transaction((tx) =>
      createInsightsRepository(tx).saveRisksStaged({
        agreementIds: [agreementId],
        risks: [rows.map(short).join('')],
        past: [],
        day: today,
        readAt: now[0]!.at,
        refill: (keys) => {
          refilled.push(...keys);
          return rows
            .filter((r) => keys.has(key(r)))
            .map(full)
            .join('');
        },
      }),
    );
    expect(refilled).toEqual([key(rows[1]!)]);
    const after = await values('commitment_risks', "agreement_id || '/' || line_no");
    expect(after).toEqual(before); // line 1 written back in full; the others as they were
    const { rows: hashes } = await t.db.query<{ hash: string }>(
      `select replace(content_hash::text, '-', '') as hash from commitment_risks
       where agreement_id = $1 and line_no = 1`,
      [agreementId],
    );
    expect(hashes[0]!.hash).toBe(full(rows[1]!).trim().split(',').at(-1));
  });

  it('writes in full a short tier line whose stored row changed after the hashes were read', async () => {
    // One dealer's program tier risks as a refresh computed them, rebuilt from the stored rows,
    // their lines' hashes stored as if that refresh had written them, then read as the network
    // path reads them before it computes.
    const { rows: found } = await t.db.query<Record<string, unknown>>(
      `select program_id as "programId", dealer_id as "dealerId", program_name as "programName", period,
         window_label as "windowLabel", to_char(window_start, 'YYYY-MM-DD') as "windowStart",
         to_char(window_end, 'YYYY-MM-DD') as "windowEnd", to_char(as_of, 'YYYY-MM-DD') as "asOf",
         elapsed_months as "elapsedMonths", term_months as "termMonths", measure, axis,
         measure_value as "measureValue", to_date as "toDate", expected, lower80, upper80,
         tier_reached as "tierReached", currency, earned::text as earned,
         shortfall_money::text as "shortfallMoney", tiers, interventions
       from program_tier_risks
       where dealer_id = (select dealer_id from program_tier_risks group by 1 having count(*) > 1 order by 1 limit 1)
       order by program_id`,
    );
    const rows = found.map((r) => ({ ...r, tiers: unpackTiers(r.tiers) }) as RiskToWrite);
    expect(rows.length).toBeGreaterThan(1);
    const dealerId = rows[0]!.dealerId;
    const programIds = rows.map((r) => r.programId);
    const lines = (text: Iterable<string>) => [...text].join('').trim().split('\n');
    const hashes = lines(copyText(rows, null)).map((line) => line.split(',').at(-1)!);
    for (const [i, r] of rows.entries())
      await t.db.query(
        `update program_tier_risks set content_hash = $3::uuid, calibration_id = null
         where program_id = $1 and dealer_id = $2`,
        [r.programId, dealerId, hashes[i]],
      );
    const read = await createProgramRiskRepository(t.db).storedHashes(programIds, [dealerId]);
    expect(read.size).toBe(rows.length);
    // every risk goes as a short line: no program name, no tiers
    for (const [i, line] of lines(copyText(rows, null, read)).entries()) {
      expect(line).not.toContain(rows[i]!.programName);
      expect(line.endsWith(`,${hashes[i]}`)).toBe(true);
    }
    const key = `program_id || '/' || dealer_id`;
    const before = await values('program_tier_risks', key);
    const versions = await stored('program_tier_risks', key);
    // another refresh changes the first program's row after this one read the hashes
    await t.db.query(
      `update program_tier_risks set tiers = '[]', content_hash = '00000000-0000-0000-0000-000000000000'
       where program_id = $1 and dealer_id = $2`,
      [programIds[0], dealerId],
    );
    await t.db.transaction((tx) =>
      createProgramRiskRepository(tx).save(programIds, [dealerId], rows, today, null, read),
    );
    // the first row written back in full; the others left as they were, not even rewritten
    expect(await values('program_tier_risks', key)).toEqual(before);
    const after = await stored('program_tier_risks', key);
    const changedKey = `${programIds[0]}/${dealerId}`;
    expect(after.find((r) => r.key === changedKey)!.hash!.replaceAll('-', '')).toBe(hashes[0]);
    expect(after.filter((r) => r.key !== changedKey)).toEqual(
      versions.filter((r) => r.key !== changedKey),
    );
  });
});
