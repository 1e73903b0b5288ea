/**
 * One agreement's risks (issue 14): its totals (line 0) and each line, from the lines' monthly
 * histories of counted units, the as-of basis (riskBasis) and the dealer's supply per model line
 * (readSupply, the availability module's days' supply). Pure except readSupply.
 */
import { Dec, moneyString, roundMoney } from '../../../shared/money';
import { addMonths, monthIndex } from '../../../shared/months';
import type { Queryable } from '../../db/db';
import { completeMonths } from '../agreements/agreement-periods';
import { createAvailabilityRepository } from '../availability/availability.repository';
import { daysSupply } from '../availability/days-supply';
import { backfillPoints } from './agreement-backfill';
import { withMix, type LineGap } from './agreement-mix';
import { assessCommitment, type Intervention } from './assess';
import { SUPPLY_LEAD_DAYS } from './assess-supply';
import { expectationFor, type DealerExpectation } from './dealer-expectation';
import type { LineHistoryRow, RiskAgreementRow, RiskWrite } from './insights.repository';
import type { ActiveCalibration } from './risk-calibration';
import {
  endedBefore,
  lineSalesEnd,
  sumSalesEnds,
  type SalesEnd,
  type SalesEnds,
  type SalesEndInput,
} from './sales-end';

/** Months of history before the current month that the forecast sees (at least). */
export const HISTORY_MONTHS = 36;

function plannedByMonth(
  planned: readonly number[],
  frequency: 'monthly' | 'quarterly',
  months: number,
): number[] {
  if (frequency === 'monthly') return Array.from({ length: months }, (_, m) => planned[m] ?? 0);
  return Array.from({ length: months }, (_, m) => (planned[Math.floor(m / 3)] ?? 0) / 3);
}

const pct = (p: number) => `${Math.round(p * 100)} %`;

/** A line's counted units by month index, and its unit value's basis (insights.repository). */
export type LineHistory = Pick<
  LineHistoryRow,
  'months' | 'quantities' | 'soldUnits' | 'soldAmount'
>;

/**
 * The month the risks are computed as of (docs/insights.md, "As of"): the first month that is not
 * complete. That is the current month, unless the actuals stop earlier (a demo network generated
 * up to its last complete month and read weeks later, or a feed that has stopped): then the
 * month after the latest month with actuals, so the months without data are forecast, not
 * counted as months without sales. `asOf` is the last day of the last complete month.
 */
export function riskBasis(today: string, latestActualsMonth: string | null) {
  const current = today.slice(0, 7);
  const month =
    latestActualsMonth !== null && latestActualsMonth < current
      ? addMonths(latestActualsMonth, 1)
      : current;
  const end = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 0));
  return { month, asOf: end.toISOString().slice(0, 10) };
}

