/**
 * A model line's planned end of sale (issue 14 §1; catalog `model_lines.sales_end_on`, the last
 * day the line is sold): the sales history cannot foresee a line that stops selling, the OEM's
 * product plan does. For a commitment of such a line, the remaining months after the end add
 * zero expected units and zero spread (risk-model.ts `keep`); the month the sale ends in keeps
 * the share of its days up to the end. An agreement's totals lose what the ending lines' own
 * forecasts expected after their ends, and so do its past points when a term is seen for the
 * first time (agreement-backfill.ts) and a program tier's window total, from the axis's ending
 * model lines (program-risk-dealer.ts). The units lost are a driver of their own (`sales_end`),
 * so the drivers still add up to the gap (docs/insights.md, "Planned end of sale").
 */
import { addMonths, monthIndex } from '../../../shared/months';
import { hasSaleEnded } from '../catalog/model-line-sale';

/**
 * The catalog's planned ends of sale (model_lines.sales_end_on): the model lines that have one
 * (by code: their name and last day of sale) and the SKUs of those lines (code → line code).
 */
export type SalesEnds = {
  lines: Map<string, { name: string; on: string }>;
  skus: Map<string, string>;
};

/**
 * An agreement line's end of sale within its `count` remaining months from `firstMonth`: a line
 * on a model line or on a SKU of it (a product group: none). Undefined: no end in those months.
 */
export function lineSalesEnd(
  ends: SalesEnds | undefined,
  target: { targetKind: string; targetCode: string },
  firstMonth: string,
  count: number,
): SalesEndInput | undefined {
  const code = lineCodeOf(ends, target);
  const end = code === undefined ? undefined : ends?.lines.get(code);
  if (!end || !ends) return undefined;
  // the same for every dealer: kept per catalog read (the nightly asks it per dealer × program)
  let known = endsMemo.get(ends);
  if (!known) endsMemo.set(ends, (known = new Map()));
  const key = `${code}|${firstMonth}|${count}`;
  if (known.has(key)) return known.get(key);
  const input = endsWithin(end.on, firstMonth, count)
    ? { ends: [{ label: end.name, on: end.on }], keep: keepUntil(end.on, firstMonth, count) }
    : undefined;
  known.set(key, input);
  return input;
}

/** The model line of a line on a model line or on a SKU of it (a product group: none). */
function lineCodeOf(
  ends: SalesEnds | undefined,
  target: { targetKind: string; targetCode: string },
) {
  return target.targetKind === 'model_line'
    ? target.targetCode
    : target.targetKind === 'sku'
      ? ends?.skus.get(target.targetCode)
      : undefined;
}

/** The planned end of a line on a model line or on a SKU of it (a product group: none). */
function endOf(ends: SalesEnds | undefined, target: { targetKind: string; targetCode: string }) {
  const code = lineCodeOf(ends, target);
  return code === undefined ? undefined : ends?.lines.get(code);
}

/**
 * The end of a line (on a model line or a SKU of it) whose last day of sale is before `day`, the
 * first day a dealer's extra units could count (the refresh's today, or a later first day of the
 * term or window): no intervention tells the dealer to sell more of it (catalog/model-line-sale.ts
 * `hasSaleEnded`). Undefined: on sale then.
 */
export function endedBefore(
  ends: SalesEnds | undefined,
  target: { targetKind: string; targetCode: string },
  day: string,
): SalesEnd | undefined {
  const end = endOf(ends, target);
  return end && hasSaleEnded(end.on, day) ? { label: end.name, on: end.on } : undefined;
}

/** The SKUs whose model line is still on sale on `day` (no end, or an end on `day` or later). */
export function onSaleSkus<S extends { modelLineCode: string }>(
  ends: SalesEnds | undefined,
  skus: readonly S[],
  day: string,
): S[] {
  return skus.filter(
    (s) => !endedBefore(ends, { targetKind: 'model_line', targetCode: s.modelLineCode }, day),
  );
}

