/**
 * A dealer's progress (issue 19): every program it is in today, read through the dealer
 * progress cache, and the what-if of more sales; the engine inputs of one program and period
 * for many dealers (also the accruals' projection).
 */
import { blocksOf, findVinBlocks } from './vin-once';
import { checkMinorUnit, Dec, moneyString } from '../../../shared/money';
import {
  type IncentiveTransaction,
  type PriorYearVolume,
  type ProgramDefinition,
} from '../../../shared/schemas/program';
import type { ProgressView, WhatIfBody } from '../../../shared/schemas/incentives';
import { type Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { createDealerProgressCache } from './dealer-progress-cache';
import { priceOn } from './pricing';
import {
  calculateProgress,
  checkEligibility,
  hypotheticalTransactions,
  resolvePeriod,
  adjustmentPeriodsOf,
  whatIf,
  type Progress,
  type StatementInput,
} from './calc';
import { type AgreementPlanRow, type DealerRow, type VersionRow } from './incentives.repository';
import { createProgramsRepository } from './programs.repository';
import { createStatementsRepository } from './statements.repository';
import {
  type IncentivesContext,
  type Ctx,
  type Loaded,
  invalid,
  skuMatches,
  kindsOf,
  addMonths,
  need,
  latest,
  versionFor,
  dealerStatementInputs,
  groupByDealer,
  programReadSpec,
  toDealer,
  toTransaction,
  needsSaleDetails,
} from './incentives-context';

export function createProgressService({ shared }: { shared: IncentivesContext }) {
  const { deps, visibility, context, loadProgram, defaultPeriod, dealerInScope } = shared;
  const repoOf = (db: Queryable = deps.db) => ({
    ...createProgramsRepository(db),
    ...createStatementsRepository(db),
  });

  function progressView(p: Progress, def: ProgramDefinition): ProgressView {
    const unit =
      def.measure === 'ev_share' ? 'BEVs' : def.measure === 'revenue' ? 'units' : 'units';
    let message: string;
    if (!p.eligible) message = `Not eligible: ${p.statement.ineligibleReasons.join('; ')}`;
    else if (!p.nextTier) message = `Top tier reached: ${p.earned} ${p.currency} earned so far`;
    else if (p.needed?.units && p.nextTierAdds)
      message = `${p.needed.units} more ${p.needed.units === 1 ? unit.replace(/s$/, '') : unit} earn you ${p.nextTierAdds} ${p.currency} more`;
    else message = `Next tier from ${p.nextTier.from}${p.note ? ` (${p.note})` : ''}`;
    return {
      programCode: p.programCode,
      programName: def.name,
      currency: p.currency,
      period: p.period,
      window: p.window,
      asOf: p.asOf,
      eligible: p.eligible,
      measure: def.measure,
      measureValue: p.measureValue,
      measureNote: p.measureNote,
      tierReached: p.tierReached,
      earned: p.earned,
      previouslySettled: moneyString(p.previouslySettled, p.currency),
      amountDue: p.amountDue,
      nextTier: p.nextTier,
      needed: p.needed,
      nextTierAdds: p.nextTierAdds,
      message,
      note: p.note,
    };
  }

  /**
   * The engine inputs of one dealer for many programs' current periods with a handful of
   * queries: the dealer's rows once (each program keeps its SKUs and kinds, as
   * findTransactionRows selects them), agreements once, settlement state once; growth programs
   * add their prior-year query, claim programs load their own rows.
   */
  async function dealerProgressInputs(
    d: DealerRow,
    ctx: Ctx,
    list: { p: Loaded; version: VersionRow; period: string }[],
  ): Promise<Omit<StatementInput, 'period'>[]> {
    const repo = repoOf();
    if (list.length === 0) return [];
    const prepared = list.map((x) => {
      const def = x.version.definition;
      const settlement = resolvePeriod({
        program: def,
        period: x.period,
        fiscalYearStartMonth: ctx.fy,
      });
      return { ...x, def, settlement };
    });
    const from = prepared.map((x) => x.settlement.window.start).sort()[0]!;
    const to = prepared
      .map((x) => x.settlement.cutoff)
      .sort()
      .at(-1)!;
    const windowEnd = prepared
      .map((x) => x.settlement.window.end)
      .sort()
      .at(-1)!;
    const negativeFrom = prepared.map((x) => x.def.startDate).sort()[0]!;
    const needsAgreements = (def: ProgramDefinition) =>
      def.measure === 'agreement_attainment' || def.eligibility.requiresActiveAgreement;
    const allSkus = [...ctx.skus.values()];
    const shift = (x: string) =>
      `${Number(x.slice(0, 4)) - 1}${x.slice(4) === '-02-29' ? '-02-28' : x.slice(4)}`;
    // Prior-year volumes of growth programs, in parallel with the rest.
    const priorYears = new Map<number, Promise<PriorYearVolume | null>>();
    for (const { p, def, settlement } of prepared) {
      if (def.measure !== 'growth' || def.requiresClaim) continue;
      priorYears.set(
        p.row.id,
        repo
          .findPriorYear({
            dealerIds: [d.id],
            from: shift(settlement.window.start),
            to: shift(settlement.window.end),
            kinds: kindsOf(def),
            qualifyingSkuIds: allSkus.filter((x) => skuMatches(def.qualifying, x)).map((x) => x.id),
            payingSkuIds: allSkus.filter((x) => skuMatches(def.paying, x)).map((x) => x.id),
            ...(needsSaleDetails(def)
              ? { saleFilters: { qualifying: def.qualifying, paying: def.paying } }
              : {}),
          })
          .then(([py]) => py ?? null),
      );
      // Awaited below; a failure there must not also surface as an unhandled rejection.
      priorYears.get(p.row.id)!.catch(() => undefined);
    }
    const [rows, plans, settlementState] = await Promise.all([
      repo.findDealerRows({
        dealerId: d.id,
        from,
        to,
        negativeFrom,
      }),
      prepared.some((x) => needsAgreements(x.def))
        ? repo.findAgreementPlans([d.id], from, windowEnd)
        : Promise.resolve([] as AgreementPlanRow[]),
      repo.findDealerSettlement(
        d.id,
        prepared.map((x) => x.p.row.id),
      ),
    ]);
    const transactions = rows.map((r) => ({ row: r, tx: toTransaction(r, ctx) }));
    return Promise.all(
      prepared.map(async ({ p, version, period, def, settlement }) => {
        if (def.requiresClaim) return progressInput(p, version, d, ctx, period);
        const window = settlement.window;
        const carried = new Set(
          adjustmentPeriodsOf({ program: def, period, fiscalYearStartMonth: ctx.fy }),
        );
        const qualifyingSkuIds = allSkus
          .filter((x) => skuMatches(def.qualifying, x))
          .map((x) => x.id);
        const payingSkuIds = allSkus.filter((x) => skuMatches(def.paying, x)).map((x) => x.id);
        const skuIds = new Set([...qualifyingSkuIds, ...payingSkuIds]);
        const kinds = new Set(kindsOf(def));
        const mine: IncentiveTransaction[] = [];
        for (const { row, tx } of transactions) {
          if (!skuIds.has(row.skuId) || !kinds.has(row.kind)) continue;
          const inWindow = row.occurredOn >= window.start && row.occurredOn <= settlement.cutoff;
          const lateNegative =
            (row.kind === 'unwind' || row.quantity < 0) &&
            row.occurredOn < window.start &&
            row.receivedOn !== null &&
            row.receivedOn >= window.start &&
            row.receivedOn <= settlement.cutoff;
          if (inWindow || lateNegative) mine.push(tx);
        }
        const windowPlans = needsAgreements(def)
          ? plans.filter(
              (x) =>
                `${x.startMonth}-01` <= window.end &&
                `${addMonths(x.startMonth, x.months)}-01` > window.start,
            )
          : undefined;
        const { dealer, planned } = toDealer(d, ctx, windowPlans, window);
        const priorYear = await priorYears.get(p.row.id);
        const blocks = await findVinBlocks(deps.db, {
          programId: p.row.id,
          program: def,
          dealerIds: [d.id],
          from: window.start,
          to: settlement.cutoff,
        });
        let previous = new Dec(0);
        for (const x of settlementState.stored) {
          if (x.programId !== p.row.id || x.windowLabel !== window.label) continue;
          if (
            x.period !== settlement.period &&
            x.status !== 'closed' &&
            x.period < settlement.period
          )
            previous = previous.plus(x.amountDue);
        }
        return {
          program: def,
          dealer,
          transactions: mine,
          plannedQuantity: planned,
          priorYear,
          previouslySettled: previous.toFixed(),
          settledUnitBenefits: settlementState.settled
            .filter((x) => x.programId === p.row.id)
            .map(({ programId: _programId, ...x }) => ({
              ...x,
              transactionId: Number(x.transactionId),
            })),
          adjustments: settlementState.adjustments
            .filter((a) => a.programId === p.row.id && carried.has(a.period))
            .map((a) => ({
              reference: `ADJ-${a.id}`,
              amount: a.amount,
              explanation: a.explanation,
            })),
          includeLines: false,
          fiscalYearStartMonth: ctx.fy,
          blockedSales: blocksOf(blocks, d.id),
        };
      }),
    );
  }

  // a dealer's progress, computed once per change of its inputs
  const progressCache = createDealerProgressCache<
    Awaited<ReturnType<typeof computeDealerIncentives>>
  >(deps.db);

  /** A dealer's progress in every program it is eligible for today (read through the cache). */
  async function computeDealerIncentives(d: DealerRow) {
    const repo = repoOf();
    const [ctx, all] = await Promise.all([context(), repo.findPrograms()]);
    const rows = all.filter((r) => r.status === 'published');
    const versions = await repo.findVersions(rows.map((r) => r.id));
    const today = deps.today();
    const chosen: { p: Loaded; version: VersionRow; period: string }[] = [];
    for (const row of rows) {
      // a drafted next version is not in force: it neither shows nor hides a program
      const published = versions.filter((v) => v.programId === row.id && v.status === 'published');
      const p = { row, versions: published };
      const def = latest(p).definition;
      if (today < def.startDate || today > def.endDate) continue;
      const probe = toDealer(d, ctx, [], { start: def.startDate, end: def.endDate });
      const eligibility = checkEligibility({
        program: { eligibility: { ...def.eligibility, requiresActiveAgreement: false } },
        dealer: probe.dealer,
      });
      if (!eligibility.eligible) continue;
      const period = defaultPeriod(p, ctx);
      const settlement = resolvePeriod({ program: def, period, fiscalYearStartMonth: ctx.fy });
      chosen.push({ p, version: versionFor(p, settlement.window.start), period });
    }
    const inputs = await dealerProgressInputs(d, ctx, chosen);
    const programs: ProgressView[] = chosen.map((x, i) =>
      progressView(
        calculateProgress({ ...inputs[i]!, asOf: today, period: x.period }),
        x.version.definition,
      ),
    );
    return { dealerCode: d.code, asOf: today, programs };
  }

  /** Rebuilds the engine input of one dealer (same loading as statements, rows with lines). */
  async function progressInput(
    p: Loaded,
    version: VersionRow,
    d: DealerRow,
    ctx: Ctx,
    period: string,
  ): Promise<Omit<StatementInput, 'period'>> {
    return (await progressInputs(p, version, [d], ctx, period)).get(d.id)!;
  }

  /**
   * The engine's inputs of one program and period for many dealers (rows of the window, plans,
   * prior year, settlement state), with one query of each kind for them all.
   */
  async function progressInputs(
    p: Loaded,
    version: VersionRow,
    dealers: DealerRow[],
    ctx: Ctx,
    period: string,
  ): Promise<Map<number, Omit<StatementInput, 'period'>>> {
    const def = version.definition;
    const repo = repoOf();
    const ids = dealers.map((d) => d.id);
    const spec = programReadSpec({ programId: p.row.id, def, period, ctx, dealerIds: ids });
    const { settlement } = spec;
    const rows = groupByDealer(await repo.findTransactionRows(spec.rows));
    const plans = spec.needsAgreements
      ? groupByDealer(
          await repo.findAgreementPlans(ids, settlement.window.start, settlement.window.end),
        )
      : undefined;
    const prior = spec.prior ? groupByDealer(await repo.findPriorYear(spec.prior)) : undefined;
    const stored = groupByDealer(
      await repo.findStoredStatements(p.row.id, ids, settlement.window.label),
    );
    const settled = groupByDealer(await repo.findSettledUnits(p.row.id, ids));
    const blocks = await findVinBlocks(deps.db, {
      programId: p.row.id,
      program: def,
      dealerIds: ids,
      from: settlement.window.start,
      to: settlement.cutoff,
    });
    const adjustments = groupByDealer(
      await repo.findAdjustments(
        p.row.id,
        adjustmentPeriodsOf({ program: def, period, fiscalYearStartMonth: ctx.fy }),
        ids,
      ),
    );
    return dealerStatementInputs({
      program: def,
      dealers,
      ctx,
      settlement,
      rows,
      plans,
      prior,
      stored,
      adjustments,
      settled,
      blocks,
    });
  }

  return {
    progressInputs,
    async getDealerIncentives({ actor, dealerCode }: { actor: Actor; dealerCode: string }) {
      need(actor, 'programs:read');
      const d = await dealerInScope(actor, dealerCode);
      return progressCache.read(d.id, deps.today(), () => computeDealerIncentives(d));
    },

    async whatIf({
      actor,
      dealerCode,
      data,
    }: {
      actor: Actor;
      dealerCode: string;
      data: WhatIfBody;
    }) {
      need(actor, 'programs:read');
      const d = await dealerInScope(actor, dealerCode);
      const ctx = await context();
      await visibility.requireVisible(actor, data.programCode, dealerCode);
      const p = await loadProgram(data.programCode);
      const sku = data.sku
        ? ctx.skuByCode.get(data.sku)
        : [...ctx.skus.values()].find(
            (s) =>
              s.modelLineCode === data.modelLine &&
              (data.powertrain === undefined || s.powertrain === data.powertrain),
          );
      if (!sku) {
        throw invalid([
          {
            path: data.sku ? 'body.sku' : 'body.modelLine',
            code: 'unknown_code',
            message: 'no such SKU in the catalog',
          },
        ]);
      }
      const period = data.period ?? defaultPeriod(p, ctx);
      const def0 = latest(p).definition;
      const settlement = resolvePeriod({ program: def0, period, fiscalYearStartMonth: ctx.fy });
      const version = versionFor(p, settlement.window.start);
      const input = await progressInput(p, version, d, ctx, period);
      const today = deps.today();
      const date =
        data.date ??
        (today < settlement.window.start
          ? settlement.window.start
          : today > settlement.cutoff
            ? settlement.cutoff
            : today);
      if (data.amountPerUnit !== undefined) {
        checkMinorUnit(data.amountPerUnit, version.definition.currency, 'body.amountPerUnit');
      }
      // Hypothetical sales on `date` are priced at the MSRP valid then.
      const msrp = priceOn(ctx.prices, sku.id, date, sku.msrp);
      const extra = hypotheticalTransactions({
        template: {
          sku: sku.code,
          modelLineCode: sku.modelLineCode,
          powertrain: sku.powertrain,
          segment: sku.segment,
          msrp,
          amountPerUnit: data.amountPerUnit ?? msrp,
          co2GPerKm: sku.co2GPerKm,
        },
        quantity: data.quantity,
        date,
        currency: version.definition.currency,
      });
      const result = whatIf({ input: { ...input, asOf: today, period }, extraTransactions: extra });
      return {
        before: progressView(result.before, version.definition),
        after: progressView(result.after, version.definition),
        addedEarned: result.addedEarned,
      };
    },
  };
}

export type ProgressService = ReturnType<typeof createProgressService>;
