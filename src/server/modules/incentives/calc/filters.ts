/**
 * Qualifying and paying filters: which transactions build the measure and which are paid on.
 * Within a list any entry matches (OR); across lists every non-empty list must match (AND); an
 * empty list means all. `kinds` lists the transaction kinds that count; an `unwind` row always
 * nets in a program that counts a retail kind (retail_delivery or registration), whatever
 * `kinds` says, and any row with a negative quantity of a listed kind nets too.
 * `excludeSaleCategories` and `excludeBuyerTypes` leave out rows whose retail delivery report
 * names one of them (demonstrators, employee sales, the dealer's own purchases). A row without a
 * report counts as a retail sale with no buyer type, unless the filter says `withoutReport:
 * 'exclude'` (docs/incentives.md, "Sale category and buyer type").
 */
import type {
  IncentiveTransaction,
  ProgramDefinition,
  ProgramFilter,
  ProgramProblem,
} from '../../../../shared/schemas/program';
import type { TransactionKind } from '../../../../shared/schemas/transactions';

export type CompiledFilter = {
  modelLines: ReadonlySet<string> | null;
  skus: ReadonlySet<string> | null;
  powertrains: ReadonlySet<string> | null;
  segments: ReadonlySet<string> | null;
  kinds: ReadonlySet<TransactionKind>;
  /** Sale categories (retail delivery report) that never count; null: none excluded. */
  excludedSaleCategories: ReadonlySet<string> | null;
  /** Buyer types (retail delivery report) that never count; null: none excluded. */
  excludedBuyerTypes: ReadonlySet<string> | null;
  /** A row without a report is left out (`withoutReport: 'exclude'`). */
  excludesUnreported: boolean;
  /** Whether any of the three sale rules is set (the rows must carry their report). */
  usesSale: boolean;
};

const RETAIL_KINDS: readonly TransactionKind[] = ['retail_delivery', 'registration'];

function setOrNull(values: readonly string[]): ReadonlySet<string> | null {
  return values.length === 0 ? null : new Set(values);
}

export function compileFilter(filter: ProgramFilter): CompiledFilter {
  const kinds = new Set<TransactionKind>(filter.kinds);
  if (filter.kinds.some((k) => RETAIL_KINDS.includes(k))) kinds.add('unwind');
  return {
    modelLines: setOrNull(filter.modelLines),
    skus: setOrNull(filter.skus),
    powertrains: setOrNull(filter.powertrains),
    segments: setOrNull(filter.segments),
    kinds,
    excludedSaleCategories: setOrNull(filter.excludeSaleCategories ?? []),
    excludedBuyerTypes: setOrNull(filter.excludeBuyerTypes ?? []),
    excludesUnreported: filter.withoutReport === 'exclude',
    usesSale: usesSaleRules(filter),
  };
}

/** Does the filter read the retail delivery report (a sale category or buyer type rule)? */
export function usesSaleRules(filter: ProgramFilter): boolean {
  return (
    (filter.excludeSaleCategories ?? []).length > 0 ||
    (filter.excludeBuyerTypes ?? []).length > 0 ||
    filter.withoutReport === 'exclude'
  );
}

export type SaleExclusion = {
  reason: 'sale_category' | 'buyer_type' | 'no_report';
  /** 'demonstrator sale', 'buyer type dealer', 'no retail delivery report'. */
  text: string;
};

/**
 * Why the sale rules leave a row out, or null when they keep it. A row without a report is a
 * retail sale with no buyer type (unless the filter excludes rows without a report).
 */
export function saleExclusion(
  filter: CompiledFilter,
  tx: Pick<IncentiveTransaction, 'saleCategory' | 'buyerType'>,
): SaleExclusion | null {
  if (!filter.usesSale) return null;
  const category = tx.saleCategory ?? null;
  if (category === null) {
    if (filter.excludesUnreported)
      return { reason: 'no_report', text: 'no retail delivery report' };
    return filter.excludedSaleCategories?.has('retail')
      ? { reason: 'sale_category', text: 'no retail delivery report, so a retail sale' }
      : null;
  }
  if (filter.excludedSaleCategories?.has(category))
    return { reason: 'sale_category', text: `${category} sale` };
  const buyer = tx.buyerType ?? null;
  if (buyer !== null && filter.excludedBuyerTypes?.has(buyer))
    return { reason: 'buyer_type', text: `buyer type ${buyer}` };
  return null;
}

/** The filter without its sale rules (which rows the sale rules alone leave out). */
export function withoutSaleRules(filter: CompiledFilter): CompiledFilter {
  return {
    ...filter,
    excludedSaleCategories: null,
    excludedBuyerTypes: null,
    excludesUnreported: false,
    usesSale: false,
  };
}

export function matchesCompiled(filter: CompiledFilter, tx: IncentiveTransaction): boolean {
  return (
    filter.kinds.has(tx.kind) &&
    (filter.modelLines === null || filter.modelLines.has(tx.modelLineCode)) &&
    (filter.skus === null || filter.skus.has(tx.sku)) &&
    (filter.powertrains === null || filter.powertrains.has(tx.powertrain)) &&
    (filter.segments === null || filter.segments.has(tx.segment)) &&
    (!filter.usesSale || saleExclusion(filter, tx) === null)
  );
}

/** Does a transaction (with its SKU's attributes) match a qualifying or paying filter? */
export function matchesFilter(options: {
  filter: ProgramFilter;
  transaction: IncentiveTransaction;
}): boolean {
  return matchesCompiled(compileFilter(options.filter), options.transaction);
}

/** One SKU of the catalog as the filter warnings read it. */
export type CatalogSku = {
  code: string;
  modelLineCode: string;
  powertrain: string;
  segment: string;
};

/**
 * Warnings (not errors) for filters that match nothing in the catalog: an unknown model line,
 * SKU or segment, or a combination that no SKU has. The service shows them on save.
 */
export function findFilterWarnings(options: {
  program: Pick<ProgramDefinition, 'qualifying'> & { paying?: ProgramFilter | undefined };
  catalog: readonly CatalogSku[];
}): ProgramProblem[] {
  const { program, catalog } = options;
  const warnings: ProgramProblem[] = [];
  const known = {
    modelLines: new Set(catalog.map((s) => s.modelLineCode)),
    skus: new Set(catalog.map((s) => s.code)),
    segments: new Set(catalog.map((s) => s.segment)),
  };
  const filters: [string, ProgramFilter | undefined][] = [
    ['qualifying', program.qualifying],
    ['paying', program.paying],
  ];
  for (const [name, filter] of filters) {
    if (!filter) continue;
    for (const key of ['modelLines', 'skus', 'segments'] as const) {
      filter[key].forEach((value, i) => {
        if (!known[key].has(value)) {
          warnings.push({
            path: `${name}.${key}.${i}`,
            code: 'unknown_code',
            message: `${value} is not in the catalog`,
          });
        }
      });
    }
    const compiled = compileFilter(filter);
    const anySku = catalog.some(
      (s) =>
        (compiled.modelLines === null || compiled.modelLines.has(s.modelLineCode)) &&
        (compiled.skus === null || compiled.skus.has(s.code)) &&
        (compiled.powertrains === null || compiled.powertrains.has(s.powertrain)) &&
        (compiled.segments === null || compiled.segments.has(s.segment)),
    );
    if (!anySku) {
      warnings.push({
        path: name,
        code: 'filter_matches_nothing',
        message: `no SKU of the catalog matches the ${name} filter`,
      });
    }
  }
  return warnings;
}
