/**
 * One dealer's risk in one running program (program-risk.service.ts `refresh`): the engine's
 * statement as of the risk's date, the measure's axis and thresholds (program-risk.ts
 * `measureBasis`), the simulation of the remaining months from the dealer's history, the supply
 * and market drivers, the planned ends of sale of the axis's model lines (each ending line's own
 * forecast after its end comes off the axis's: sales-end.ts `totalSalesEnd`), and the money of
 * each tier not yet reached. Pure: every input is given.
 */
import { Dec, moneyString } from '../../../shared/money';
import { monthFromIndex, monthIndex } from '../../../shared/months';
import type { ProgramDefinition } from '../../../shared/schemas/program';
import type { ProgramTierRisk } from '../../../shared/schemas/program-risk';
import { calculateStatement, type StatementInput } from '../incentives/calc';
import { compileTiers } from '../incentives/calc/tiers';
import type { Ctx, Loaded } from '../incentives/incentives-context';
import type { DealerRow, SkuRow, VersionRow } from '../incentives/incentives.repository';
import { priceOn } from '../incentives/pricing';
import { HISTORY_MONTHS, type Supply } from './agreement-risk';
import { supplyAssessment } from './assess-supply';
import { expectationFor, type DealerExpectation } from './dealer-expectation';
import {
  assessTiers,
  memoDraws,
  tierDrivers,
  type DrawsMemo,
  type TierRiskInput,
} from './program-risk';
import { expectedMissed, measureBasis, tierMoney } from './program-risk-measure';
import type { AxisHistoryRow, LineProgressRow, ProgramRiskWrite } from './program-risk.repository';
import { tierSteps } from './program-risk-steps';
import { totalSalesEnd, type SalesEnds } from './sales-end';

/** A dealer's engine input of one program (the statement's, without its period). */
export type DealerInput = Omit<StatementInput, 'period'>;

/** A running program: its version in force for the current window. */
export type Running = {
  p: Loaded;
  version: VersionRow;
  def: ProgramDefinition;
  period: string;
  window: { start: string; end: string; label: string };
  cutoff: string;
};

export type ProgramRiskOut = ProgramRiskWrite & { programName: string };

/** The engine's statement date of a program's risk: the basis, inside the window. */
export function statementDate(program: Running, basis: { asOf: string }): string {
  const { window, cutoff } = program;
  return basis.asOf < window.start ? window.start : basis.asOf > cutoff ? cutoff : basis.asOf;
}

/**
 * A program window's months as of a basis: its length, the complete months, the months still to
 * come and the first of them ('YYYY-MM'), and the months between the basis and a window not
 * started yet (`lead`).
 */
export function windowMonths(window: Running['window'], basis: { month: string }) {
  const startIndex = monthIndex(window.start.slice(0, 7));
  const term = monthIndex(window.end.slice(0, 7)) - startIndex + 1;
  const basisIndex = monthIndex(basis.month);
  const elapsed = Math.min(term, Math.max(0, basisIndex - startIndex));
  return {
    term,
    elapsed,
    remaining: term - elapsed,
    lead: Math.max(0, startIndex - basisIndex),
    firstRemaining: monthFromIndex(startIndex + elapsed),
  };
}

/** A model line of the axis whose sale ends (sales-end.ts `endingLines`) and its history. */
export type EndingHistory = { code: string; history: AxisHistoryRow | undefined };

/** A dealer's monthly series (HISTORY_MONTHS months ending before `basisIndex`). */
function series(row: AxisHistoryRow | undefined, basisIndex: number, revenue: boolean) {
  const first = basisIndex - HISTORY_MONTHS;
  const out = new Array<number>(HISTORY_MONTHS).fill(0);
  if (!row) return out;
  const values = revenue ? row.amounts : row.quantities;
  for (let k = 0; k < row.months.length; k += 1) {
    const at = row.months[k]! - first;
    if (at >= 0 && at < HISTORY_MONTHS) out[at] = Number(values[k]);
  }
  return out;
}

