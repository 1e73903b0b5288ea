/**
 * The writes of program_tier_risks and their history (program-risk.service.ts `refresh`; part of
 * program-risk.repository.ts, as risk-write.repository.ts is of the insights repository): a
 * refresh's rows through a staging table and written in place (`save`; their COPY lines:
 * program-risk-copy.ts), with today's history point of each; the stored rows' hashes a refresh
 * reads first to send an unchanged risk as a short line (`storedHashes`); the rows a save slice
 * by slice leaves (`dropOthers`) and those of programs no longer running (`prune`).
 */
import type { Queryable } from '../../db/db';
import {
  COLUMNS,
  copyText,
  FROM_STAGE,
  STAGE_COLUMNS,
  tierRiskKey,
  UPDATED,
  type RiskToWrite,
} from './program-risk-copy';

export function createProgramRiskWriteRepository(db: Queryable) {
  /**
   * The rows through a staging table (COPY: no large JSON parameter to parse; COPY itself does
   * not apply row-level security, the insert from the stage does), their JSON staged as text
   * with the hash of the row (program-risk-copy.ts), written in place: a staged row whose hash is
   * the stored row's is unchanged and left alone (its JSON never parsed into jsonb nor compared;
   * no dead row version), only the others are cast and written: a row that exists is updated (its
   * `computed_at` moved only when a value changed: a row stored before its hash only takes it; a
   * HOT update where its page has room: fillfactor, migration 0054), a new one inserted. A short
   * line (`stored`: the risk computed to the hash read before) is never written into a row; one
   * whose stored row no longer has that hash (another refresh wrote it since) is replaced in the
   * stage by its full line first. In the caller's transaction; the stage stays for `save`'s
   * delete and the history.
   */
  const upsertRows = async (
    rows: RiskToWrite[],
    calibrationId: number | null,
    stored: ReadonlyMap<string, string> | undefined,
  ) => {
    await db.query(
      `create temp table program_risk_stage on commit drop as
         select ${STAGE_COLUMNS}, null::float8[] as probabilities, content_hash
         from program_tier_risks with no data`,
    );
    const copy = `copy program_risk_stage (${COLUMNS}, probabilities, content_hash) from stdin with (format csv)`;
    await db.copyFrom(copy, copyText(rows, calibrationId, stored));
    if (stored) {
      const { rows: changed } = await db.query<{ programId: number; dealerId: number }>(
        `delete from program_risk_stage s
         where s.tiers is null and not exists (select 1 from program_tier_risks o
           where o.program_id = s.program_id and o.dealer_id = s.dealer_id and o.content_hash = s.content_hash)
         returning s.program_id as "programId", s.dealer_id as "dealerId"`,
      );
      if (changed.length > 0) {
        const keys = new Set(changed.map((c) => tierRiskKey(c.programId, c.dealerId)));
        const full = rows.filter((x) => keys.has(tierRiskKey(x.programId, x.dealerId)));
        await db.copyFrom(copy, copyText(full, calibrationId));
      }
    }
    await db.query(
      `insert into program_tier_risks as r (${COLUMNS}, calibration_id, content_hash)
       select ${FROM_STAGE}, $1::int, s.content_hash from program_risk_stage s
       where s.tiers is not null and not exists (select 1 from program_tier_risks o where o.program_id = s.program_id
         and o.dealer_id = s.dealer_id and o.content_hash = s.content_hash)
       on conflict (program_id, dealer_id) do update
         set ${UPDATED.map((c) => `${c} = excluded.${c}`).join(', ')}, content_hash = excluded.content_hash,
           computed_at = case when (${UPDATED.map((c) => `r.${c}`).join(', ')})
             is distinct from (${UPDATED.map((c) => `excluded.${c}`).join(', ')}) then now() else r.computed_at end
         where r.content_hash is distinct from excluded.content_hash`,
      [calibrationId],
    );
  };
  return {
    /**
     * Replaces the risks of these programs for these dealers (all dealers when null): a program
     * that stopped running, or a dealer no longer eligible, loses its row. `calibrationId`: the
     * network recalibration the rows were computed with (risk_calibrations), null: the default.
     * Rows are updated in place (`upsertRows`; `computed_at`: when the row's values were last
     * computed different), and only the rows not computed again are deleted: repeated batch
     * refreshes leave few dead row versions and index entries (tests/insights-program-risk-bloat.test.ts).
     */
    async save(
      programIds: number[],
      dealerIds: number[] | null,
      rows: RiskToWrite[],
      day?: string,
      calibrationId: number | null = null,
      /** the stored rows' hashes read before the computation (`storedHashes`): short lines */
      stored?: ReadonlyMap<string, string>,
    ): Promise<void> {
      if (rows.length > 0) await upsertRows(rows, calibrationId, stored);
      await db.query(
        `delete from program_tier_risks r where ($1::int[] is null or r.dealer_id = any($1::int[]))
           and ($2::int[] is null or r.program_id = any($2::int[]))
           ${rows.length > 0 ? 'and not exists (select 1 from program_risk_stage s where s.program_id = r.program_id and s.dealer_id = r.dealer_id)' : ''}`,
        [dealerIds, programIds.length === 0 ? null : programIds],
      );
      if (day === undefined || rows.length === 0) return;
      // Today's point of each risk's history (the latest computation of the day wins), from the
      // stage: after the write above, the rows of these dealers and programs are the staged ones
      // (their tiers' probabilities staged beside them: no read back of the written JSON). A
      // point that did not change is left as it is (no dead row version).
      await db.query(
        `insert into program_tier_risk_history as h (program_id, dealer_id, window_label, day, probabilities, expected)
         select s.program_id, s.dealer_id, s.window_label, $1::date, s.probabilities, s.expected
         from program_risk_stage s
         on conflict (program_id, dealer_id, day) do update
           set window_label = excluded.window_label, probabilities = excluded.probabilities, expected = excluded.expected
           where (h.window_label, h.probabilities, h.expected)
             is distinct from (excluded.window_label, excluded.probabilities, excluded.expected)`,
        [day],
      );
    },

    /**
     * The stored risks' content hashes of these programs (and dealers, or all), by `tierRiskKey`:
     * what `save` compares a computed risk with to send it as a short line (program-risk-copy.ts).
     */
    async storedHashes(
      programIds: number[],
      dealerIds: number[] | null,
    ): Promise<Map<string, string>> {
      const { rows } = await db.query<{ p: number; d: number; h: string }>(
        // a uuid column: its 32 hex digits, as contentHash writes them
        `select program_id as p, dealer_id as d, replace(content_hash::text, '-', '') as h
         from program_tier_risks
         where program_id = any($1::int[]) and ($2::int[] is null or dealer_id = any($2::int[]))
           and content_hash is not null`,
        [programIds, dealerIds],
      );
      return new Map(rows.map((r) => [tierRiskKey(r.p, r.d), r.h]));
    },

    /**
     * Rows of these programs (all when none) for dealers (of `dealerIds`, or all) that are not
     * `kept` go: what `save` of the whole set would have deleted, after a save slice by slice.
     */
    async dropOthers(
      programIds: number[],
      dealerIds: number[] | null,
      kept: number[],
    ): Promise<void> {
      await db.query(
        `delete from program_tier_risks where ($1::int[] is null or dealer_id = any($1::int[]))
           and ($2::int[] is null or program_id = any($2::int[])) and not (dealer_id = any($3::int[]))`,
        [dealerIds, programIds.length === 0 ? null : programIds, kept],
      );
    },

    /** Rows of programs no longer running (for these dealers, or all) go. */
    async prune(runningIds: number[], dealerIds: number[] | null): Promise<void> {
      await db.query(
        `delete from program_tier_risks where not (program_id = any($1::int[]))
           and ($2::int[] is null or dealer_id = any($2::int[]))`,
        [runningIds, dealerIds],
      );
    },
  };
}
