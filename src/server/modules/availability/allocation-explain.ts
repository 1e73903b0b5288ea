/**
 * A stored allocation result's inputs and sentence, derived on read (issue 16): a run stores each
 * dealer's inputs once per round (allocation_dealer_inputs) and per result only its share, quota,
 * basis and rounding; the sentence is rebuilt by the formula's own text (`explainResult`) from
 * those, the run's formula and the round's bases and supply. Rows stored before that keep their
 * own inputs and sentence.
 */
import type { Queryable } from '../../db/db';
import {
  explainResult,
  type AllocationFormula,
  type DealerAllocationInput,
  type Rounding,
} from './allocation';
import type { RoundBases } from './allocation-compute';
import { findRunBases } from './allocation-run.repository';

export type StoredResultRow = {
  runId: number;
  round: number;
  sku: string;
  powertrain: string;
  formulaUnits: number;
  inputs: Record<string, unknown> | null;
  explanation: string | null;
  dealerInputs: Record<string, unknown> | null;
  share: number | null;
  quota: number | null;
  basis: number | null;
  rounding: Rounding | null;
};

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Fills in each row's `inputs` and `explanation` (derived where the row did not store them). */
export async function explainStoredRows<T extends StoredResultRow>(
  q: Pick<Queryable, 'query'>,
  rows: T[],
) {
  const runIds = [...new Set(rows.filter((r) => r.explanation === null).map((r) => r.runId))];
  const runs = new Map(
    runIds.length
      ? (await findRunBases(q, runIds)).map((r) => [
          r.id,
          { formula: r.formula, rounds: r.round_bases as Record<string, RoundBases> },
        ])
      : [],
  );
  return rows.map((r) => {
    const {
      runId,
      powertrain,
      dealerInputs,
      share,
      quota,
      basis,
      rounding,
      inputs,
      explanation,
      ...rest
    } = r;
    if (explanation !== null || !dealerInputs)
      return { ...rest, inputs: inputs ?? {}, explanation: explanation ?? '' };
    const run = runs.get(runId)!;
    const formula: AllocationFormula = run.formula;
    const round = run.rounds[String(r.round)]!;
    const dealer = dealerInputs as DealerAllocationInput;
    return {
      ...rest,
      inputs: {
        ...dealerInputs,
        share: round6(share ?? 0),
        quota: round2(quota ?? 0),
        cap: formula.caps[dealer.tier] ?? null,
      } as Record<string, unknown>,
      explanation: explainResult({
        dealer,
        formula,
        basis: round.bases[basis ?? 0]!,
        supply: round.supply[r.sku] ?? 0,
        isBev: powertrain === 'BEV',
        units: r.formulaUnits,
        share: share ?? 0,
        quota: quota ?? 0,
        rounding: rounding ?? 'w',
      }),
    };
  });
}