export function assessDealer(options: {
  program: Running;
  dealer: DealerRow;
  input: DealerInput;
  /**
   * The steps' and the money's template: the dealer's best-selling SKU of the axis among those
   * whose model line is still on sale, else the first of those (program-risk.service.ts); none:
   * no money and no steps.
   */
  sku: SkuRow | undefined;
  ctx: Ctx;
  basis: { month: string; asOf: string };
  history: AxisHistoryRow | undefined;
  others: AxisHistoryRow | undefined;
  lines: LineProgressRow[];
  axisSkus: SkuRow[];
  supply: Supply | undefined;
  market: { ratio: number; months: number } | undefined;
  /** The dealer's forecast-grid adjustments (dealer-expectation.ts), when it made any. */
  expectation?: DealerExpectation | undefined;
  modelLineName: string;
  memo?: DrawsMemo;
  /** The network's recalibration (risk-calibration.ts); absent: the shipped default. */
  recalibration?: TierRiskInput['recalibration'];
  /**
   * The catalog's planned ends of sale and the histories of the ending model lines of the axis
   * (`ending`) and, for ev_share, of the other qualifying units (`endingOthers`).
   */
  salesEnds?: SalesEnds;
  ending?: readonly EndingHistory[];
  endingOthers?: readonly EndingHistory[];
}): ProgramRiskOut | null {
  const { program, dealer, ctx, basis } = options;
  // one simulation per history for the tiers and the supply window alike
  const memo = options.memo ?? new Map();
  const { def, window } = program;
  const date = statementDate(program, basis);
  const input = {
    ...options.input,
    period: program.period,
    asOf: date,
    includeLines: false,
  };
  const statement = calculateStatement(input);
  if (!statement.eligible) return null;
  const currency = def.currency;
  const template = options.sku
    ? (() => {
        const msrp = priceOn(ctx.prices, options.sku.id, date, options.sku.msrp);
        return {
          sku: options.sku.code,
          modelLineCode: options.sku.modelLineCode,
          powertrain: options.sku.powertrain,
          segment: options.sku.segment,
          msrp,
          amountPerUnit: msrp,
          co2GPerKm: options.sku.co2GPerKm,
        };
      })()
    : null;
  const perUnit = template ? Number(template.amountPerUnit) : 0;
  const basisIndex = monthIndex(basis.month);
  const { term, elapsed, remaining, lead, firstRemaining } = windowMonths(window, basis);
  const revenueAxis =
    def.measure === 'revenue' || (def.measure === 'growth' && def.growthBasis === 'revenue');
  const history = series(options.history, basisIndex, revenueAxis);
  // Planned ends of sale: what each ending line's own forecast expects after its end (the month
  // of the end keeps its share of days) comes off the forecast (sales-end.ts, as the agreements).
  const salesEndOf = (lines: readonly EndingHistory[] | undefined, revenue: boolean) =>
    totalSalesEnd(
      options.salesEnds,
      (lines ?? []).map((line) => ({
        target: { targetKind: 'model_line', targetCode: line.code },
        forecast: () =>
          memoDraws(memo, series(line.history, basisIndex, revenue), remaining, 0, lead).base,
      })),
      firstRemaining,
      remaining,
    );
  const salesEnd = salesEndOf(options.ending, revenueAxis);
  const otherForecast =
    def.measure === 'ev_share'
      ? memoDraws(
          memo,
          series(options.others, basisIndex, false),
          remaining,
          0,
          lead,
          salesEndOf(options.endingOthers, false),
        ).mean
      : 0;
  const tiers = compileTiers(def).map((t) => ({ from: t.fromText, value: t.valueText }));
  const measured = measureBasis({
    measure: def.measure,
    growthBasis: def.growthBasis,
    froms: tiers.map((t) => t.from),
    volumes: statement.volumes,
    plannedQuantity:
      options.input.plannedQuantity === null || options.input.plannedQuantity === undefined
        ? null
        : Number(options.input.plannedQuantity),
    priorYear: options.input.priorYear
      ? {
          units: Number(options.input.priorYear.units),
          revenue: String(options.input.priorYear.revenue),
        }
      : null,
    otherForecast,
    perUnit,
  });
  if (!measured) return null;
  const reached =
    statement.tierReached === null
      ? -1
      : tiers.findIndex((t) => new Dec(t.from).eq(statement.tierReached!));
  // Supply (units axes): the axis's model lines' units on hand and promised, against the
  // forecast's first month and what the next tier still needs (assess-supply.ts, as the
  // agreements).
  const axisLines = new Set(options.axisSkus.map((sku) => sku.modelLineCode));
  const lineSupply =
    options.supply && !revenueAxis
      ? [...options.supply].filter(([code]) => axisLines.has(code)).map(([, v]) => v)
      : [];
  const supplyInput =
    lineSupply.length > 0
      ? {
          units: lineSupply.reduce((s, v) => s + v.units, 0),
          daysSupply: lineSupply.length === 1 ? lineSupply[0]!.daysSupply : null,
          label: lineSupply.length === 1 ? lineSupply[0]!.label : `${def.name}'s lines`,
        }
      : undefined;
  const nextThreshold = measured.thresholds.find(
    (t, k) => k > reached && t !== null && t > measured.toDate,
  );
  const draws0 = supplyInput ? memoDraws(memo, history, remaining, 1000, lead, salesEnd) : null;
  const supply = supplyInput
    ? supplyAssessment({
        supply: supplyInput,
        firstMonth: draws0!.first,
        remaining,
        lead,
        need: (nextThreshold ?? measured.toDate) - measured.toDate,
      })
    : null;
  const risk = assessTiers(
    {
      ...(supply ? { shortage: supply.shortage } : {}),
      history,
      toDate: measured.toDate,
      remaining,
      term,
      lead,
      thresholds: measured.thresholds,
      reached,
      isMonotone: def.measure !== 'ev_share',
      ...(revenueAxis ? { perUnit } : {}),
      ...(options.recalibration ? { recalibration: options.recalibration } : {}),
      ...(salesEnd ? { salesEnd } : {}),
    },
    memo,
  );
  const drivers = tierDrivers({
    history,
    toDate: measured.toDate,
    elapsed,
    term,
    lead,
    thresholds: measured.thresholds,
    reached: tiers.map((_, k) => k <= reached),
    result: risk,
    supply,
    ...(supplyInput ? { supplyInput } : {}),
    ...(options.market ? { market: options.market } : {}),
    lines: elapsed > 0 ? options.lines : [],
    // The grid is in units of model lines: only a units axis (every powertrain) compares with it.
    expectation:
      measured.axis === 'units' && !revenueAxis
        ? expectationFor(
            options.expectation,
            options.axisSkus.map((s) => s.modelLineCode),
            { startMonth: window.start.slice(0, 7), months: term, elapsed },
          )
        : null,
    unit: revenueAxis ? currency : measured.axis === 'bev_units' ? 'BEVs' : 'units',
  });
  const unitHistory = revenueAxis ? series(options.history, basisIndex, false) : history;
  const last12 = unitHistory.slice(-12);
  const reachable = Math.max(5, (2 * last12.reduce((s, v) => s + v, 0)) / 12);
  const tierRisks: ProgramTierRisk[] = tiers.map((tier, k) => {
    const r = risk.tiers[k]!;
    const isReached = k <= reached;
    const unitsNow = measured.unitsNow[k] ?? null;
    const money =
      !isReached && template && unitsNow !== null
        ? tierMoney({
            input,
            earned: statement.earned,
            template,
            units: unitsNow,
            date,
            tierFrom: tier.from,
          })
        : null;
    return {
      tier: k + 1,
      from: tier.from,
      value: tier.value,
      threshold: measured.thresholds[k] ?? null,
      reached: isReached,
      probability: r.probability,
      shortfall: r.shortfall,
      unitsNow: isReached ? 0 : (money?.units ?? unitsNow),
      unitsFor80: r.unitsFor80,
      adds: isReached ? moneyString(0, currency) : (money?.adds ?? null),
      pays: isReached ? moneyString(statement.earned, currency) : (money?.pays ?? null),
      expectedShortfallMoney:
        isReached || !money
          ? moneyString(0, currency)
          : expectedMissed(r.probability, money.adds, currency),
      drivers: drivers[k] ?? [],
    };
  });
  const interventions = tierSteps(tierRisks, {
    reachable,
    lineName: options.modelLineName,
    programName: def.name,
    currency,
    ...(template ? { modelLine: template.modelLineCode } : {}),
  });
  const next = tierRisks.find((t) => !t.reached);
  return {
    programId: program.p.row.id,
    programName: def.name,
    dealerId: dealer.id,
    period: program.period,
    windowLabel: window.label,
    windowStart: window.start,
    windowEnd: window.end,
    asOf: date,
    elapsedMonths: elapsed,
    termMonths: term,
    measure: def.measure,
    axis: measured.axis,
    measureValue: statement.measureValue,
    toDate: measured.toDate,
    expected: risk.expected,
    lower80: risk.lower80,
    upper80: risk.upper80,
    tierReached: reached,
    currency,
    earned: moneyString(statement.earned, currency),
    shortfallMoney: next?.expectedShortfallMoney ?? moneyString(0, currency),
    tiers: tierRisks,
    interventions,
  };
}
