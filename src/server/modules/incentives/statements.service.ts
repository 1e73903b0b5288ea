/**
 * Statements (issue 19): a program's statements of a period for the dealers in scope, one
 * dealer's statement with its lines and snapshot, the reconciliation, the network
 * recalculation and its job.
 */
import { Dec, formatMinor, moneyString } from '../../../shared/money';
import type {
  StatementDetail,
  StatementLineView,
  StatementView,
} from '../../../shared/schemas/incentives';
import { type Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { lineUnitPrice } from './pricing';
import { createSettlementRepository } from './settlement';
import { snapshotDocument, snapshotHash, statementFigures } from './statement-snapshot';
import { loadReconciliation } from './reconciliation.service';
import { parseScaled } from '../../../shared/fixed';
import { calculateBudgetUse, listSettlementPeriods } from './calc';
import { createProgramsRepository } from './programs.repository';
import { createIncentivesContextRepository } from './incentives-context.repository';
import { createStatementsRepository } from './statements.repository';
import {
  type IncentivesContext,
  skuMatches,
  kindsOf,
  requireOem,
  need,
  latest,
  versionAndPeriod,
  toTransaction,
  needsSaleDetails,
} from './incentives-context';
import {
  correctionFields,
  type Computed,
  type StatementComputation,
  toStatementLine,
} from './statement-compute';
import { type NetworkItem, type NetworkTotals } from './network-totals';

/** The job that recalculates every program's current statements (POST /incentives/recalculate). */
export const RECALCULATION_JOB_KIND = 'incentives.recalculate';

/**
 * The figures a statement shows: a settled_later one (a later statement of its window was
 * approved first and paid it) shows no amount and no line, since nothing is payable or changeable
 * in it (window-order.ts); the others as computed or frozen.
 */
export function settledView(c: Computed): Computed['statement'] {
  if (c.status !== 'settled_later') return c.statement;
  const zero = moneyString('0', c.statement.currency);
  return {
    ...c.statement,
    lines: [],
    lineCount: 0,
    capApplied: false,
    earned: zero,
    previouslySettled: '0',
    amountDue: zero,
    excluded: [],
  };
}

export function createStatementsService({
  shared,
  compute,
  network,
}: {
  shared: IncentivesContext;
  compute: StatementComputation;
  network: NetworkTotals;
}) {
  const { deps, visibility, context, loadProgram, defaultPeriod, dealerInScope } = shared;
  const { correctionsInto, computeStatements } = compute;
  const { computeNetworkTotals } = network;
  const repoOf = (db: Queryable = deps.db) => ({
    ...createProgramsRepository(db),
    ...createIncentivesContextRepository(db),
    ...createStatementsRepository(db),
  });

  function statementView(c: Computed, code: string, versionNo: number): StatementView {
    const s = settledView(c);
    return {
      programCode: code,
      versionNo,
      dealerCode: c.dealer.code,
      dealerName: c.dealer.name,
      period: s.period,
      window: s.window,
      cutoff: s.cutoff,
      ...statementFigures(s),
      lineCount: s.lineCount,
      capApplied: s.capApplied,
      earned: s.earned,
      previouslySettled: moneyString(s.previouslySettled, s.currency),
      amountDue: s.amountDue,
      currency: s.currency,
      status: c.status,
      approvedBy: c.approvedBy,
      settledIn: c.settledIn ?? null,
    };
  }

  async function getStatementDetail(options: {
    actor: Actor;
    code: string;
    dealerCode: string;
    period?: string;
  }): Promise<StatementDetail> {
    const dealer = await dealerInScope(options.actor, options.dealerCode);
    await visibility.requireVisible(options.actor, options.code, options.dealerCode);
    const p = await loadProgram(options.code);
    const ctx = await context();
    const period = options.period ?? defaultPeriod(p, ctx);
    const { version, items } = await computeStatements({
      program: p,
      period,
      dealers: [dealer],
      withLines: true,
      ctx,
    });
    let c = items[0]!;
    // A closed statement shows its snapshot (what approval approves) and whether it still holds.
    const snapshot = c.storedId
      ? (await createSettlementRepository(deps.db).findSnapshots([c.storedId])).get(c.storedId)
      : undefined;
    let changedSinceClose: boolean | null = null;
    if (snapshot && c.status === 'closed') {
      const live = snapshotDocument({
        programCode: p.row.code,
        programVersion: version.versionNo,
        dealerCode: c.dealer.code,
        statement: c.statement,
      });
      changedSinceClose = snapshotHash(live) !== snapshotHash(snapshot.document);
      c = { ...c, statement: { ...c.statement, ...snapshot.document } };
    }
    let lines: StatementLineView[];
    if (c.status === 'settled_later') {
      lines = []; // its rows were paid by the later statement it names (settledIn)
    } else if (c.storedId && c.status !== 'closed') {
      lines = (await repoOf().findLines(c.storedId)).map(
        ({ correctionReason, correctsTransactionId, ...l }) => ({
          ...l,
          ...correctionFields({ ...l, correctionReason, correctsTransactionId }),
          vin: null,
          sku: null,
          unitPrice: null,
        }),
      );
    } else {
      lines = c.statement.lines.map((l, i) => toStatementLine(l, i, new Map()));
    }
    const excluded = c.status === 'settled_later' ? [] : (c.statement.excluded ?? []);
    const ids = [
      ...lines
        .map((l) => l.transactionId ?? l.correctsTransactionId ?? null)
        .filter((x): x is string => x !== null),
      ...excluded.map((e) => String(e.transactionId)),
    ];
    const refs = ids.length > 0 ? await repoOf().findTransactionRefs(ids) : new Map();
    const currency = c.statement.currency;
    for (const l of lines) {
      // a correction about a delivery of the dealer's (its VIN moved): that delivery's VIN
      const refId = l.transactionId ?? l.correctsTransactionId ?? null;
      const ref = refId ? refs.get(refId) : undefined;
      if (ref) {
        l.vin = ref.vin;
        l.sku = ref.sku;
      }
      // Frozen lines come from numeric(18,6): every amount leaves in the minor unit.
      l.amount = formatMinor(l.amount, currency);
      l.unitPrice = lineUnitPrice(l, version.definition.benefit, currency);
    }
    return {
      ...statementView(c, p.row.code, snapshot?.document.programVersion ?? version.versionNo),
      snapshot: snapshot
        ? {
            seq: snapshot.seq,
            sha256: snapshot.sha256,
            closedAt: snapshot.closedAt,
            closedBy: snapshot.closedBy,
            changedSinceClose,
          }
        : null,
      lines,
      excluded: excluded.map((e) => {
        const ref = refs.get(String(e.transactionId));
        return {
          ...e,
          transactionId: String(e.transactionId),
          vin: ref?.vin ?? null,
          sku: ref?.sku ?? null,
        };
      }),
    };
  }

  return {
    async findStatements({ actor, code, period }: { actor: Actor; code: string; period?: string }) {
      need(actor, 'statements:read');
      await visibility.requireVisible(actor, code);
      const p = await loadProgram(code);
      const ctx = await context();
      const dealers = await repoOf().findDealers(actor.scope);
      const { version, settlement } = versionAndPeriod(p, period ?? defaultPeriod(p, ctx), ctx.fy);
      // Totals only: the shared pass (or row by row where groups cannot give the cents).
      const [network] = await computeNetworkTotals({
        items: [{ program: p, version, settlement }],
        dealers,
        ctx,
        wholeNetwork: actor.scope.kind === 'network',
      });
      const items = network!.computed;
      const def = version.definition;
      const shown = items
        .filter((c) => c.statement.eligible || c.statement.lineCount > 0)
        .map((c) => ({ ...c, statement: settledView(c) }));
      const totalEarned = shown.reduce((a, c) => a.plus(c.statement.earned), new Dec(0));
      const totalDue = shown.reduce((a, c) => a.plus(c.statement.amountDue), new Dec(0));
      return {
        programCode: code,
        period: settlement.period,
        currency: def.currency,
        items: shown.map((c) => statementView(c, code, version.versionNo)),
        totalEarned: moneyString(totalEarned, def.currency),
        totalAmountDue: moneyString(totalDue, def.currency),
        budget: calculateBudgetUse({
          // the program's budget is OEM-internal: a dealer sees its own totals only
          program: actor.scope.kind === 'dealers' ? { ...def, budget: null } : def,
          earned: shown.map((c) => ({ dealerCode: c.dealer.code, earned: c.statement.earned })),
        }),
      };
    },

    getStatement: getStatementDetail,

    /** GET /programs/{code}/reconciliation (reconciliation.service.ts), dealers in scope. */
    async getReconciliation({
      actor,
      code,
      period,
    }: {
      actor: Actor;
      code: string;
      period?: string;
    }) {
      need(actor, 'statements:read');
      const p = await loadProgram(code);
      const ctx = await context();
      const dealers = await repoOf().findDealers(actor.scope);
      const { version, settlement } = versionAndPeriod(p, period ?? defaultPeriod(p, ctx), ctx.fy);
      const def = version.definition;
      const skuIds = [...ctx.skus.values()]
        .filter((s) => skuMatches(def.qualifying, s) || skuMatches(def.paying, s))
        .map((s) => s.id);
      return loadReconciliation({
        db: deps.db,
        programId: p.row.id,
        program: def,
        labelsFrom: latest(p).definition,
        settlement,
        fiscalYearStartMonth: ctx.fy,
        dealers,
        spec: {
          programId: p.row.id,
          from: settlement.window.start,
          cutoff: settlement.cutoff,
          skuIds,
          kinds: kindsOf(def),
          withSale: needsSaleDetails(def),
        },
        toTransaction: (r) => toTransaction(r, ctx),
        compute: async (o) =>
          (
            await computeStatements({
              program: p,
              period: settlement.period,
              withLines: true,
              ctx,
              ...o,
            })
          ).items,
        correctionsInto: (q, list) =>
          correctionsInto({
            db: deps.db,
            program: p,
            period: q,
            dealers: list,
            ctx,
            withWindow: false,
          }),
      });
    },

    /**
     * Full recalculation (the benchmark): earned and amount due of every program's current
     * settlement period (`periods: 'all'`: every period that has started by today; `period`:
     * that one) for every dealer in scope.
     */
    async recalculateAll({
      actor,
      period,
      periods = 'current',
      withStatements = false,
    }: {
      actor: Actor;
      period?: string;
      periods?: 'current' | 'all';
      /** Also return every statement's figures (tests and checks; large). */
      withStatements?: boolean;
    }) {
      need(actor, 'statements:read');
      const ctx = await context();
      const repo = repoOf();
      const dealers = await repo.findDealers(actor.scope);
      const rows = await repo.findPrograms();
      const versions = await repo.findVersions(rows.map((r) => r.id));
      const today = deps.today();
      const items: NetworkItem[] = [];
      for (const row of rows) {
        const p = { row, versions: versions.filter((v) => v.programId === row.id) };
        if (p.versions.length === 0) continue;
        const first = latest(p).definition;
        const labels = period
          ? [period]
          : periods === 'current'
            ? [defaultPeriod(p, ctx)]
            : listSettlementPeriods({ program: first, fiscalYearStartMonth: ctx.fy })
                .filter((s) => s.periodStart <= today)
                .map((s) => s.period);
        for (const label of labels) {
          items.push({ program: p, ...versionAndPeriod(p, label, ctx.fy) });
        }
      }
      const results = await computeNetworkTotals({
        items,
        dealers,
        ctx,
        wholeNetwork: actor.scope.kind === 'network',
      });
      let statements = 0;
      let earned = 0;
      let due = 0;
      let earnedDec = new Dec(0);
      let dueDec = new Dec(0);
      const paths = { groups: 0, rows: 0 };
      const list: {
        programCode: string;
        period: string;
        dealerCode: string;
        measureValue: string | null;
        tierReached: string | null;
        earned: string;
        amountDue: string;
        lineCount: number;
      }[] = [];
      for (const r of results) {
        paths[r.path]++;
        for (const c of r.computed.map((x) => ({ ...x, statement: settledView(x) }))) {
          statements++;
          if (withStatements) {
            list.push({
              programCode: r.item.program.row.code,
              period: r.item.settlement.period,
              dealerCode: c.dealer.code,
              measureValue: c.statement.measureValue,
              tierReached: c.statement.tierReached,
              earned: c.statement.earned,
              amountDue: c.statement.amountDue,
              lineCount: c.statement.lineCount,
            });
          }
          const e = parseScaled(c.statement.earned, 2);
          const a = parseScaled(c.statement.amountDue, 2);
          if (e === null || a === null) {
            earnedDec = earnedDec.plus(c.statement.earned);
            dueDec = dueDec.plus(c.statement.amountDue);
          } else {
            earned += e;
            due += a;
          }
        }
      }
      return {
        programs: rows.length,
        periods: results.length,
        statements,
        totalEarned: earnedDec.plus(new Dec(earned).div(100)).toFixed(2),
        totalAmountDue: dueDec.plus(new Dec(due).div(100)).toFixed(2),
        periodsFromGroups: paths.groups,
        periodsFromRows: paths.rows,
        ...(withStatements ? { items: list } : {}),
      };
    },

    async startRecalculation({ actor }: { actor: Actor }) {
      need(actor, 'payouts:manage');
      requireOem(actor);
      return deps.jobs.start({ actor, kind: RECALCULATION_JOB_KIND, params: {} });
    },
  };
}

export type StatementsService = ReturnType<typeof createStatementsService>;