/** `lineSalesEnd`'s answers by catalog read and (line, first month, months): read-only. */
const endsMemo = new WeakMap<SalesEnds, Map<string, SalesEndInput | undefined>>();

/**
 * A total's end of sale from its ending parts (an agreement's totals from its lines): per
 * remaining month, the units the parts' own forecasts lose, summed, and each end named once.
 * Undefined: no part ends.
 */
export function sumSalesEnds(
  parts: readonly { ends: readonly SalesEnd[]; lost: readonly number[] }[],
  count: number,
): SalesEndInput | undefined {
  if (parts.length === 0) return undefined;
  const ends: SalesEnd[] = [];
  const lost = new Array<number>(Math.max(0, count)).fill(0);
  for (const part of parts) {
    part.lost.forEach((v, h) => {
      if (h < lost.length) lost[h]! += v;
    });
    for (const e of part.ends) if (!ends.some((x) => x.label === e.label)) ends.push(e);
  }
  return { ends, lost };
}

/** The least a line's end must take off a total to count (what shows as 0.1 unit, rounded). */
export const SALES_END_MIN_UNITS = 0.05;

/**
 * A total's end of sale from its lines' own forecasts of the `count` months from `firstMonth`
 * (a program's axis from its model lines, an agreement's past totals from its lines): each line
 * that ends (`lineSalesEnd`) loses what its forecast expected after the end (the month of the
 * end keeps its share of days), summed by `sumSalesEnds`. A line whose forecast loses less than
 * SALES_END_MIN_UNITS (it stopped selling long ago: a forecast of a few hundredths) is left out,
 * so a long-ended line of a program's axis is not named for "0 units fewer". `forecast` is asked
 * only of the lines that end.
 */
export function totalSalesEnd(
  ends: SalesEnds | undefined,
  lines: readonly {
    target: { targetKind: string; targetCode: string };
    forecast: () => readonly number[];
  }[],
  firstMonth: string,
  count: number,
): SalesEndInput | undefined {
  if (!ends || ends.lines.size === 0) return undefined;
  const parts: { ends: readonly SalesEnd[]; lost: readonly number[] }[] = [];
  for (const line of lines) {
    const input = lineSalesEnd(ends, line.target, firstMonth, count);
    const ended = input ? applySalesEnd(line.forecast(), input) : null;
    if (input && ended && ended.units >= SALES_END_MIN_UNITS)
      parts.push({ ends: input.ends, lost: ended.lost });
  }
  return sumSalesEnds(parts, count);
}

/**
 * The model lines of some SKUs (a program's axis) whose end of sale falls before the end of the
 * `count` months from `firstMonth`, each with its SKUs among them (code order).
 */
export function endingLines(
  ends: SalesEnds | undefined,
  skus: readonly { id: number; modelLineCode: string }[],
  firstMonth: string,
  count: number,
): { code: string; skuIds: number[] }[] {
  const out = new Map<string, number[]>();
  for (const sku of skus) {
    const end = ends?.lines.get(sku.modelLineCode);
    if (!end || !endsWithin(end.on, firstMonth, count)) continue;
    const list = out.get(sku.modelLineCode);
    if (list) list.push(sku.id);
    else out.set(sku.modelLineCode, [sku.id]);
  }
  return [...out]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, skuIds]) => ({ code, skuIds }));
}

/** One model line that ends sale, as the texts name it. */
export type SalesEnd = { label: string; on: string };

export type SalesEndInput = {
  ends: readonly SalesEnd[];
  /** A line: per remaining month, the share of the forecast still sold (1 before the end, 0 after). */
  keep?: readonly number[];
  /** The totals: per remaining month, the units the ending lines' own forecasts lose. */
  lost?: readonly number[];
};

/**
 * The months a backtest (insights:backtest `--demo`) lets the plan be known before the line's
 * first month without sales: an OEM announces a line's end of sale to its network about a year
 * ahead (the model year before), so a term starting less than 12 months before the end sees it,
 * an earlier one does not.
 */
export const SALES_END_NOTICE_MONTHS = 12;

