/**
 * The program tier risks' reads of the monthly roll-up (program-risk.service.ts `refresh`): per
 * dealer, the history of each program's axis (and, for ev_share, of its other qualifying units),
 * its best-selling SKU among those whose model line is still on sale (the steps' template), the
 * units per model line in the window so far and a year earlier (the mix), and the histories of
 * the axis's model lines whose planned end of sale falls in the window (each line's SKUs of the
 * axis: their forecast after the end comes off). Two ways that give the same answers: each
 * program's reads on their own (the per-dealer path), or every program's reads at once, each
 * distinct read (a SKU set and kinds) made once for the programs that count the same SKUs (the
 * network path; for a batch's dealers, each kind of read in one query for every program:
 * program-risk-reads.repository.ts).
 */
import type { Queryable } from '../../db/db';
import type { SkuRow } from '../incentives/incentives.repository';
import type { EndingHistory } from './program-risk-dealer';
import { pool } from './program-risk-network';
import { createProgramRiskReadsRepository, type RollUpSpec } from './program-risk-reads.repository';
import {
  createProgramRiskRepository,
  type AxisHistoryRow,
  type LineProgressRow,
} from './program-risk.repository';

/** What a program's history reads need: its axis's SKUs (and ev_share's others) and kinds. */
export type HistoryPlan = {
  axis: readonly SkuRow[];
  others: readonly SkuRow[];
  kinds: string[];
  /** The mix's first month: the window's complete months (at most the last 12). */
  mixFrom: string;
  /** The model lines of the axis (and of the others) whose sale ends (sales-end.ts `endingLines`). */
  ending: readonly EndingLine[];
  endingOthers: readonly EndingLine[];
  /** The axis's SKUs whose model line is still on sale: the best-selling SKU is one of them. */
  onSale: readonly SkuRow[];
};

/** A model line that ends sale and its SKUs among a program's axis (or others). */
export type EndingLine = { code: string; skuIds: number[] };

/** A program's reads for some dealers, by dealer. */
export type Histories = {
  histories: Map<number, AxisHistoryRow>;
  others: Map<number, AxisHistoryRow>;
  top: Map<number, number>;
  lines: Map<number, LineProgressRow[]>;
  /** Each ending line's history (by model line code, then dealer). */
  ending: Map<string, Map<number, AxisHistoryRow>>;
  endingOthers: Map<string, Map<number, AxisHistoryRow>>;
};

/** A dealer's histories of the ending lines (program-risk-dealer.ts `EndingHistory`). */
export function dealerEnding(
  lines: readonly EndingLine[],
  histories: Map<string, Map<number, AxisHistoryRow>>,
  dealerId: number,
): EndingHistory[] {
  return lines.map((l) => ({ code: l.code, history: histories.get(l.code)?.get(dealerId) }));
}

const byDealer = (rows: AxisHistoryRow[]) => new Map(rows.map((h) => [h.dealerId, h]));
const linesByDealer = (rows: LineProgressRow[]) => {
  const out = new Map<number, LineProgressRow[]>();
  for (const row of rows) out.set(row.dealerId, [...(out.get(row.dealerId) ?? []), row]);
  return out;
};

/**
 * The reads as of a basis: histories over [from, to) (HISTORY_MONTHS months before the basis
 * month `to`), the best-selling SKU over [topFrom, to) among a plan's SKUs still on sale.
 */
