/**
 * A dealer's statement recomputed without some feed rows (issue 14 §4, the chargeback of a
 * confirmed integrity flag, insights/chargeback.ts): the engine computes the period twice from
 * every row now in the feed (rows stored after the period was settled included, so what later
 * corrections paid for them counts here and only here; the correction lines it receives from
 * earlier periods left out, they are those periods' own), once with all rows and once without
 * the given ones (rows in `alreadyExcluded` are left out of both). The difference of the two is everything the rows earned in that period,
 * including the tier or cap they moved for the dealer's other units.
 */
import type { Actor } from '../../auth/actor';
import type { IncentivesContext } from './incentives-context';
import type { StatementComputation } from './statement-compute';

export type CounterfactualSide = {
  earned: string;
  measureValue: string | null;
  tierReached: string | null;
  lineCount: number;
};

export function createCounterfactualService({
  shared,
  compute,
}: {
  shared: IncentivesContext;
  compute: Pick<StatementComputation, 'computeStatements'>;
}) {
  const { context, loadProgram, dealerInScope } = shared;
  const side = (s: {
    earned: string;
    measureValue: string | null;
    tierReached: string | null;
    lineCount: number;
  }): CounterfactualSide => ({
    earned: s.earned,
    measureValue: s.measureValue,
    tierReached: s.tierReached,
    lineCount: s.lineCount,
  });
  return {
    async statementWithout(options: {
      actor: Actor;
      code: string;
      dealerCode: string;
      period: string;
      excludeTransactionIds: readonly string[];
      /** Rows left out of both sides (another confirmed flag's, already taken back). */
      alreadyExcluded?: readonly string[];
    }): Promise<{ currency: string; with: CounterfactualSide; without: CounterfactualSide }> {
      const dealer = await dealerInScope(options.actor, options.dealerCode);
      const program = await loadProgram(options.code);
      const ctx = await context();
      const run = async (exclude?: ReadonlySet<string>) => {
        const { items } = await compute.computeStatements({
          program,
          period: options.period,
          dealers: [dealer],
          withLines: true,
          ctx,
          live: true,
          maxFeedId: null,
          withoutCorrections: true,
          ...(exclude ? { excludeTransactionIds: exclude } : {}),
        });
        return items[0]!.statement;
      };
      const base = options.alreadyExcluded ?? [];
      const all = await run(base.length ? new Set(base) : undefined);
      const without = await run(new Set([...base, ...options.excludeTransactionIds]));
      return { currency: all.currency, with: side(all), without: side(without) };
    },
  };
}
