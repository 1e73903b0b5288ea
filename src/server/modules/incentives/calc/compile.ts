/**
 * A program prepared once for the engine: tiers as decimals, filters as sets, windows and
 * settlement periods by label. Cached per program object (definitions are immutable once
 * published; a caller that mutates a definition object must pass a new object).
 */
import { Dec, minorUnits } from '../../../../shared/money';
import type { IncentiveTransaction, ProgramDefinition } from '../../../../shared/schemas/program';
import { compileFilter, type CompiledFilter } from './filters';
import {
  listSettlementPeriods,
  resolvePeriod,
  type IncentiveWindow,
  type SettlementPeriod,
} from './periods';
import { compileTiers, type CompiledTier } from './tiers';
import { addDays, monthEnd, nextMonth } from './dates';
import { divRoundHalfUp, parseScaled, pow10 } from '../../../../shared/fixed';

export type WindowInfo = { window: IncentiveWindow; graceUntil: string };

/** Tier numbers as exact scaled integers for the fast path (null where they do not fit). */
export type FastTiers = {
  /** value × 10^6 (per unit amount, or percentage). */
  valueMicro: (number | null)[];
  /** from as whole units (null when fractional). */
  fromUnits: (number | null)[];
  /** from × 10^minor digits (revenue tiers; null when finer than the minor unit). */
  fromMinor: (number | null)[];
  /** Each tier's value as a lump sum rounded half-up to minor units. */
  lumpMinor: (number | null)[];
  /** capPerDealer in minor units (null: no cap, or it does not fit; see CompiledProgram.cap). */
  capMinor: number | null;
};

export type CompiledProgram = {
  program: ProgramDefinition;
  currency: string;
  minorDigits: number;
  tiers: CompiledTier[];
  fast: FastTiers;
  qualifying: CompiledFilter;
  paying: CompiledFilter;
  /** Paying and qualifying filters are the same (the default), so one match serves both. */
  payingIsQualifying: boolean;
  cap: Dec | null;
  settlements: SettlementPeriod[];
  byPeriod: Map<string, SettlementPeriod>;
  /** period → the day after its grace deadline (an arrival on or after it is late). */
  lateFrom: Map<string, string>;
  /** 'YYYY-MM' → the measurement window containing that month and its grace deadline. */
  windowByMonth: Map<string, WindowInfo>;
  fiscalYearStartMonth: number;
  /** Either filter reads the retail delivery report (sale category, buyer type). */
  usesSale: boolean;
  /** co2ThresholdGPerKm × 10 (it has at most one decimal), or null. */
  co2ThresholdTenths: number | null;
};

const cache = new WeakMap<ProgramDefinition, Map<number, CompiledProgram>>();

