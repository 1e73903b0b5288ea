/**
 * The pure incentive calculation engine (issue 4). No database: the service loads rows with
 * SQL and calls these functions. Rules and choices: docs/incentives.md.
 */
export { calculateAccrual, projectAccrual, type Accrual, type AccrualProjection } from './accruals';
export { calculateBudgetUse, type BudgetUse } from './budget';
export { checkEligibility, type EligibilityResult } from './eligibility';
export { findFilterWarnings, matchesFilter, type CatalogSku } from './filters';
export { calculateMeasure, formatMeasure } from './measure';
export {
  classifyArrival,
  findSettlementPeriod,
  findWindow,
  listSettlementPeriods,
  listWindows,
  priorYearRange,
  quarterLabel,
  resolvePeriod,
  adjustmentPeriodsOf,
  type Arrival,
  type CalendarOptions,
  type IncentiveWindow,
  type SettlementPeriod,
} from './periods';
export {
  bevUnitsNeeded,
  calculateProgress,
  hypotheticalTransactions,
  whatIf,
  type Progress,
  type ProgressInput,
  type ProgressNeeded,
  type WhatIfResult,
  type WhatIfTemplate,
} from './progress';
export {
  calculateStatement,
  groupTransactionsByWindow,
  type ExcludedTransaction,
  type Statement,
  type StatementInput,
  type StatementLine,
  type StatementLineKind,
  type StatementLinePart,
  type StatementVolumes,
} from './statement';
export { type VinBlockReason, vinBlockDetail } from './vin-blocks';
export { calculateTierPayout, findNextTier, findTierReached } from './tiers';
