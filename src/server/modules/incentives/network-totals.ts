/**
 * Totals of many programs and settlement periods for many dealers from one shared read of the
 * feed (issue 19: the network calculation of recalculateAll, the OEM statement lists, accruals).
 * Over 600 lines on purpose: the grouped path, its row-by-row fallback (settled units, VINs
 * another dealer delivered) and their shared period loop are one flow read together; split, each
 * half would need the other's state passed through.
 */
import { Dec, minorUnits } from '../../../shared/money';
import { type PriorYearVolume, type ProgramDefinition } from '../../../shared/schemas/program';
import type { Queryable } from '../../db/db';
import {
  aggregationMode,
  BEV,
  calculateStatementFromGroups,
  PAYING,
  QUALIFYING,
  roundedLineTiers,
  type OrderedRow,
  type RoundedLineBasis,
  type TransactionGroup,
} from './calc/aggregate';
import { monthEnd } from './calc/dates';
import { SALE_KEYS, saleKeyOf, saleOfKey, scanNetwork } from './network-scan';
import { compileProgram } from './calc/compile';
import { saleExclusion } from './calc/filters';
import { pricesOf } from './pricing';
import { createCorrectionsRepository, type ClosedPeriod } from './corrections.repository';
import { formatScaled, parseScaled } from '../../../shared/fixed';
import { adjustmentPeriodsOf, type SettlementPeriod, type Statement } from './calc';
import { type AgreementPlanRow, type DealerRow, type VersionRow } from './incentives.repository';
import { createStatementsRepository } from './statements.repository';
import { findBlockedDeliveries } from './vin-once';
import {
  type IncentivesContext,
  type Ctx,
  type Loaded,
  skuMatches,
  compiledKinds,
  kindsOf,
  addMonths,
  RETAIL,
  toDealer,
  toTransaction,
  needsSaleDetails,
} from './incentives-context';
import {
  type Computed,
  type StatementComputation,
  dealerAdjustments,
  previouslyDue,
  storedComputed,
  liveComputed,
} from './statement-compute';

/** One program's settlement period to compute for the network. */
export type NetworkItem = {
  program: Loaded;
  version: VersionRow;
  settlement: SettlementPeriod;
};