function sameFilter(a: ProgramDefinition['qualifying'], b: ProgramDefinition['qualifying']) {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function compileProgram(
  program: ProgramDefinition,
  fiscalYearStartMonth = 1,
): CompiledProgram {
  let byFy = cache.get(program);
  const hit = byFy?.get(fiscalYearStartMonth);
  if (hit) return hit;
  const paying = program.paying ?? program.qualifying;
  const settlements = listSettlementPeriods({ program, fiscalYearStartMonth });
  const windowByMonth = new Map<string, WindowInfo>();
  for (const s of settlements) {
    const w = s.window;
    for (let m = w.start.slice(0, 7); m <= w.end.slice(0, 7); m = nextMonth(m)) {
      if (!windowByMonth.has(m) && monthEnd(m) >= w.start) {
        windowByMonth.set(m, { window: w, graceUntil: addDays(w.end, program.graceDays) });
      }
    }
  }
  const tiers = compileTiers({ tiers: program.tiers, benefit: program.benefit });
  const minorDigits = minorUnits(program.currency);
  const compiled: CompiledProgram = {
    program,
    currency: program.currency,
    minorDigits,
    tiers,
    fast: {
      valueMicro: tiers.map((t) => parseScaled(t.valueText, 6)),
      fromUnits: tiers.map((t) => parseScaled(t.fromText, 0)),
      fromMinor: tiers.map((t) => parseScaled(t.fromText, minorDigits)),
      lumpMinor: tiers.map((t) => {
        const micro = parseScaled(t.valueText, 6);
        return micro === null ? null : divRoundHalfUp(micro, pow10(6 - minorDigits));
      }),
      capMinor:
        program.capPerDealer === null || program.capPerDealer === undefined
          ? null
          : parseScaled(program.capPerDealer, minorDigits),
    },
    qualifying: compileFilter(program.qualifying),
    paying: compileFilter(paying),
    payingIsQualifying: sameFilter(program.qualifying, paying),
    cap:
      program.capPerDealer === null || program.capPerDealer === undefined
        ? null
        : new Dec(program.capPerDealer),
    settlements,
    byPeriod: new Map(settlements.map((s) => [s.period, s])),
    lateFrom: new Map(settlements.map((s) => [s.period, addDays(s.graceUntil, 1)])),
    windowByMonth,
    fiscalYearStartMonth,
    usesSale: false,
    co2ThresholdTenths:
      program.co2ThresholdGPerKm === undefined ? null : parseScaled(program.co2ThresholdGPerKm, 1),
  };
  compiled.usesSale = compiled.qualifying.usesSale || compiled.paying.usesSale;
  if (!byFy) {
    byFy = new Map();
    cache.set(program, byFy);
  }
  byFy.set(fiscalYearStartMonth, compiled);
  return compiled;
}

export function settlementOf(cp: CompiledProgram, period: string): SettlementPeriod {
  return (
    cp.byPeriod.get(period) ??
    resolvePeriod({ program: cp.program, period, fiscalYearStartMonth: cp.fiscalYearStartMonth })
  );
}

/** The window a date falls in (null outside the program), with its grace deadline. */
export function windowInfoOf(cp: CompiledProgram, date: string): WindowInfo | null {
  const info = cp.windowByMonth.get(date.slice(0, 7));
  if (!info || date < info.window.start || date > info.window.end) return null;
  return info;
}

// ---------------------------------------------------------------------------------------------
// Transaction values, parsed once per row object (the same rows serve many programs).
// ---------------------------------------------------------------------------------------------

const amountCache = new WeakMap<IncentiveTransaction, Dec>();
const msrpCache = new Map<string, Dec>();

/** Units with the unwind sign rule: an `unwind` row always subtracts. */
export function signedQuantity(tx: IncentiveTransaction): number {
  return tx.kind === 'unwind' && tx.quantity > 0 ? -tx.quantity : tx.quantity;
}

/** The amount with the unwind sign rule: a row with negative units has a negative amount. */
export function signedAmount(tx: IncentiveTransaction): Dec {
  let amount = amountCache.get(tx);
  if (amount === undefined) {
    amount = new Dec(tx.amount);
    if (signedQuantity(tx) < 0 && amount.gt(0)) amount = amount.neg();
    amountCache.set(tx, amount);
  }
  return amount;
}

export function unitMsrp(tx: IncentiveTransaction): Dec {
  let msrp = msrpCache.get(tx.msrp);
  if (msrp === undefined) {
    msrp = new Dec(tx.msrp);
    if (msrpCache.size > 10_000) msrpCache.clear();
    msrpCache.set(tx.msrp, msrp);
  }
  return msrp;
}

/**
 * The signed amount in minor units of the program currency (an exact integer), or null when it
 * has more decimals than the currency or does not fit a safe integer. The caller has checked
 * the row is in the program's currency, so the scale is the same for every row of a program.
 */
export function amountMinor(tx: IncentiveTransaction, minorDigits: number): number | null {
  const value = parseScaled(tx.amount, minorDigits);
  if (value !== null && value > 0 && signedQuantity(tx) < 0) return -value;
  return value;
}

/** The unit MSRP in minor units, or null (see amountMinor). */
export function msrpMinor(tx: IncentiveTransaction, minorDigits: number): number | null {
  return parseScaled(tx.msrp, minorDigits);
}

/** g/km below the program's threshold in tenths (max(0, threshold − e) × 10); null: unknown. */
export function co2BelowTenths(cp: CompiledProgram, tx: IncentiveTransaction): number | null {
  const e = tx.co2GPerKm;
  if (e === null || e === undefined || cp.co2ThresholdTenths === null) return null;
  const below = cp.co2ThresholdTenths - e * 10;
  return below > 0 ? below : 0;
}

/** Whether the row's SKU is at or below the program's CO2 threshold (unknown: no). */
export function isLowCo2(cp: CompiledProgram, tx: IncentiveTransaction): boolean {
  const e = tx.co2GPerKm;
  if (e === null || e === undefined || cp.co2ThresholdTenths === null) return false;
  return e * 10 <= cp.co2ThresholdTenths;
}

export function compareIds(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
