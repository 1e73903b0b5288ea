/**
 * Program budget: the total earned across dealers against the program's budget. An overrun is
 * shown, never silently pro-rated: dealers are paid what their statements say and finance sees
 * by how much the program is over.
 */
import { Dec, moneyString, sumDec } from '../../../../shared/money';
import type { ProgramDefinition } from '../../../../shared/schemas/program';

export type BudgetUse = {
  currency: string;
  /** null when the program has no budget. */
  budget: string | null;
  dealerCount: number;
  totalEarned: string;
  /** budget − totalEarned when not overrun, else 0; null without a budget. */
  remaining: string | null;
  /** totalEarned − budget when positive, else 0. */
  overrun: string;
  isOverrun: boolean;
  /** totalEarned × 100 / budget, 2 decimals (half-up); null without a budget or with 0. */
  usedPercent: string | null;
};

export function calculateBudgetUse(options: {
  program: Pick<ProgramDefinition, 'currency' | 'budget'>;
  earned: readonly { dealerCode: string; earned: string }[];
}): BudgetUse {
  const { program } = options;
  const currency = program.currency;
  const total = sumDec(options.earned.map((e) => e.earned));
  const dealerCount = new Set(options.earned.map((e) => e.dealerCode)).size;
  if (program.budget === null || program.budget === undefined) {
    return {
      currency,
      budget: null,
      dealerCount,
      totalEarned: moneyString(total, currency),
      remaining: null,
      overrun: moneyString(0, currency),
      isOverrun: false,
      usedPercent: null,
    };
  }
  const budget = new Dec(program.budget);
  const over = total.minus(budget);
  return {
    currency,
    budget: moneyString(budget, currency),
    dealerCount,
    totalEarned: moneyString(total, currency),
    remaining: moneyString(over.gt(0) ? 0 : over.neg(), currency),
    overrun: moneyString(over.gt(0) ? over : 0, currency),
    isOverrun: over.gt(0),
    usedPercent: budget.isZero() ? null : total.times(100).div(budget).toFixed(2),
  };
}