/** Assesses one agreement: its totals (line 0) and each line. */
export function assessAgreement(
  agreement: RiskAgreementRow,
  histories: Map<number, LineHistory>,
  options: {
    today: string;
    currency: string;
    backfill?: boolean;
    basis?: string;
    asOf?: string;
    /** The dealer's supply per model line code (availability), when it has a pipeline. */
    supply?: Map<string, { units: number; daysSupply: number | null; label: string }>;
    /** The regional market's trend (market-trend.ts), when the market feed covers the region. */
    market?: { ratio: number; months: number };
    /** The network's recalibration (risk-calibration-job.ts); null/absent: the shipped default. */
    calibration?: ActiveCalibration;
    /** The dealer's forecast-grid adjustments (dealer-expectation.ts), when it made any. */
    expectation?: DealerExpectation;
    /** The catalog's planned ends of sale (sales-end.ts), when any line has one. */
    salesEnds?: SalesEnds;
  },
): RiskWrite[] {
  const recalibration = options.calibration ? { recalibration: options.calibration.points } : {};
  // The first month that is not complete (riskBasis), the current month by default.
  const current = options.basis ?? options.today.slice(0, 7);
  const elapsed = completeMonths(agreement.startMonth, agreement.months, `${current}-01`);
  // The forecast's history: the complete months up to the current one (the term's included).
  const start = monthIndex(agreement.startMonth);
  const currentIndex = monthIndex(current);
  // History ends with the term's complete months, or (term not started) the last complete month.
  const end = elapsed > 0 ? start + elapsed : Math.min(start, currentIndex);
  const first = Math.min(start, currentIndex - HISTORY_MONTHS);
  const length = Math.max(0, end - first);
  // Months between the last complete month and a term that has not started yet.
  const lead = elapsed > 0 ? 0 : Math.max(0, start - currentIndex);
  const units: {
    lineNo: number;
    label: string;
    targetKind: string;
    targetCode: string;
    history: number[];
    planned: number[];
    unitValue: Dec;
  }[] = [];
  for (const line of agreement.lines) {
    const h = histories.get(line.lineNo);
    const history = new Array<number>(length).fill(0);
    if (h)
      for (let k = 0; k < h.months.length; k += 1) {
        const at = h.months[k]! - first;
        if (at >= 0 && at < length) history[at] = h.quantities[k]!;
      }
    const soldUnits = h?.soldUnits ?? 0;
    const soldAmount = new Dec(h?.soldAmount ?? 0);
    const plannedUnits = line.planned.reduce((s, q) => s + q, 0);
    const plannedRevenue = (line.revenue ?? []).reduce<Dec>(
      (s, r) => (r === null ? s : s.plus(new Dec(r))),
      new Dec(0),
    );
    const unitValue =
      soldUnits > 0 && soldAmount.gt(0)
        ? soldAmount.div(soldUnits)
        : plannedUnits > 0 && plannedRevenue.gt(0)
          ? plannedRevenue.div(plannedUnits)
          : new Dec(0);
    units.push({
      lineNo: line.lineNo,
      label: line.label,
      targetKind: line.targetKind,
      targetCode: line.targetCode,
      history,
      planned: plannedByMonth(line.planned, agreement.frequency, agreement.months),
      unitValue,
    });
  }
  const totalHistory = Array.from({ length }, (_, i) =>
    units.reduce((s, u) => s + u.history[i]!, 0),
  );
  const totalPlanned = Array.from({ length: agreement.months }, (_, m) =>
    units.reduce((s, u) => s + u.planned[m]!, 0),
  );
  const totalPlannedUnits = totalPlanned.reduce((s, v) => s + v, 0);
  const totalValue =
    totalPlannedUnits > 0
      ? units
          .reduce(
            (s, u) => s.plus(u.unitValue.mul(u.planned.reduce((a, b) => a + b, 0))),
            new Dec(0),
          )
          .div(totalPlannedUnits)
      : new Dec(0);

  const results: RiskWrite[] = [];
  const lineGaps: LineGap[] = [];
  // The lines first: the totals' supply driver is the sum of the lines' shortages.
  const subjects = [
    ...units,
    {
      lineNo: 0,
      label: 'Total',
      history: totalHistory,
      planned: totalPlanned,
      unitValue: totalValue,
      targetKind: '',
      targetCode: '',
    },
  ];
  let shortage = 0;
  // Planned ends of sale within the remaining months: a line's own, and for the totals the units
  // the ending lines' forecasts lose per month (the lines are assessed first).
  const firstRemaining = addMonths(agreement.startMonth, elapsed);
  const remainingMonths = agreement.months - elapsed;
  const ending: { ends: readonly SalesEnd[]; lost: readonly number[] }[] = [];
  // A line whose sale ended before the first day extra units count (today, or the term's start)
  // gets no "more units" or allocation, and the totals' advice never names it (agreement-mix.ts).
  const termStart = `${agreement.startMonth}-01`;
  const sellFrom = options.today > termStart ? options.today : termStart;
  const salesEndOf = (subject: (typeof subjects)[number]): SalesEndInput | undefined =>
    subject.lineNo === 0
      ? sumSalesEnds(ending, remainingMonths)
      : lineSalesEnd(options.salesEnds, subject, firstRemaining, remainingMonths);
  // The dealer's own expectation is per model line: a model-line line's own, the totals' the sum
  // over the agreement's model lines.
  const modelLinesOf = (subject: (typeof subjects)[number]) =>
    subject.lineNo === 0
      ? units.filter((u) => u.targetKind === 'model_line').map((u) => u.targetCode)
      : subject.targetKind === 'model_line'
        ? [subject.targetCode]
        : [];
  for (const subject of subjects) {
    const lineSupply =
      subject.lineNo > 0 && subject.targetKind === 'model_line'
        ? options.supply?.get(subject.targetCode)
        : undefined;
    const salesEnd = salesEndOf(subject);
    const a = assessCommitment({
      label: subject.label,
      history: subject.history,
      plannedByMonth: subject.planned,
      elapsed,
      lead,
      ...(salesEnd ? { salesEnd } : {}),
      ...(lineSupply ? { supply: lineSupply } : {}),
      ...(subject.lineNo === 0 && options.supply ? { supply: { shortage } } : {}),
      ...(options.market ? { market: options.market } : {}),
      ...recalibration,
      expectation: expectationFor(options.expectation, modelLinesOf(subject), {
        startMonth: agreement.startMonth,
        months: agreement.months,
        elapsed,
      }),
    });
    shortage += a.supply?.shortage ?? 0;
    if (subject.lineNo > 0 && a.salesEndLost && salesEnd)
      ending.push({ ends: salesEnd.ends, lost: a.salesEndLost });
    const ended =
      subject.lineNo > 0 ? endedBefore(options.salesEnds, subject, sellFrom) : undefined;
    if (subject.lineNo > 0)
      lineGaps.push({
        label: subject.label,
        targetKind: subject.targetKind,
        targetCode: subject.targetCode,
        gap: a.commitment - a.expected,
        ended,
      });
    const value = subject.unitValue;
    const interventions: Intervention[] = [];
    const what = subject.lineNo === 0 ? 'any line' : subject.label;
    const modelLine =
      subject.lineNo > 0 && subject.targetKind === 'model_line' ? subject.targetCode : undefined;
    // Units within reach this month: at most twice the plan's average month (else an amendment).
    const reachable = Math.max(5, (2 * a.commitment) / Math.max(1, a.term));
    for (const step of ended ? [] : a.unitsFor) {
      if (step.units === null || step.units === 0 || step.units > reachable) continue;
      if (interventions.some((i) => i.kind === 'more_units' && i.units === step.units)) continue;
      interventions.push({
        kind: 'more_units',
        units: step.units,
        probability: step.target,
        ...(subject.lineNo > 0 ? { line: subject.label } : {}),
        ...(modelLine ? { modelLine } : {}),
        amount: moneyString(roundMoney(value.mul(step.units), options.currency), options.currency),
        text: `${step.units} more ${step.units === 1 ? 'unit' : 'units'} of ${what} this month lift${step.units === 1 ? 's' : ''} the probability to ${pct(step.target)}`,
      });
    }
    const remaining = a.term - a.elapsed;
    if (a.supply?.ask && lineSupply && !ended) {
      interventions.push({
        kind: 'allocation',
        units: a.supply.ask,
        ...(a.supply.probability !== undefined ? { probability: a.supply.probability } : {}),
        line: subject.label,
        ...(modelLine ? { modelLine } : {}),
        amount: moneyString(
          roundMoney(value.mul(a.supply.ask), options.currency),
          options.currency,
        ),
        text: `ask for allocation of ${lineSupply.label}: ${a.supply.units} units in stock and on the way${a.supply.daysSupply === null || a.supply.daysSupply === undefined ? '' : ` (${a.supply.daysSupply} days' supply)`} against about ${Math.ceil(a.supply.need ?? 0)} needed in the next ${SUPPLY_LEAD_DAYS} days to stay on plan; ${a.supply.ask} more units`,
      });
    }
    if (remaining > 0 && a.probability < 0.2) {
      interventions.push({
        kind: 'amendment',
        units: Math.round(a.expected),
        text: `propose an amendment to a realistic plan: about ${Math.round(a.expected)} units (80 % interval ${Math.round(a.lower80)}–${Math.round(a.upper80)}) instead of ${Math.round(a.commitment)}`,
      });
    }
    const shortfallMoney = roundMoney(value.mul(a.shortfallUnits), options.currency);
    if (remaining > 0 && a.probability < 0.5 && shortfallMoney.gt(0)) {
      interventions.push({
        kind: 'field_visit',
        amount: moneyString(shortfallMoney, options.currency),
        text: `field visit: about ${Math.round(a.shortfallUnits)} units expected short of the commitment`,
      });
    }
    const drivers = a.drivers;
    results.push({
      agreementId: agreement.id,
      lineNo: subject.lineNo,
      dealerId: agreement.dealerId,
      label: subject.label,
      asOf: options.asOf ?? options.today,
      elapsedMonths: a.elapsed,
      termMonths: a.term,
      commitment: Math.round(a.commitment),
      toDate: Math.round(a.toDate),
      probability: a.probability,
      rawProbability: a.rawProbability,
      calibrationId: options.calibration?.id ?? null,
      expected: a.expected,
      lower80: a.lower80,
      upper80: a.upper80,
      shortfallUnits: a.shortfallUnits,
      unitValue: moneyString(roundMoney(value, options.currency), options.currency),
      shortfallMoney: moneyString(shortfallMoney, options.currency),
      drivers,
      interventions,
    });
  }
  // The totals come first; their mix and lagging line need the lines' gaps.
  results.unshift(results.pop()!);
  if (subjects.length > 1 && results[0]) results[0] = withMix(results[0], lineGaps);
  // A term seen for the first time gets its past: the totals as of each complete month, with
  // the planned ends of sale known now (agreement-backfill.ts).
  if (options.backfill && results[0]) {
    const past = backfillPoints({
      startMonth: agreement.startMonth,
      elapsed,
      totalHistory,
      totalPlanned,
      lines: units,
      salesEnds: options.salesEnds,
      ...recalibration,
    });
    results[0] = { ...results[0], past };
  }
  return results;
}

export type Supply = Map<string, { units: number; daysSupply: number | null; label: string }>;

/**
 * Days' supply per dealer × model line code, as the availability module computes it
 * (days-supply.ts: stock + in transit + in build + unfilled allocation over expected daily
 * sales), for the dealers that have a vehicle pipeline (others: no supply driver).
 */
export async function readSupply(
  db: Queryable,
  today: string,
  dealerIds: number[],
  catalog: Map<number, { modelLineId: number; code: string; name: string }>,
): Promise<Map<number, Supply>> {
  const availability = createAvailabilityRepository();
  const [positions, pending, expected] = await Promise.all([
    availability.positions(db, today, dealerIds, null),
    availability.pendingAllocation(db, dealerIds, null),
    availability.expectedDaily(db, today, dealerIds, null),
  ]);
  type Acc = { units: number; nextEta: string | null; stock: number; name: string };
  const byDealer = new Map<number, Map<string, Acc>>();
  const at = (dealerId: number, code: string, name: string) => {
    let lines = byDealer.get(dealerId);
    if (!lines) byDealer.set(dealerId, (lines = new Map()));
    let acc = lines.get(code);
    if (!acc) lines.set(code, (acc = { units: 0, nextEta: null, stock: 0, name }));
    return acc;
  };
  for (const p of positions) {
    const sku = catalog.get(p.sku_id);
    if (!sku) continue;
    const acc = at(p.dealer_id, sku.code, sku.name);
    acc.units += p.stock + p.in_transit + p.in_build + p.on_order;
    acc.stock += p.stock;
    if (p.next_eta && (!acc.nextEta || p.next_eta < acc.nextEta)) acc.nextEta = p.next_eta;
  }
  for (const p of pending) {
    const sku = catalog.get(p.sku_id);
    if (sku) at(p.dealer_id, sku.code, sku.name).units += p.units;
  }
  const lineById = new Map([...catalog.values()].map((s) => [s.modelLineId, s]));
  const daily = new Map(expected.map((e) => [`${e.dealer_id}|${e.model_line_id}`, e.daily]));
  const out = new Map<number, Supply>();
  for (const [dealerId, lines] of byDealer) {
    const supply: Supply = new Map();
    // Every model line of the catalog: a line without vehicles has no supply at all.
    for (const line of lineById.values()) {
      const acc = lines.get(line.code);
      const units = acc?.units ?? 0;
      const rate = daily.get(`${dealerId}|${line.modelLineId}`) ?? 0;
      const { daysSupply: days } = daysSupply({
        position: { stock: units, inTransit: 0, inBuild: 0, onOrder: 0, pendingAllocation: 0 },
        expectedDailySales: rate,
        today,
        nextEta: acc?.nextEta ?? null,
      });
      supply.set(line.code, { units, daysSupply: days, label: line.name });
    }
    out.set(dealerId, supply);
  }
  return out;
}
