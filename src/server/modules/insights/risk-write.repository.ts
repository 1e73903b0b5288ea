/**
 * The writes of commitment_risks and their history (issue 14, Performance; part of the insights
 * repository): risks as COPY text (`riskCopyText`: one CSV line per risk and the hash of its
 * content, or a short line for a risk computed to its stored row's hash), staged and written in
 * place under one lock (`applyStage`), with today's history point of each.
 */
import { csvField, type Queryable } from '../../db/db';
import type { RiskWrite } from './insights.repository';
import { riskContentHash, stageColumnLists } from './risk-content-hash';

/** Any constant: risk writes take turns on it (saveRisks). */
const RISK_WRITE_LOCK = 7_305_141;

/** The columns of commitment_risks a write sets (computed_at: set when a value changes). */
const RISK_COLUMNS = `agreement_id, line_no, dealer_id, label, as_of, elapsed_months, term_months, commitment,
  to_date, probability, raw_probability, expected, lower80, upper80, shortfall_units, unit_value, shortfall_money,
  drivers, interventions, calibration_id`;

const COLUMN_NAMES = RISK_COLUMNS.split(',').map((c) => c.trim());

/** The columns an existing row takes from a new computation (all but its key and time). */
const RISK_UPDATED = COLUMN_NAMES.filter(
  (c) => c !== 'agreement_id' && c !== 'line_no' && c !== 'dealer_id',
);

/**
 * The staged columns (RISK_COLUMNS, the JSON as text, then the hash) and RISK_COLUMNS read from
 * the stage (its JSON text cast to jsonb, for a changed row only).
 */
const { stage: STAGE_COLUMNS, fromStage: FROM_STAGE } = stageColumnLists(RISK_COLUMNS, [
  'drivers',
  'interventions',
]);

/** The positions of a short line's columns in RISK_COLUMNS: the key and today's history point. */
const SHORT = ['agreement_id', 'line_no', 'dealer_id', 'probability', 'expected'].map((c) =>
  COLUMN_NAMES.indexOf(c),
);

/** An unchanged risk's line (RISK_COLUMNS): its key and today's history point, nothing else. */
function shortLine(r: RiskWrite): string {
  const columns: (string | number | null)[] = new Array(COLUMN_NAMES.length).fill(null);
  const values = [r.agreementId, r.lineNo, r.dealerId, r.probability, r.expected];
  for (const [k, at] of SHORT.entries()) columns[at] = values[k]!;
  return columns.map(csvField).join(',');
}

/** A stored risk's key in `storedHashes`: agreement, line and dealer. */
export const riskKey = (agreementId: number, lineNo: number, dealerId: number) =>
  `${agreementId}:${lineNo}:${dealerId}`;

/**
 * Risks as COPY text (CSV) of RISK_COLUMNS and the hash of their content (content_hash, migration
 * 0068: `riskContentHash` of the same columns),
 * and their totals' past points (agreement, dealer, day, probability, expected): the network
 * refresh encodes each slice as it is computed. Numbers are written as JSON writes them (the
 * shortest text that reads back the same double), so the same risk gives the same text.
 *
 * With `stored` (the stored rows' hashes by `riskKey`, read with the slice), a risk whose hash
 * is the stored one's goes as a short line: its key, probability, expected (today's history
 * point) and hash, the other columns empty. The risk is unchanged, so nothing else of it is
 * written, and the database is spared most of the text: on a night without new inputs, every
 * row (BENCHMARKS.md, fifteenth session). `applyStage` never writes a short line into a risk:
 * if the stored row changed since (another refresh wrote between the read and this write), the
 * caller's `refill` sends the full line instead.
 */
export function riskCopyText(
  risks: readonly RiskWrite[],
  stored?: ReadonlyMap<string, string>,
): { risks: string; past: string } {
  let text = '';
  let past = '';
  for (const r of risks) {
    const drivers = JSON.stringify(r.drivers);
    const interventions = JSON.stringify(r.interventions);
    const scalars = [
      r.agreementId,
      r.lineNo,
      r.dealerId,
      r.label,
      r.asOf,
      r.elapsedMonths,
      r.termMonths,
      r.commitment,
      r.toDate,
      r.probability,
      r.rawProbability,
      r.expected,
      r.lower80,
      r.upper80,
      r.shortfallUnits,
      r.unitValue,
      r.shortfallMoney,
    ];
    const hash = riskContentHash([...scalars, r.calibrationId], [drivers, interventions]);
    // the full line only for a changed risk: an unchanged one's JSON is never quoted
    text +=
      stored?.get(riskKey(r.agreementId, r.lineNo, r.dealerId)) === hash
        ? `${shortLine(r)},${hash}\n`
        : `${[...scalars, drivers, interventions, r.calibrationId].map(csvField).join(',')},${hash}\n`;
    for (const p of r.past ?? [])
      past += `${r.agreementId},${r.dealerId},${p.day},${p.probability},${p.expected}\n`;
  }
  return { risks: text, past };
}