export function createNetworkTotals({
  shared,
  compute,
}: {
  shared: IncentivesContext;
  compute: StatementComputation;
}) {
  const { deps } = shared;
  const { correctionsInto, computeStatements } = compute;
  const repoOf = (db: Queryable = deps.db) => createStatementsRepository(db);

  /**
   * A large read of the network recalculation in its own read-only transaction, without JIT
   * compilation (seconds of compile time for one statement that runs once) and with memory to
   * group in (no spill to disk).
   */
  async function bigRead<T>(
    read: (repo: ReturnType<typeof repoOf>, tx: Queryable) => Promise<T>,
  ): Promise<T> {
    return deps.db.transaction(async (tx) => {
      await tx.query(`set local jit = off`);
      await tx.query(`set local work_mem = '64MB'`);
      return read(repoOf(tx), tx);
    });
  }

  /** The dates of the deliveries that may be blocked (vin-once.ts) in these periods. */
  async function vinConflictDates(
    items: readonly NetworkItem[],
    dealerIds: number[] | null,
  ): Promise<string[]> {
    if (items.length === 0) return [];
    const first = (list: string[]) => list.sort()[0]!;
    const rows = await findBlockedDeliveries(deps.db, {
      programId: null,
      program: {
        startDate: first(items.map((i) => i.version.definition.startDate)),
        endDate: first(items.map((i) => i.version.definition.endDate)),
      },
      dealerIds,
      from: first(items.map((i) => i.settlement.window.start)),
      to: items
        .map((i) => i.settlement.cutoff)
        .sort()
        .at(-1)!,
    });
    return rows.map((r) => r.occurredOn);
  }

  /**
   * Totals of many programs and settlement periods for many dealers from one shared SQL pass
   * (transactions summed per dealer × month × kind × sign × currency × late arrival × SKU class,
   * with per-row rounded line sums where lines round per transaction), plus one pass for the
   * prior-year volumes of growth programs. Periods the groups cannot give exactly (not
   * month-aligned, claims, settled units to claw back, order-dependent benefits) go through
   * `computeStatements` row by row. Stored approved or paid statements stay frozen.
   */
  async function computeNetworkTotals(options: {
    items: NetworkItem[];
    dealers: DealerRow[];
    ctx: Ctx;
    /** The dealers are every dealer (network scope). */
    wholeNetwork?: boolean;
    /** Count the feed up to this date only (accruals: earned to date). */
    asOf?: string;
  }): Promise<{ item: NetworkItem; computed: Computed[]; path: 'groups' | 'rows' }[]> {
    const { items, dealers, ctx, asOf } = options;
    const repo = repoOf();
    const dealerIds = dealers.map((d) => d.id);
    // The whole network needs no dealer filter (a list of thousands of ids costs per row).
    const scoped = options.wholeNetwork ? null : dealerIds;
    const settledCount = new Map<number, number>();
    for (const p of new Set(items.map((i) => i.program))) {
      settledCount.set(p.row.id, await repo.countSettledUnits(p.row.id));
    }
    // A cut-off inside a month (asOf today in an open period) needs the rows: the groups hold months.
    const splitsMonth = (i: NetworkItem) =>
      asOf !== undefined && asOf < i.settlement.cutoff && monthEnd(asOf.slice(0, 7)) !== asOf;
    // A closed period counts the feed as it was at its close: row by row (late rows).
    const closedOf = new Map<number, Map<string, ClosedPeriod>>();
    for (const p of new Set(items.map((i) => i.program))) {
      closedOf.set(
        p.row.id,
        await createCorrectionsRepository(deps.db).findClosedPeriods(p.row.id),
      );
    }
    const groupable = items.filter(
      (i) =>
        aggregationMode(i.version.definition) !== null &&
        settledCount.get(i.program.row.id) === 0 &&
        !splitsMonth(i) &&
        !closedOf.get(i.program.row.id)!.has(i.settlement.period),
    );
    // A VIN earns once (vin-once.ts): a period with a delivery of a VIN another dealer delivered
    // before it is computed row by row. One question for them all, over their widest span (with
    // the earliest start and the earliest end, a superset of each program's answer).
    const conflicted = await vinConflictDates(groupable, scoped);
    const grouped = groupable.filter(
      (i) => !conflicted.some((d) => d >= i.settlement.window.start && d <= i.settlement.cutoff),
    );
    const byRows = items.filter((i) => !grouped.includes(i));
    const results: { item: NetworkItem; computed: Computed[]; path: 'groups' | 'rows' }[] = [];

    if (grouped.length > 0) {
      // SKU classes: what each SKU matches in every program version computed here.
      const defs = [...new Set(grouped.map((i) => i.version.definition))];
      const allSkus = [...ctx.skus.values()];
      const classKeys = new Map<string, number>();
      const classBits: number[][] = [];
      const maxSkuId = Math.max(0, ...allSkus.map((s) => s.id));
      // Sale rules (the retail delivery report): a class per SKU × report key, else per SKU.
      const withSale = defs.some((def) => needsSaleDetails(def));
      const saleKeys = withSale ? SALE_KEYS : 1;
      const compiledOf = new Map(defs.map((def) => [def, compileProgram(def, ctx.fy)]));
      const classBySkuId: (number | null)[] = new Array<number | null>(maxSkuId * saleKeys).fill(
        null,
      );
      for (const sku of allSkus) {
        for (let saleKey = 0; saleKey < saleKeys; saleKey++) {
          const report = saleOfKey(saleKey);
          const bits = defs.map((def) => {
            const cp = compiledOf.get(def)!;
            return (
              (skuMatches(def.qualifying, sku) && saleExclusion(cp.qualifying, report) === null
                ? QUALIFYING
                : 0) |
              (skuMatches(def.paying, sku) && saleExclusion(cp.paying, report) === null
                ? PAYING
                : 0) |
              (sku.powertrain === 'BEV' ? BEV : 0)
            );
          });
          if (bits.every((b) => (b & (QUALIFYING | PAYING)) === 0)) continue;
          const key = bits.join(',');
          let cls = classKeys.get(key);
          if (cls === undefined) {
            cls = classBits.length;
            classKeys.set(key, cls);
            classBits.push(bits);
          }
          // Without sale rules, element i of the PostgreSQL array (1-based) is SKU id i.
          classBySkuId[(sku.id - 1) * saleKeys + saleKey] = cls;
        }
      }
      const classesOf = new Map(defs.map((def, j) => [def, classBits.map((bits) => bits[j]!)]));
      // Rounded line columns, shared between programs with the same basis, rate and currency scale.
      const columnKeys = new Map<string, number>();
      const columns: {
        basis: RoundedLineBasis;
        rate: string;
        minorDigits: number;
        classes: number[];
        kinds: string[];
      }[] = [];
      const tierColumnsOf = new Map<ProgramDefinition, number[] | null>();
      for (const def of defs) {
        const tiers = roundedLineTiers(def);
        const minorDigits = minorUnits(def.currency);
        tierColumnsOf.set(
          def,
          tiers === null
            ? null
            : tiers.map((t) => {
                const key = `${t.basis}|${t.rate}|${minorDigits}`;
                let i = columnKeys.get(key);
                if (i === undefined) {
                  i = columns.length;
                  columnKeys.set(key, i);
                  columns.push({ ...t, minorDigits, classes: [], kinds: [] });
                }
                const column = columns[i]!;
                const bits = classesOf.get(def)!;
                for (let cls = 0; cls < bits.length; cls++) {
                  if ((bits[cls]! & PAYING) !== 0 && !column.classes.includes(cls))
                    column.classes.push(cls);
                }
                for (const kind of compiledKinds(def.paying.kinds)) {
                  if (!column.kinds.includes(kind)) column.kinds.push(kind);
                }
                return i;
              }),
        );
      }
      const from = grouped.map((i) => i.settlement.window.start).sort()[0]!;
      const to = grouped
        .map((i) => i.settlement.cutoff)
        .sort()
        .at(-1)!;
      const kinds = [...new Set(defs.flatMap((def) => kindsOf(def)))];
      // Prior-year volumes of growth programs: one pass over the months they need.
      const growth = grouped.filter((i) => i.version.definition.measure === 'growth');
      const shift = (d: string) =>
        `${Number(d.slice(0, 4)) - 1}${d.slice(4) === '-02-29' ? '-02-28' : d.slice(4)}`;
      const priorKinds = (def: ProgramDefinition) =>
        def.qualifying.kinds.some((k) => RETAIL.includes(k))
          ? [...def.qualifying.kinds, 'unwind']
          : [...def.qualifying.kinds];
      const priorByItem = new Map<NetworkItem, Map<number, PriorYearVolume>>();
      // With sale rules the monthly classes are per report: those go through findPriorYear.
      const monthlyGrowth = growth.filter((i) => {
        if (withSale) return false;
        const end = shift(i.settlement.window.end);
        return monthEnd(end.slice(0, 7)) === end;
      });
      // Started now: it runs on its own connection while the groups are read and parsed.
      const priorRead =
        monthlyGrowth.length > 0
          ? bigRead((r) =>
              r.findMonthlyClassVolumes({
                dealerIds: scoped,
                from: monthlyGrowth.map((i) => shift(i.settlement.window.start)).sort()[0]!,
                to: monthlyGrowth
                  .map((i) => shift(i.settlement.window.end))
                  .sort()
                  .at(-1)!,
                kinds: [...new Set(monthlyGrowth.flatMap((i) => priorKinds(i.version.definition)))],
                classBySkuId,
              }),
            )
          : null;
      // Awaited below; a failure of the groups read must not leave it unhandled.
      priorRead?.catch(() => undefined);
      // Rows an order-dependent benefit may walk: the paying classes of those programs.
      const keepClasses = new Set<number>();
      for (const def of defs) {
        if (aggregationMode(def) !== 'ordered') continue;
        classesOf.get(def)!.forEach((bits, cls) => {
          if ((bits & PAYING) !== 0) keepClasses.add(cls);
        });
      }
      const scan = await bigRead((_, tx) =>
        scanNetwork(tx, {
          dealerIds: scoped,
          from,
          to,
          negativeFrom: defs.map((def) => def.startDate).sort()[0]!,
          kinds,
          classBySkuId,
          saleKeys,
          pricesOf: (skuId) => pricesOf(ctx.prices, skuId, ctx.skus.get(skuId)!.msrp),
          columns,
          keepClasses,
        }),
      );
      // Per dealer: groups sorted by month, and late negative groups (they may count later).
      const groupsOf = scan.groupsOf;
      const monthIndex = new Map<number, { months: string[]; late: TransactionGroup[] }>();
      for (const [dealerId, list] of groupsOf) {
        list.sort((a, b) =>
          a.monthStart < b.monthStart ? -1 : a.monthStart > b.monthStart ? 1 : 0,
        );
        monthIndex.set(dealerId, {
          months: list.map((g) => g.monthStart),
          late: list.filter((g) => g.negative && g.receivedOn !== null),
        });
      }
      const lowerBound = (months: string[], value: string) => {
        let lo = 0;
        let hi = months.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (months[mid]! < value) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      const groupsIn = (dealerId: number, window: { start: string }, cutoff: string) => {
        const list = groupsOf.get(dealerId);
        if (!list) return [];
        const index = monthIndex.get(dealerId)!;
        const first = lowerBound(index.months, window.start);
        const last = lowerBound(index.months, `${cutoff.slice(0, 7)}-32`);
        const inside = list.slice(first, last);
        for (const g of index.late) if (g.monthStart < window.start) inside.push(g);
        return inside;
      };

      if (priorRead) {
        const volumes = await priorRead;
        const byMonth = new Map<string, typeof volumes>();
        for (const v of volumes) {
          const list = byMonth.get(v.monthStart);
          if (list) list.push(v);
          else byMonth.set(v.monthStart, [v]);
        }
        for (const item of monthlyGrowth) {
          const def = item.version.definition;
          const bitsOf = classesOf.get(def)!;
          const kindSet = new Set(priorKinds(def));
          const start = shift(item.settlement.window.start);
          const end = shift(item.settlement.window.end);
          // Revenue in cents (amounts are numeric(16, 2)); decimals only when a sum does not fit.
          type Sum = {
            units: number;
            revenue: number;
            payingUnits: number;
            payingRevenue: number;
            exact: Dec | null;
          };
          const sums = new Map<number, Sum>();
          let overflow = false;
          for (const [month, list] of byMonth) {
            if (month < start || month > end) continue;
            for (const v of list) {
              if (!kindSet.has(v.kind)) continue;
              let sum = sums.get(v.dealerId);
              if (!sum) {
                sum = { units: 0, revenue: 0, payingUnits: 0, payingRevenue: 0, exact: null };
                sums.set(v.dealerId, sum);
              }
              const bits = bitsOf[v.skuClass] ?? 0;
              const cents = parseScaled(v.revenue, 2);
              if (cents === null) overflow = true;
              if (bits & QUALIFYING) {
                sum.units += v.units;
                sum.revenue += cents ?? 0;
              }
              if (bits & PAYING) {
                sum.payingUnits += v.units;
                sum.payingRevenue += cents ?? 0;
              }
            }
          }
          for (const x of sums.values()) {
            if (!Number.isSafeInteger(x.revenue) || !Number.isSafeInteger(x.payingRevenue))
              overflow = true;
          }
          if (overflow) continue; // the per-window query below
          priorByItem.set(
            item,
            new Map(
              [...sums].map(([id, x]) => [
                id,
                {
                  units: x.units,
                  revenue: formatScaled(x.revenue, 2),
                  payingUnits: x.payingUnits,
                  payingRevenue: formatScaled(x.payingRevenue, 2),
                },
              ]),
            ),
          );
        }
      }
      for (const item of growth) {
        if (priorByItem.has(item)) continue;
        const def = item.version.definition;
        const window = item.settlement.window;
        const allSkus2 = [...ctx.skus.values()];
        const found = await repo.findPriorYear({
          dealerIds: scoped,
          from: shift(window.start),
          to: shift(window.end),
          kinds: priorKinds(def),
          qualifyingSkuIds: allSkus2.filter((x) => skuMatches(def.qualifying, x)).map((x) => x.id),
          payingSkuIds: allSkus2.filter((x) => skuMatches(def.paying, x)).map((x) => x.id),
          ...(needsSaleDetails(def)
            ? { saleFilters: { qualifying: def.qualifying, paying: def.paying } }
            : {}),
        });
        priorByItem.set(item, new Map(found.map((p) => [p.dealerId, p])));
      }

      // Agreements of the whole span, filtered per window below.
      const needsAgreements = (def: ProgramDefinition) =>
        def.measure === 'agreement_attainment' || def.eligibility.requiresActiveAgreement;
      const plansOf = new Map<number, AgreementPlanRow[]>();
      if (grouped.some((i) => needsAgreements(i.version.definition))) {
        const end = grouped
          .map((i) => i.settlement.window.end)
          .sort()
          .at(-1)!;
        for (const plan of await repo.findAgreementPlans(scoped, from, end)) {
          const list = plansOf.get(plan.dealerId) ?? [];
          list.push(plan);
          plansOf.set(plan.dealerId, list);
        }
      }
      const plansIn = (dealerId: number, window: { start: string; end: string }) =>
        (plansOf.get(dealerId) ?? []).filter(
          (p) =>
            `${p.startMonth}-01` <= window.end &&
            `${addMonths(p.startMonth, p.months)}-01` > window.start,
        );

      const storedOf = new Map<number, Awaited<ReturnType<typeof repo.findStoredStatements>>>();
      const adjustmentsOf = new Map<
        number,
        Awaited<ReturnType<typeof repo.findProgramAdjustments>>
      >();
      for (const p of new Set(grouped.map((i) => i.program))) {
        storedOf.set(p.row.id, await repo.findStoredStatements(p.row.id, scoped));
        adjustmentsOf.set(p.row.id, await repo.findProgramAdjustments(p.row.id, scoped));
      }

      for (const item of grouped) {
        const def = item.version.definition;
        const { settlement } = item;
        const window = settlement.window;
        const stored = storedOf
          .get(item.program.row.id)!
          .filter((s) => s.windowLabel === window.label);
        const storedHere = new Map(
          stored.filter((s) => s.period === settlement.period).map((s) => [s.dealerId, s]),
        );
        const previously = previouslyDue(stored, settlement.period);
        const carried = new Set(
          adjustmentPeriodsOf({
            program: def,
            period: settlement.period,
            fiscalYearStartMonth: ctx.fy,
          }),
        );
        const adjustments = adjustmentsOf
          .get(item.program.row.id)!
          .filter((a) => carried.has(a.period));
        const corrections = await correctionsInto({
          db: deps.db,
          program: item.program,
          period: settlement.period,
          dealers,
          ctx,
          wholeNetwork: options.wholeNetwork === true,
          closed: closedOf.get(item.program.row.id)!,
        });
        const prior = priorByItem.get(item);
        const classes = classesOf.get(def)!;
        const tierColumns = tierColumnsOf.get(def) ?? null;
        const withAgreements = needsAgreements(def);
        const isOrdered = aggregationMode(def) === 'ordered';
        // Order-dependent benefits: dealers whose walk may cross a tier boundary in some month
        // get those months' rows in a second pass.
        const needMonths = new Map<number, Set<string>>();
        const pending: {
          index: number;
          input: Parameters<typeof calculateStatementFromGroups>[0];
        }[] = [];
        const computed: Computed[] = [];
        let ok = true;
        for (const d of dealers) {
          const storedRow = storedHere.get(d.id);
          if (storedRow && storedRow.status !== 'closed') {
            computed.push(storedComputed(d, storedRow));
            continue;
          }
          const { dealer, planned } = toDealer(
            d,
            ctx,
            withAgreements ? plansIn(d.id, window) : undefined,
            window,
          );
          const input: Parameters<typeof calculateStatementFromGroups>[0] = {
            program: def,
            dealer,
            period: settlement.period,
            groups: groupsIn(d.id, window, settlement.cutoff),
            classes,
            tierColumns,
            plannedQuantity: planned,
            priorYear: def.measure === 'growth' ? (prior?.get(d.id) ?? null) : undefined,
            previouslySettled: (previously.get(d.id) ?? new Dec(0)).toFixed(),
            adjustments: dealerAdjustments(adjustments, corrections, d.id),
            fiscalYearStartMonth: ctx.fy,
            ...(asOf ? { asOf } : {}),
          };
          const months = new Set<string>();
          const statement = calculateStatementFromGroups(
            isOrdered ? { ...input, needMonths: months } : input,
          );
          if (statement === null && months.size > 0) {
            needMonths.set(d.id, months);
            pending.push({ index: computed.length, input });
          } else if (statement === null) {
            ok = false;
            break;
          }
          computed.push(
            liveComputed(d, statement as Statement, settlement.period, storedRow, stored),
          );
        }
        if (ok && pending.length > 0) {
          const payingSkuIds = allSkus
            .filter((x) => {
              for (let k = 0; k < saleKeys; k++) {
                const cls = classBySkuId[(x.id - 1) * saleKeys + k];
                if (cls !== null && cls !== undefined && ((classes[cls] ?? 0) & PAYING) !== 0)
                  return true;
              }
              return false;
            })
            .map((x) => x.id);
          const found = await bigRead((_, tx) =>
            scan.readRows(tx, {
              months: needMonths,
              negativeFrom: def.startDate,
              to: settlement.cutoff,
              kinds: kindsOf(def),
              skuIds: payingSkuIds,
            }),
          );
          const rowsOf = new Map<number, OrderedRow[]>();
          for (const [dealerId, rows] of found) {
            rowsOf.set(
              dealerId,
              rows.map((r) => {
                const tx = toTransaction(r, ctx);
                return {
                  id: Number(r.id),
                  occurredOn: r.occurredOn,
                  receivedOn: r.receivedOn,
                  kind: r.kind,
                  currency: tx.currency,
                  skuClass:
                    classBySkuId[
                      (r.skuId - 1) * saleKeys + saleKeyOf(r.saleCategory, r.buyerType)
                    ] ?? -1,
                  tx,
                  quantity: tx.kind === 'unwind' && tx.quantity > 0 ? -tx.quantity : tx.quantity,
                };
              }),
            );
          }
          for (const { index, input } of pending) {
            const dealerId = computed[index]!.dealer.id;
            const statement = calculateStatementFromGroups({
              ...input,
              orderedRows: rowsOf.get(dealerId) ?? [],
            });
            if (statement === null) {
              ok = false;
              break;
            }
            computed[index]!.statement = statement;
          }
        }
        if (ok) results.push({ item, computed, path: 'groups' });
        else byRows.push(item);
      }
    }

    for (const item of byRows) {
      const { items: computed } = await computeStatements({
        program: item.program,
        period: item.settlement.period,
        dealers,
        withLines: false,
        ctx,
        wholeNetwork: options.wholeNetwork === true,
        ...(asOf ? { asOf } : {}),
      });
      results.push({ item, computed, path: 'rows' });
    }
    return results;
  }

  return { computeNetworkTotals };
}

export type NetworkTotals = ReturnType<typeof createNetworkTotals>;