const daysIn = (month: string) =>
  new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();

/**
 * The share of each of `count` months from `firstMonth` ('YYYY-MM') still sold when the line's
 * last day of sale is `on` ('YYYY-MM-DD'): 1 before its month, the share of days up to it in its
 * month, 0 after.
 */
export function keepUntil(on: string, firstMonth: string, count: number): number[] {
  const end = monthIndex(on.slice(0, 7));
  const first = monthIndex(firstMonth);
  const inEndMonth = Number(on.slice(8, 10)) / daysIn(on.slice(0, 7));
  return Array.from({ length: count }, (_, h) =>
    first + h < end ? 1 : first + h === end ? inEndMonth : 0,
  );
}

/** Whether `on` ends the sale before the end of the `count` months from `firstMonth`. */
export function endsWithin(on: string, firstMonth: string, count: number): boolean {
  return (
    count > 0 &&
    on < `${addMonths(firstMonth, count - 1)}-${daysIn(addMonths(firstMonth, count - 1))}`
  );
}

/**
 * The forecast of the remaining months once the ends are applied: `kept` (what is still sold),
 * `keep` (the share per month, for the simulation), `lost` per month and its sum `units`.
 */
export function applySalesEnd(forecast: readonly number[], input: SalesEndInput | undefined) {
  if (!input || (!input.keep && !input.lost)) return null;
  const keep = forecast.map((f, h) => {
    if (input.keep) return input.keep[h] ?? 1;
    const lost = input.lost?.[h] ?? 0;
    return f > 0 ? Math.min(1, Math.max(0, 1 - lost / f)) : 1;
  });
  const kept = forecast.map((f, h) => f * keep[h]!);
  const lost = forecast.map((f, h) => f - kept[h]!);
  return { keep, kept, lost, units: lost.reduce((s, v) => s + v, 0) };
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** The driver's text: "Flint ends sale on 2027-03-31: 41.2 units fewer than the forecast". */
export function salesEndText(ends: readonly SalesEnd[], units: number, unit = 'units'): string {
  const what =
    ends.length === 1
      ? `${ends[0]!.label} ends sale on ${ends[0]!.on}`
      : `${ends
          .map((e) => `${e.label} (${e.on})`)
          .join(', ')
          .replace(/, ([^,]*)$/, ' and $1')} end sale`;
  return `${what}: ${round1(units)} ${unit} fewer than the forecast of the remaining months`;
}

/**
 * The backtest's (risk-backtest.ts) share still sold of each remaining month from `now` (an index
 * in the series), from the series' planned ends known at `now`: an end is known from
 * SALES_END_NOTICE_MONTHS before its first month without sales. A line's own end: 1 up to its
 * last month, 0 after. A total's ending line: the line's own forecast (`forecastOf` its known
 * history) after its end comes off the total's forecast `forecast`. Undefined: nothing known ends.
 */
export function backtestKeep(
  ends: readonly { last: number; values?: readonly number[] }[] | undefined,
  now: number,
  forecast: readonly number[],
  forecastOf: (history: number[], months: number) => number[],
  history: number,
): number[] | undefined {
  const known = (ends ?? []).filter(
    (e) => now >= e.last + 1 - SALES_END_NOTICE_MONTHS && e.last < now + forecast.length - 1,
  );
  if (known.length === 0) return undefined;
  const lost = new Array<number>(forecast.length).fill(0);
  const keep = new Array<number>(forecast.length).fill(1);
  for (const e of known) {
    const part = e.values
      ? forecastOf(e.values.slice(Math.max(0, now - history), now), forecast.length)
      : null;
    for (let h = 0; h < forecast.length; h += 1) {
      if (now + h <= e.last) continue;
      if (part) lost[h]! += part[h] ?? 0;
      else keep[h] = 0;
    }
  }
  return keep.map((k, h) =>
    forecast[h]! > 0 ? k * Math.min(1, Math.max(0, 1 - lost[h]! / forecast[h]!)) : k,
  );
}
