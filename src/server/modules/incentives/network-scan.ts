/**
 * The network recalculation's one read of the feed: every transaction the programs computed
 * together may count, streamed out of PostgreSQL as binary COPY and summed here into the groups
 * `calculateStatementFromGroups` takes (dealer × month × kind × sign × currency × late arrival ×
 * SKU class), with the per-row rounded line sums of each rounded column. Summing in JavaScript on
 * exact integers is several times faster than the same grouping in SQL, where every row goes
 * through numeric arithmetic for each column. The rows an order-dependent benefit walks (a few
 * months of some dealers) are read afterwards by `readRows`, through the dealer-date index; the
 * scan keeps only the negative rows, which that walk may need from any month.
 *
 * When a program computed together has sale rules (sale category, buyer type: the retail delivery
 * report), both reads join each row's report (`SALE_JOIN`) and the SKU class becomes a class of
 * SKU × report (`saleKeys` per SKU: none, or one of the 6 × 4 category and buyer type pairs);
 * without sale rules nothing is joined and the key is always 0.
 *
 * Semantics, as the engine's row path (statement.ts) and `groupTransactions` (the reference):
 * - an unwind's quantity counts negative; a negative row's positive amount counts negative;
 * - an unwind of a sale already charged back is left out (NOT_CHARGED_UNWIND, migration 0059);
 * - a row is late when its arrival date (UTC) is after the end of its month: the group then
 *   carries that date;
 * - a rounded column sums round_half_up(basis × rate) per row, at the column's minor digits, over
 *   the rows of its SKU classes and kinds (0 elsewhere), exactly as `roundMoney`;
 * - sums that leave the exact range of a number become NaN (amounts) or null (rounded columns):
 *   the engine then returns null and the caller computes those statements row by row.
 */
import { TRANSACTION_KINDS } from '../../../shared/schemas/transactions';
import { SUPPORTED_CURRENCIES, minorUnits } from '../../../shared/money';
import type { Queryable } from '../../db/db';
import {
  createTextReader,
  type BinaryRow,
  readBinaryCopy,
  readDateDay,
  readInt4,
  readInt8,
  readNumericScaled,
  readNumericText,
  readTimestampDay,
} from '../../db/binary-copy';
import type { RoundedLineBasis, TransactionGroup } from './calc/aggregate';
import { dayNumber, fromDayNumber } from './calc/dates';
import { MAX_SAFE, parseScaled, pow10 } from '../../../shared/fixed';
import type { TxRow } from './incentives.repository';
import { BUYER_TYPES, SALE_CATEGORIES } from '../../../shared/schemas/rdr';
import { NOT_CHARGED_UNWIND, SALE_JOIN } from './statements.repository';

/** Keys of the report dimension: 0 = no report, 1 + category × 4 + buyer type. */
export const SALE_KEYS = 1 + SALE_CATEGORIES.length * BUYER_TYPES.length;

export function saleKeyOf(category: string | null | undefined, buyer: string | null | undefined) {
  if (category === null || category === undefined) return 0;
  const c = (SALE_CATEGORIES as readonly string[]).indexOf(category);
  const b = (BUYER_TYPES as readonly string[]).indexOf(buyer ?? '');
  return c < 0 || b < 0 ? 0 : 1 + c * BUYER_TYPES.length + b;
}

export function saleOfKey(key: number): {
  saleCategory: (typeof SALE_CATEGORIES)[number] | null;
  buyerType: (typeof BUYER_TYPES)[number] | null;
} {
  if (key <= 0) return { saleCategory: null, buyerType: null };
  const i = key - 1;
  return {
    saleCategory: SALE_CATEGORIES[Math.floor(i / BUYER_TYPES.length)]!,
    buyerType: BUYER_TYPES[i % BUYER_TYPES.length]!,
  };
}

/** The report key of a row in SQL (through SALE_JOIN), 0 without a report. */
const SALE_KEY_SQL = `coalesce((array_position('{${SALE_CATEGORIES.join(',')}}'::text[], coalesce(rs.sale_category, ro.sale_category)) - 1) * ${BUYER_TYPES.length}
    + array_position('{${BUYER_TYPES.join(',')}}'::text[], coalesce(rs.buyer_type, ro.buyer_type)), 0)`;

export type ScanColumn = {
  basis: RoundedLineBasis;
  rate: string;
  minorDigits: number;
  /** SKU classes and kinds whose rows this column sums (others give 0). */
  classes: number[];
  kinds: string[];
};