/** The full COPY lines (riskCopyText without `stored`) of the risks of these keys (riskKey). */
export type Refill = (keys: ReadonlySet<string>) => string;

export function createRiskWriteRepository(db: Queryable) {
  /** The staging table of one write's risks (RISK_COLUMNS), dropped at its transaction's end. */
  const createStage = () =>
    db.query(
      `create temp table risk_stage on commit drop as
         select ${STAGE_COLUMNS}, content_hash from commitment_risks with no data`,
    );

  /**
   * Short lines (riskCopyText with `stored`) whose stored row no longer has their hash (another
   * refresh wrote it after this one read the hashes): replaced in the stage by their full lines
   * from `refill`, under the write lock, before anything is written.
   */
  const refillChanged = async (agreementIds: number[], refill: Refill) => {
    const { rows } = await db.query<{ agreementId: number; lineNo: number; dealerId: number }>(
      `delete from risk_stage s
       where s.drivers is null and s.agreement_id = any($1::int[])
         and not exists (select 1 from commitment_risks o where o.agreement_id = s.agreement_id
           and o.line_no = s.line_no and o.dealer_id = s.dealer_id and o.content_hash = s.content_hash)
       returning s.agreement_id as "agreementId", s.line_no as "lineNo", s.dealer_id as "dealerId"`,
      [agreementIds],
    );
    if (rows.length === 0) return;
    const keys = new Set(rows.map((r) => riskKey(r.agreementId, r.lineNo, r.dealerId)));
    await db.copyFrom(
      `copy risk_stage (${RISK_COLUMNS}, content_hash) from stdin with (format csv)`,
      [refill(keys)],
    );
  };

  /**
   * Writes the staged risks of these agreements read at `readAt` (in the caller's transaction)
   * and returns the agreements left as they were. Risk writes take turns (a transaction lock),
   * and an agreement whose risks were read after `readAt` (commitment_risk_reads, migration
   * 0058) keeps them: an older read that finishes last does not undo a newer one. The others
   * are written in place: a staged row whose hash is the stored row's is unchanged and left as it
   * was (its JSON not even parsed: no dead row version, no index entry); a row whose hash differs
   * is updated (`computed_at`: `readAt`, the read of the computation that changed it, unless its
   * values are in fact equal: a row stored before its hash only takes the hash; a HOT update where
   * its page has room, fillfactor 70), a new one inserted, and only the rows not computed again
   * are deleted; their read time is recorded. Then
   * today's history point of each risk (the latest computation of the day wins; an unchanged
   * point is not rewritten). Repeated batch refreshes leave few dead rows
   * (tests/insights-risk-bloat.test.ts).
   */
  const applyStage = async (
    agreementIds: number[],
    day: string,
    readAt: string,
    refill?: Refill,
  ): Promise<Set<number>> => {
    await db.query(`select pg_advisory_xact_lock(${RISK_WRITE_LOCK})`);
    const { rows: newer } = await db.query<{ id: number }>(
      `select agreement_id as id from commitment_risk_reads
        where agreement_id = any($1::int[]) and read_at > $2::timestamptz`,
      [agreementIds, readAt],
    );
    const kept = new Set(newer.map((r) => r.id));
    const ids = kept.size === 0 ? agreementIds : agreementIds.filter((id) => !kept.has(id));
    if (ids.length === 0) return kept;
    if (refill) await refillChanged(ids, refill);
    await db.query(
      `insert into commitment_risks as r (${RISK_COLUMNS}, content_hash, computed_at)
       select ${FROM_STAGE}, s.content_hash, $2::timestamptz from risk_stage s
       where s.agreement_id = any($1::int[]) and s.drivers is not null
         and not exists (select 1 from commitment_risks o where o.agreement_id = s.agreement_id
           and o.line_no = s.line_no and o.dealer_id = s.dealer_id and o.content_hash = s.content_hash)
       on conflict (agreement_id, line_no, dealer_id) do update
         set ${RISK_UPDATED.map((c) => `${c} = excluded.${c}`).join(', ')}, content_hash = excluded.content_hash,
           computed_at = case when (${RISK_UPDATED.map((c) => `r.${c}`).join(', ')})
             is distinct from (${RISK_UPDATED.map((c) => `excluded.${c}`).join(', ')})
             then excluded.computed_at else r.computed_at end
         where r.content_hash is distinct from excluded.content_hash`,
      [ids, readAt],
    );
    await db.query(
      `delete from commitment_risks r where r.agreement_id = any($1::int[])
         and not exists (select 1 from risk_stage s
           where s.agreement_id = r.agreement_id and s.line_no = r.line_no and s.dealer_id = r.dealer_id)`,
      [ids],
    );
    await db.query(
      `insert into commitment_risk_reads as x (agreement_id, dealer_id, read_at)
       select a.id, a.dealer_id, $2::timestamptz from agreements a where a.id = any($1::int[])
       on conflict (agreement_id, dealer_id) do update set read_at = excluded.read_at
         where x.read_at is distinct from excluded.read_at`,
      [ids, readAt],
    );
    await db.query(
      `insert into commitment_risk_history as h (agreement_id, line_no, dealer_id, day, probability, expected)
       select agreement_id, line_no, dealer_id, $2::date, probability, expected from risk_stage
       where agreement_id = any($1::int[])
       on conflict (agreement_id, line_no, day, dealer_id) do update
         set probability = excluded.probability, expected = excluded.expected
         where (h.probability, h.expected) is distinct from (excluded.probability, excluded.expected)`,
      [ids, day],
    );
    return kept;
  };

  return {
    /**
     * Replaces the risks of these agreements with ones read at `readAt` (in a transaction), in
     * place (`applyStage`): the chunked path's write, its rows through the same staging table as
     * `saveRisksStaged`, and its new terms' past points.
     */
    async saveRisks(
      agreementIds: number[],
      risks: RiskWrite[],
      day: string,
      readAt: string,
    ): Promise<void> {
      if (agreementIds.length === 0) return;
      await createStage();
      if (risks.length > 0)
        await db.copyFrom(
          `copy risk_stage (${RISK_COLUMNS}, content_hash) from stdin with (format csv)`,
          [riskCopyText(risks).risks],
        );
      const kept = await applyStage(agreementIds, day, readAt);
      const past = risks
        .filter((r) => !kept.has(r.agreementId))
        .flatMap((r) =>
          (r.past ?? []).map((p) => ({ agreementId: r.agreementId, dealerId: r.dealerId, ...p })),
        );
      if (past.length > 0)
        await db.query(
          `insert into commitment_risk_history (agreement_id, line_no, dealer_id, day, probability, expected)
           select x."agreementId", 0, x."dealerId", x.day::date, x.probability, x.expected
           from jsonb_to_recordset($1::jsonb) as x("agreementId" int, "dealerId" int, day text, probability float8, expected float8)
           on conflict (agreement_id, line_no, day, dealer_id) do nothing`,
          [JSON.stringify(past)],
        );
    },

    /**
     * `saveRisks` for many agreements at once (the network refresh), set-based: the risks' COPY
     * text (riskCopyText) into the staging table, then the same in-place write (`applyStage`)
     * and one insert of the new terms' past points.
     */
    async saveRisksStaged(input: {
      agreementIds: number[];
      risks: Iterable<string>;
      past: Iterable<string>;
      day: string;
      readAt: string;
      /** the full lines of short ones whose stored row changed since (riskCopyText) */
      refill?: Refill;
    }): Promise<void> {
      if (input.agreementIds.length === 0) return;
      await createStage();
      await db.query(
        `create temp table risk_past_stage (agreement_id int, dealer_id int, day date, probability float8, expected float8)
         on commit drop`,
      );
      await db.copyFrom(
        `copy risk_stage (${RISK_COLUMNS}, content_hash) from stdin with (format csv)`,
        input.risks,
      );
      await db.copyFrom(
        `copy risk_past_stage (agreement_id, dealer_id, day, probability, expected) from stdin with (format csv)`,
        input.past,
      );
      const kept = await applyStage(input.agreementIds, input.day, input.readAt, input.refill);
      await db.query(
        `insert into commitment_risk_history (agreement_id, line_no, dealer_id, day, probability, expected)
         select agreement_id, 0, dealer_id, day, probability, expected from risk_past_stage
         where agreement_id <> all($1::int[])
         on conflict (agreement_id, line_no, day, dealer_id) do nothing`,
        [[...kept]],
      );
    },

    /** The stored risks' content hashes of these agreements, by `riskKey` (riskCopyText). */
    async storedHashes(agreementIds: number[]): Promise<Map<string, string>> {
      const { rows } = await db.query<{ a: number; l: number; d: number; h: string }>(
        // a uuid column: its 32 hex digits, as contentHash writes them
        `select agreement_id as a, line_no as l, dealer_id as d, replace(content_hash::text, '-', '') as h
         from commitment_risks where agreement_id = any($1::int[]) and content_hash is not null`,
        [agreementIds],
      );
      return new Map(rows.map((r) => [riskKey(r.a, r.l, r.d), r.h]));
    },

    /** Which of these agreements already have a history. */
    async agreementsWithHistory(agreementIds: number[]): Promise<Set<number>> {
      const { rows } = await db.query<{ id: number }>(
        `select distinct agreement_id as id from commitment_risk_history where agreement_id = any($1::int[])`,
        [agreementIds],
      );
      return new Set(rows.map((r) => r.id));
    },
  };
}