export function createHistoryReads(
  db: Queryable,
  window: { from: string; to: string; topFrom: string },
) {
  const { from, to, topFrom } = window;
  const repo = createProgramRiskRepository(db);

  /** A plan's histories for these dealers, each read on its own (the per-dealer path). */
  async function readHistories(plan: HistoryPlan, ids: number[]): Promise<Histories> {
    const axisIds = plan.axis.map((s) => s.id);
    const otherIds = plan.others.map((s) => s.id);
    const onSaleIds = plan.onSale.map((s) => s.id);
    const endingOf = async (ending: readonly EndingLine[]) =>
      new Map(
        await Promise.all(
          ending.map(
            async (l) =>
              [
                l.code,
                byDealer(await repo.axisHistories(ids, l.skuIds, plan.kinds, from, to)),
              ] as const,
          ),
        ),
      );
    const [histories, otherHistories, top, lines, ending, endingOthers] = await Promise.all([
      repo.axisHistories(ids, axisIds, plan.kinds, from, to).then(byDealer),
      otherIds.length > 0
        ? repo.axisHistories(ids, otherIds, plan.kinds, from, to).then(byDealer)
        : Promise.resolve(new Map<number, AxisHistoryRow>()),
      repo.topSkus(ids, onSaleIds, plan.kinds, topFrom, to),
      repo.lineProgress(ids, axisIds, plan.kinds, plan.mixFrom, to).then(linesByDealer),
      endingOf(plan.ending),
      endingOf(plan.endingOthers),
    ]);
    return { histories, others: otherHistories, top, lines, ending, endingOthers };
  }

  /**
   * Every plan's histories for these dealers, each distinct read (a SKU set and kinds) once
   * for the programs that count the same SKUs: for a batch's dealers (`many`) each kind of
   * read in one query for every program (program-risk-reads.repository.ts); for the network,
   * each distinct read on its own (`width` at once), as large reads.
   */
  async function readAllHistories<P extends HistoryPlan>(
    list: readonly P[],
    ids: number[],
    many: boolean,
    width: number,
  ): Promise<Map<P, Histories>> {
    const keyOf = (kinds: string[], skuIds: number[], at = '') =>
      `${kinds.join(',')}|${skuIds.join(',')}|${at}`;
    const histSpecs = new Map<string, RollUpSpec>();
    const topSpecs = new Map<string, RollUpSpec>();
    const lineSpecs = new Map<string, RollUpSpec & { from: string }>();
    for (const plan of list) {
      const axisIds = plan.axis.map((s) => s.id);
      const otherIds = plan.others.map((s) => s.id);
      histSpecs.set(keyOf(plan.kinds, axisIds), { skuIds: axisIds, kinds: plan.kinds });
      if (otherIds.length > 0)
        histSpecs.set(keyOf(plan.kinds, otherIds), { skuIds: otherIds, kinds: plan.kinds });
      for (const l of [...plan.ending, ...plan.endingOthers])
        histSpecs.set(keyOf(plan.kinds, l.skuIds), { skuIds: l.skuIds, kinds: plan.kinds });
      const onSaleIds = plan.onSale.map((s) => s.id);
      topSpecs.set(keyOf(plan.kinds, onSaleIds), { skuIds: onSaleIds, kinds: plan.kinds });
      lineSpecs.set(keyOf(plan.kinds, axisIds, plan.mixFrom), {
        skuIds: axisIds,
        kinds: plan.kinds,
        from: plan.mixFrom,
      });
    }
    const grouped = createProgramRiskReadsRepository(db);
    /** The reads of some specs: in one query (`many`) or each on its own. */
    const readEach = async <S extends RollUpSpec, T>(
      specs: Map<string, S>,
      all: (list: S[]) => Promise<Map<number, T>>,
      one: (spec: S) => Promise<T>,
      none: T,
    ): Promise<Map<string, T>> => {
      const keys = [...specs.keys()];
      const values = [...specs.values()];
      const answers = many
        ? await all(values).then((byIndex) => values.map((_, i) => byIndex.get(i) ?? none))
        : await pool(values, width, one);
      return new Map(keys.map((k, i) => [k, answers[i]!]));
    };
    const [hist, top, lines] = await Promise.all([
      readEach(
        histSpecs,
        (l) => grouped.axisHistories(ids, l, from, to),
        (x) => repo.axisHistories(ids, x.skuIds, x.kinds, from, to),
        [] as AxisHistoryRow[],
      ),
      readEach(
        topSpecs,
        (l) => grouped.topSkus(ids, l, topFrom, to),
        (x) => repo.topSkus(ids, x.skuIds, x.kinds, topFrom, to),
        new Map<number, number>(),
      ),
      readEach(
        lineSpecs,
        (l) => grouped.lineProgress(ids, l, to),
        (x) => repo.lineProgress(ids, x.skuIds, x.kinds, x.from, to),
        [] as LineProgressRow[],
      ),
    ]);
    const out = new Map<P, Histories>();
    for (const plan of list) {
      const axisIds = plan.axis.map((s) => s.id);
      const otherIds = plan.others.map((s) => s.id);
      const onSaleIds = plan.onSale.map((s) => s.id);
      const endingOf = (ending: readonly EndingLine[]) =>
        new Map(ending.map((l) => [l.code, byDealer(hist.get(keyOf(plan.kinds, l.skuIds))!)]));
      out.set(plan, {
        histories: byDealer(hist.get(keyOf(plan.kinds, axisIds))!),
        others:
          otherIds.length > 0
            ? byDealer(hist.get(keyOf(plan.kinds, otherIds))!)
            : new Map<number, AxisHistoryRow>(),
        top: top.get(keyOf(plan.kinds, onSaleIds))!,
        lines: linesByDealer(lines.get(keyOf(plan.kinds, axisIds, plan.mixFrom))!),
        ending: endingOf(plan.ending),
        endingOthers: endingOf(plan.endingOthers),
      });
    }
    return out;
  }

  return { readHistories, readAllHistories };
}