export type NetworkScanSpec = {
  /** null: every dealer. */
  dealerIds: number[] | null;
  /** Rows dated from `from` to `to` count; negative rows dated from `negativeFrom` that arrived from `from` on too. */
  from: string;
  to: string;
  negativeFrom: string;
  kinds: string[];
  /**
   * (SKU id − 1) × saleKeys + report key → class (null: counts in no program computed here).
   */
  classBySkuId: readonly (number | null)[];
  /** 1 (no sale rules: nothing joined) or SALE_KEYS. */
  saleKeys: number;
  /**
   * SKU id → its prices, oldest first (for the `msrp` basis): a row is priced at the price valid
   * on its occurred_on (pricing.ts).
   */
  pricesOf: (skuId: number) => readonly { from: string; msrp: string }[];
  columns: ScanColumn[];
  /** Negative rows of these classes are kept for `readRows`; none when empty. */
  keepClasses: ReadonlySet<number>;
};

export type NetworkScan = {
  /** Per dealer, its groups (unsorted). */
  groupsOf: Map<number, TransactionGroup[]>;
  rowCount: number;
  /**
   * Per dealer, its rows dated in the given months ('YYYY-MM') and its negative rows dated from
   * `negativeFrom` to `to` that arrived after the end of their month (kept by the scan); of the
   * given kinds and SKUs. Raw quantity and amount (the row path's input), unordered, each once.
   */
  readRows(
    db: Queryable,
    request: {
      months: ReadonlyMap<number, ReadonlySet<string>>;
      negativeFrom: string;
      to: string;
      kinds: readonly string[];
      skuIds: readonly number[];
    },
  ): Promise<Map<number, TxRow[]>>;
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The columns both reads stream, in this order (see `decodeRow`). */
const COLUMNS = `t.id, t.dealer_id, t.sku_id, t.kind, t.quantity, t.amount, t.currency, t.occurred_on, t.received_at`;
/** The streamed columns with the report key (10th) when the sale rules need it. */
function columnsOf(saleKeys: number): { sql: string; from: string; count: number } {
  return saleKeys > 1
    ? { sql: `${COLUMNS}, ${SALE_KEY_SQL}`, from: SALE_JOIN, count: 10 }
    : { sql: COLUMNS, from: '', count: 9 };
}

function dateLiteral(value: string): string {
  if (!DATE.test(value)) throw new Error(`not a date: ${value}`);
  return `'${value}'::date`;
}

function kindsLiteral(kinds: readonly string[]): string {
  for (const k of kinds) {
    if (!(TRANSACTION_KINDS as readonly string[]).includes(k)) throw new Error(`not a kind: ${k}`);
  }
  return `'{${kinds.join(',')}}'::text[]`;
}

/**
 * How a column rounds: line = round_half_up(basis × p / div) (or basis × p × mul when the basis
 * is finer than the line needs no rounding), in minor units at the column's digits; `p` is the
 * rate's digits and the basis has `basisDigits` decimals.
 */
type Rounding = { p: number; div: number; mul: number; slow: (basis: number) => number };

function roundingOf(rate: string, basisDigits: number, minorDigits: number): Rounding {
  const point = rate.indexOf('.');
  const k = point < 0 ? 0 : rate.length - point - 1;
  const p = parseScaled(rate, k);
  if (p === null) throw new Error(`rate out of range: ${rate}`);
  const shift = basisDigits + k - minorDigits;
  const bp = BigInt(p);
  const bd = 10n ** BigInt(Math.max(shift, 0));
  const bm = 10n ** BigInt(Math.max(-shift, 0));
  return {
    p,
    div: shift > 0 ? pow10(shift) : 1,
    mul: shift < 0 ? pow10(-shift) : 1,
    // Beyond 2^53 (a huge amount): exact in BigInt; NaN when the line itself does not fit.
    slow(basis) {
      if (!Number.isSafeInteger(basis)) return Number.NaN;
      const x = BigInt(basis) * bp * bm;
      const negative = x < 0n;
      const a = negative ? -x : x;
      let q = a / bd;
      if ((a % bd) * 2n >= bd) q++;
      const line = Number(negative ? -q : q);
      return Number.isSafeInteger(line) ? line : Number.NaN;
    },
  };
}

type Acc = TransactionGroup & { rounded: (number | null)[]; dealerId: number };

/** Reads and groups the feed for the network recalculation (see the module comment). */
export async function scanNetwork(db: Queryable, spec: NetworkScanSpec): Promise<NetworkScan> {
  const kinds = [...new Set(spec.kinds)];
  const kindIndex = new Map(kinds.map((k, i) => [k, i]));
  const currencies = SUPPORTED_CURRENCIES;
  const currencyIndex = new Map(currencies.map((c, i) => [c, i]));
  const fromDay = dayNumber(spec.from);
  const dealerFilter =
    spec.dealerIds === null
      ? ''
      : ` and t.dealer_id = any('{${spec.dealerIds.map((id) => Math.trunc(id)).join(',')}}'::int[])`;
  const saleKeys = spec.saleKeys;
  const cols = columnsOf(saleKeys);
  const sql = `copy (
      select ${cols.sql} from transactions t ${cols.from}
      where t.occurred_on between ${dateLiteral(spec.from)} and ${dateLiteral(spec.to)}
        and t.kind = any(${kindsLiteral(kinds)})${dealerFilter} and ${NOT_CHARGED_UNWIND}
      union all
      select ${cols.sql} from transactions t ${cols.from}
      where t.occurred_on >= ${dateLiteral(spec.negativeFrom)} and t.occurred_on < ${dateLiteral(spec.from)}
        and (t.kind = 'unwind' or t.quantity < 0) and t.kind = any(${kindsLiteral(kinds)})${dealerFilter}
        and ${NOT_CHARGED_UNWIND}
    ) to stdout with (format binary)`;

  // Months from negativeFrom's to to's: index by day.
  const firstMonthDay = dayNumber(`${spec.negativeFrom.slice(0, 7)}-01`);
  const monthStarts: string[] = [];
  const monthStartDays: number[] = [];
  {
    let y = Number(spec.negativeFrom.slice(0, 4));
    let m = Number(spec.negativeFrom.slice(5, 7));
    const last = spec.to.slice(0, 7);
    for (;;) {
      const label = `${y}-${String(m).padStart(2, '0')}`;
      monthStarts.push(`${label}-01`);
      monthStartDays.push(dayNumber(`${label}-01`));
      if (label >= last) break;
      m++;
      if (m === 13) {
        m = 1;
        y++;
      }
    }
    // The day after the last month (the end bound of the last month).
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    monthStartDays.push(dayNumber(next));
  }
  const monthOfDay = new Int32Array(monthStartDays.at(-1)! - firstMonthDay);
  for (let mi = 0; mi < monthStarts.length; mi++) {
    monthOfDay.fill(
      mi,
      monthStartDays[mi]! - firstMonthDay,
      monthStartDays[mi + 1]! - firstMonthDay,
    );
  }
  const monthCount = monthStarts.length;

  const classCount = Math.max(0, ...spec.classBySkuId.map((c) => (c ?? -1) + 1));
  const classOf = Int32Array.from(spec.classBySkuId, (c) => c ?? -1);
  // Per column: which class × kind rows it sums, and its rounding.
  const columnCount = spec.columns.length;
  // 0: units, 1: revenue (cents), 2: MSRP (cents) × units.
  const basisOf = spec.columns.map((c) =>
    c.basis === 'units' ? 0 : c.basis === 'revenue' ? 1 : 2,
  );
  const roundings = spec.columns.map((c) =>
    roundingOf(c.rate, c.basis === 'units' ? 0 : 2, c.minorDigits),
  );
  // Class × kind → the columns that sum its rows.
  const columnsAt: number[][] = Array.from(
    { length: Math.max(classCount, 1) * kinds.length },
    () => [],
  );
  spec.columns.forEach((c, index) => {
    for (const cls of c.classes) {
      for (const kind of c.kinds) {
        const ki = kindIndex.get(kind);
        if (ki !== undefined && cls < classCount) columnsAt[cls * kinds.length + ki]!.push(index);
      }
    }
  });
  // The unit MSRP in cents: one price per SKU in msrpCents; SKUs whose price changed keep their
  // steps (first day, cents) and are looked up by the row's day.
  const skuCount = Math.floor(classOf.length / saleKeys);
  const msrpCents = new Float64Array(skuCount + 1).fill(Number.NaN);
  const priceSteps: ({ days: number[]; cents: number[] } | undefined)[] = [];
  if (basisOf.includes(2)) {
    for (let i = 0; i < skuCount; i++) {
      let counts = false;
      for (let k = 0; k < saleKeys; k++) if (classOf[i * saleKeys + k]! >= 0) counts = true;
      if (!counts) continue;
      const steps = spec.pricesOf(i + 1);
      const cents = steps.map((s) => parseScaled(s.msrp, 2) ?? Number.NaN);
      if (steps.length === 1) msrpCents[i + 1] = cents[0]!;
      else priceSteps[i + 1] = { days: steps.map((s) => dayNumber(s.from)), cents };
    }
  }
  const unitCents = (skuId: number, day: number): number => {
    const steps = priceSteps[skuId];
    if (steps === undefined) return msrpCents[skuId]!;
    let price = steps.cents[0]!;
    for (let k = 0; k < steps.days.length && steps.days[k]! <= day; k++) price = steps.cents[k]!;
    return price;
  };

  const groups = new Map<number, Acc>();
  const lateGroups = new Map<string, Acc>();
  const kept: TxRow[] = [];
  const readText = createTextReader();
  const currencyMinor = currencies.map((c) => minorUnits(c));

  const rowCount = await readBinaryCopy(db.copyTo(sql), cols.count, (row) => {
    const skuId = readInt4(row, 2);
    const saleKey = saleKeys > 1 ? readInt4(row, 9) : 0;
    const cls = skuId >= 1 && skuId <= skuCount ? classOf[(skuId - 1) * saleKeys + saleKey]! : -1;
    if (cls < 0) return;
    const kind = readText(row, 3);
    const ki = kindIndex.get(kind)!;
    const day = readDateDay(row, 7);
    const arrival = readTimestampDay(row, 8);
    const rawQuantity = readInt4(row, 4);
    const quantity = kind === 'unwind' && rawQuantity > 0 ? -rawQuantity : rawQuantity;
    const dealerId = readInt4(row, 1);
    const rawCents = readNumericScaled(row, 5, 2);
    const currency = readText(row, 6).trim();
    const ci = currencyIndex.get(currency);
    if (ci === undefined) throw new Error(`unsupported currency in the feed: ${currency}`);
    if (quantity < 0 && spec.keepClasses.has(cls)) kept.push(toTxRow(row, readText, saleKeys));
    // Negative rows dated before `from` count only when they arrived from `from` on.
    if (day < fromDay && !(quantity < 0 && arrival >= fromDay)) return;
    const mi = monthOfDay[day - firstMonthDay]!;
    const negative = quantity < 0;
    const cents = rawCents === null ? Number.NaN : negative && rawCents > 0 ? -rawCents : rawCents;
    const late = arrival > day && arrival >= monthStartDays[mi + 1]! ? arrival : -1;
    const key =
      ((((dealerId * monthCount + mi) * (classCount || 1) + cls) * kinds.length + ki) * 2 +
        (negative ? 1 : 0)) *
        currencies.length +
      ci;
    let g: Acc | undefined;
    if (late < 0) g = groups.get(key);
    else g = lateGroups.get(`${key}|${late}`);
    if (g === undefined) {
      g = {
        monthStart: monthStarts[mi]!,
        kind,
        negative,
        currency,
        receivedOn: late < 0 ? null : dateOf(late),
        skuClass: cls,
        rowCount: 0,
        quantity: 0,
        amountMinor: 0,
        amountUpMinor: 0,
        amountDownMinor: 0,
        rounded: new Array<number>(columnCount).fill(0),
        dealerId,
      };
      if (late < 0) groups.set(key, g);
      else lateGroups.set(`${key}|${late}`, g);
    }
    g.rowCount++;
    g.quantity += quantity;
    // The amount in the currency's minor units (amounts are stored with 2 decimals).
    const minor = currencyMinor[ci]!;
    let amount = cents;
    if (minor < 2) {
      const d = pow10(2 - minor);
      amount = cents % d === 0 ? cents / d : Number.NaN;
    } else if (minor > 2) amount = cents * pow10(minor - 2);
    g.amountMinor += amount;
    if (amount > 0) g.amountUpMinor += amount;
    else g.amountDownMinor += amount;
    if (!(Math.abs(g.amountMinor) <= MAX_SAFE)) g.amountMinor = Number.NaN;
    if (!(Math.abs(g.amountUpMinor) <= MAX_SAFE) || Number.isNaN(amount))
      g.amountUpMinor = Number.NaN;
    if (!(Math.abs(g.amountDownMinor) <= MAX_SAFE) || Number.isNaN(amount))
      g.amountDownMinor = Number.NaN;
    const applying = columnsAt[cls * kinds.length + ki]!;
    const rounded = g.rounded as number[];
    for (let j = 0; j < applying.length; j++) {
      const c = applying[j]!;
      const kindOfBasis = basisOf[c]!;
      const basis =
        kindOfBasis === 0 ? quantity : kindOfBasis === 1 ? cents : quantity * unitCents(skuId, day);
      const r = roundings[c]!;
      const x = basis * r.p;
      let line: number;
      if (x <= MAX_SAFE && x >= -MAX_SAFE) {
        if (r.div === 1) line = x * r.mul;
        else {
          const a = x < 0 ? -x : x;
          const rest = a % r.div;
          let q = (a - rest) / r.div;
          if (rest * 2 >= r.div) q++;
          line = x < 0 ? -q : q;
        }
      } else line = r.slow(basis);
      const sum = rounded[c]! + line;
      rounded[c] = sum <= MAX_SAFE && sum >= -MAX_SAFE ? sum : Number.NaN;
    }
  });

  const groupsOf = new Map<number, TransactionGroup[]>();
  for (const map of [groups, lateGroups]) {
    for (const g of map.values()) {
      for (let c = 0; c < columnCount; c++) if (Number.isNaN(g.rounded[c])) g.rounded[c] = null;
      const list = groupsOf.get(g.dealerId);
      if (list) list.push(g);
      else groupsOf.set(g.dealerId, [g]);
    }
  }

  return {
    groupsOf,
    rowCount,
    async readRows(tx, request) {
      const out = new Map<number, Map<string, TxRow>>();
      const add = (r: TxRow) => {
        let byId = out.get(r.dealerId);
        if (!byId) {
          byId = new Map();
          out.set(r.dealerId, byId);
        }
        byId.set(r.id, r);
      };
      const kindSet = new Set(request.kinds);
      const skuSet = new Set(request.skuIds);
      const dealers: number[] = [];
      const months: string[] = [];
      for (const [dealerId, set] of request.months) {
        for (const month of set) {
          dealers.push(Math.trunc(dealerId));
          months.push(dateLiteral(`${month}-01`).slice(1, 11));
        }
      }
      if (dealers.length > 0) {
        // One index range per (dealer, month): the lateral join keeps the planner on the index.
        const sql = `copy (
            select ${cols.sql}
            from unnest('{${dealers.join(',')}}'::int[], '{${months.join(',')}}'::date[]) as x(dealer_id, month)
            cross join lateral (
              select * from transactions t
              where t.dealer_id = x.dealer_id and t.occurred_on >= x.month
                and t.occurred_on < (x.month + interval '1 month')::date
              offset 0
            ) t ${cols.from}
            where t.kind = any(${kindsLiteral(request.kinds)}) and ${NOT_CHARGED_UNWIND}
              and t.sku_id = any('{${request.skuIds.map((id) => Math.trunc(id)).join(',')}}'::int[])
          ) to stdout with (format binary)`;
        await readBinaryCopy(tx.copyTo(sql), cols.count, (row) =>
          add(toTxRow(row, readText, saleKeys)),
        );
      }
      const negativeFrom = request.negativeFrom;
      for (const r of kept) {
        if (!request.months.has(r.dealerId) || !kindSet.has(r.kind) || !skuSet.has(r.skuId))
          continue;
        if (r.occurredOn < negativeFrom || r.occurredOn > request.to) continue;
        // arrived after the end of its month
        if (r.receivedOn !== null && r.receivedOn.slice(0, 7) > r.occurredOn.slice(0, 7)) add(r);
      }
      return new Map([...out].map(([id, byId]) => [id, [...byId.values()]]));
    },
  };
}

const dates = new Map<number, string>();

/** The date of a day number, cached (the reads meet the same few hundred days again and again). */
function dateOf(day: number): string {
  let date = dates.get(day);
  if (date === undefined) {
    date = fromDayNumber(day);
    if (dates.size < 100_000) dates.set(day, date);
  }
  return date;
}

/** A streamed row as the row path reads it (raw quantity and amount; the arrival date when later). */
function toTxRow(
  row: BinaryRow,
  readText: (row: BinaryRow, field: number) => string,
  saleKeys: number,
): TxRow {
  const day = readDateDay(row, 7);
  const arrival = readTimestampDay(row, 8);
  const sale = saleOfKey(saleKeys > 1 ? readInt4(row, 9) : 0);
  return {
    saleCategory: sale.saleCategory,
    buyerType: sale.buyerType,
    id: String(readInt8(row, 0)),
    dealerId: readInt4(row, 1),
    skuId: readInt4(row, 2),
    kind: readText(row, 3),
    vin: null,
    quantity: readInt4(row, 4),
    amount: readNumericText(row, 5),
    currency: readText(row, 6).trim(),
    occurredOn: dateOf(day),
    receivedOn: arrival > day ? dateOf(arrival) : null,
    externalId: null,
  };
}
