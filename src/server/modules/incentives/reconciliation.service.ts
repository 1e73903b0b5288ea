/**
 * Loads what the reconciliation of a period needs (reconciliation.ts): the period's statements
 * (frozen lines when approved), the feed rows inside the window and filters, and for the rows
 * stored after the period's close the correction lines that pay them in later statements.
 * The service passes its statement functions in (`tools`), so this file holds no engine wiring.
 */
import type { IncentiveTransaction, StatementAdjustment } from '../../../shared/schemas/program';
import type { ReconciliationView } from '../../../shared/schemas/reconciliation';
import type { Queryable } from '../../db/db';
import { listSettlementPeriods, type SettlementPeriod, type Statement } from './calc';
import { carrierOf, isLastOfWindow } from './corrections';
import { createCorrectionsRepository } from './corrections.repository';
import type { DealerRow, LoadSpec, TxRow } from './incentives.repository';
import { createIncentivesRepository } from './incentives.repository';
import { reconcile, type DealerReconInput, type ReconLine } from './reconciliation';
import { countingInWindow } from './statement-compute';
import type { ProgramDefinition } from '../../../shared/schemas/program';

type Computed = {
  dealer: DealerRow;
  statement: Statement;
  status: string;
  storedId: string | null;
};

export type ReconciliationTools = {
  db: Queryable;
  programId: number;
  program: ProgramDefinition;
  /** The definition the period labels come from (the latest version). */
  labelsFrom: ProgramDefinition;
  settlement: SettlementPeriod;
  fiscalYearStartMonth: number;
  dealers: DealerRow[];
  spec: Omit<LoadSpec, 'dealerIds' | 'requiresClaim'>;
  toTransaction: (r: TxRow) => IncentiveTransaction;
  compute: (options: {
    dealers: DealerRow[];
    live?: boolean;
    maxFeedId?: string | null;
    withoutCorrections?: boolean;
  }) => Promise<Computed[]>;
  correctionsInto: (
    period: string,
    dealers: DealerRow[],
  ) => Promise<Map<number, StatementAdjustment[]>>;
};

export async function loadReconciliation(t: ReconciliationTools): Promise<ReconciliationView> {
  const repo = createIncentivesRepository(t.db);
  const period = t.settlement.period;
  const closed = await createCorrectionsRepository(t.db).findClosedPeriods(t.programId);
  const own = closed.get(period) ?? null;
  const rows = await repo.findTransactionRows({
    ...t.spec,
    dealerIds: t.dealers.map((d) => d.id),
    requiresClaim: false,
    maxFeedId: null,
  });
  // The unwinds left out because their sale was already charged back (statement-compute.ts):
  // feed rows of the period too, in the excluded bucket with their reason.
  const charged = await repo.findChargedUnwindRows({
    ...t.spec,
    dealerIds: t.dealers.map((d) => d.id),
    requiresClaim: false,
    maxFeedId: null,
  });
  // listed in the one window that would have counted each (a late one: its arrival's)
  const here = countingInWindow({
    program: t.program,
    fiscalYearStartMonth: t.fiscalYearStartMonth,
    window: t.settlement.window.label,
    transactions: charged.map((r) => t.toTransaction(r)),
  });
  const chargedOf = new Map<number, { transactionId: string; reason: string }[]>();
  for (const r of charged) {
    if (!here.has(r.id)) continue;
    const list = chargedOf.get(r.dealerId) ?? [];
    list.push({ transactionId: r.id, reason: 'charged_back_unwind' });
    chargedOf.set(r.dealerId, list);
  }
  const rowsOf = new Map<number, IncentiveTransaction[]>();
  const lateOf = new Map<number, Set<string>>();
  for (const r of [...rows, ...charged]) {
    const list = rowsOf.get(r.dealerId) ?? [];
    list.push(t.toTransaction(r));
    rowsOf.set(r.dealerId, list);
    if (own && BigInt(r.id) > BigInt(own.lastFeedId)) {
      const late = lateOf.get(r.dealerId) ?? new Set<string>();
      late.add(r.id);
      lateOf.set(r.dealerId, late);
    }
  }
  const settled = await t.compute({ dealers: t.dealers });
  const lateDealers = t.dealers.filter((d) => lateOf.has(d.id));
  const full = new Map<number, Statement>();
  const corrections = new Map<number, DealerReconInput['corrections']>();
  const carried = new Map<number, DealerReconInput['carried']>();
  /** The later periods whose corrections were asked for the dealers with late rows. */
  const askedForLate = new Set<string>();
  if (own && lateDealers.length > 0) {
    for (const c of await t.compute({
      dealers: lateDealers,
      live: true,
      maxFeedId: null,
      withoutCorrections: true,
    })) {
      full.set(c.dealer.id, c.statement);
    }
    const periods = listSettlementPeriods({
      program: t.labelsFrom,
      fiscalYearStartMonth: t.fiscalYearStartMonth,
    });
    const i = periods.findIndex((p) => p.period === period);
    if (isLastOfWindow(periods, i)) {
      const targets = new Set<string>();
      for (const d of lateDealers) {
        for (const id of lateOf.get(d.id)!) {
          const q = carrierOf({ periods, closed, source: period, rowId: id });
          if (q !== null) targets.add(q);
        }
      }
      for (const q of targets) {
        askedForLate.add(q);
        for (const [dealerId, lines] of await t.correctionsInto(q, lateDealers)) {
          const list = corrections.get(dealerId) ?? [];
          for (const l of lines) {
            if (l.correction?.period !== period) continue;
            list.push({ transactionId: l.correction.transactionId, amount: l.amount, inPeriod: q });
          }
          corrections.set(dealerId, list);
        }
      }
    } else {
      // A cumulative period: the window's next open statement counts its late rows itself.
      for (const d of lateDealers) {
        const map = new Map<string, { period: string; amount: string }>();
        for (const l of full.get(d.id)?.lines ?? []) {
          const id = l.transactionId === null ? null : String(l.transactionId);
          if (id === null || !lateOf.get(d.id)!.has(id)) continue;
          const q = carrierOf({ periods, closed, source: period, rowId: id });
          if (q !== null) map.set(id, { period: q, amount: l.amount });
        }
        carried.set(d.id, map);
      }
    }
  }
  // A delivery excluded because its VIN earned elsewhere, freed after the close (the other sale
  // unwound or charged back): the correction line of a later statement that pays it — for a
  // dealer with late rows of its own too, in the periods not asked for them above.
  const freed = own
    ? await freedCorrections(t, own.lastFeedId, new Set(lateDealers.map((d) => d.id)), askedForLate)
    : new Map();
  for (const [dealerId, list] of freed)
    corrections.set(dealerId, [...(corrections.get(dealerId) ?? []), ...list]);
  const inputs: DealerReconInput[] = [];
  for (const c of settled) {
    const frozen = c.storedId !== null && c.status !== 'closed' && c.status !== 'open';
    const lines: ReconLine[] = frozen
      ? await repo.findLines(c.storedId!)
      : c.statement.lines.map((l) => ({
          kind: l.kind,
          transactionId: l.transactionId === null ? null : String(l.transactionId),
          amount: l.amount,
        }));
    const fullStatement = full.get(c.dealer.id);
    inputs.push({
      dealerCode: c.dealer.code,
      lines,
      excluded: [
        ...(c.statement.excluded ?? [])
          .filter((e) => e.reason !== 'charged_back_unwind')
          .map((e) => ({ transactionId: String(e.transactionId), reason: e.reason })),
        ...(chargedOf.get(c.dealer.id) ?? []),
      ],
      earned: c.statement.earned,
      eligible: c.statement.eligible,
      rows: rowsOf.get(c.dealer.id) ?? [],
      corrections: corrections.get(c.dealer.id) ?? [],
      carried: carried.get(c.dealer.id) ?? new Map(),
      lateExcluded: new Map(
        (fullStatement?.excluded ?? []).map((e) => [String(e.transactionId), e.reason]),
      ),
      storedAfterClose: lateOf.get(c.dealer.id) ?? new Set(),
      requiresClaim: t.program.requiresClaim,
    });
  }
  return reconcile({
    program: t.program,
    settlement: t.settlement,
    fiscalYearStartMonth: t.fiscalYearStartMonth,
    closedAt: own?.closedAt ?? null,
    dealers: inputs,
  });
}

/**
 * The correction lines paying deliveries of the period freed after its close, for the dealers
 * `forecourt_vin_touched_dealers` names: every later period is asked once (a freed delivery is
 * paid in exactly one). A dealer with late rows of its own (`late`) was asked above for the
 * periods carrying them (`askedForLate`): only the other periods are asked for it here (before,
 * it was left out, and a delivery freed by another dealer's unwind or chargeback and paid in
 * another period stayed `excluded`).
 */
async function freedCorrections(
  t: ReconciliationTools,
  after: string,
  late: ReadonlySet<number>,
  askedForLate: ReadonlySet<string>,
): Promise<Map<number, DealerReconInput['corrections']>> {
  const out = new Map<number, DealerReconInput['corrections']>();
  const periods = listSettlementPeriods({
    program: t.labelsFrom,
    fiscalYearStartMonth: t.fiscalYearStartMonth,
  });
  const i = periods.findIndex((p) => p.period === t.settlement.period);
  if (i < 0 || !isLastOfWindow(periods, i)) return out;
  const ids = new Set(
    await createCorrectionsRepository(t.db).findVinTouchedDealers({
      dealerIds: t.dealers.map((d) => d.id),
      after,
      upTo: null,
      from: t.settlement.window.start,
      to: t.settlement.cutoff,
    }),
  );
  const touched = t.dealers.filter((d) => ids.has(d.id));
  const asked = (dealerId: number, period: string) =>
    late.has(dealerId) && askedForLate.has(period);
  if (touched.length === 0) return out;
  const add = (dealerId: number, transactionId: string, amount: string, inPeriod: string) =>
    out.set(dealerId, [...(out.get(dealerId) ?? []), { transactionId, amount, inPeriod }]);
  // a settled statement's corrections as paid (recomputed after its approval, the freed delivery
  // is the dealer's settled unit and no longer differs)
  const settledOf = new Set<string>();
  for (const r of await createCorrectionsRepository(t.db).findSettledCorrections(
    t.programId,
    touched.map((d) => d.id),
    t.settlement.period,
  )) {
    settledOf.add(`${r.dealerId}|${r.period}`);
    if (asked(r.dealerId, r.period)) continue;
    if (r.transactionId !== null && r.amount !== null)
      add(r.dealerId, r.transactionId, r.amount, r.period);
  }
  for (const q of periods.slice(i + 1)) {
    const live = touched.filter(
      (d) => !settledOf.has(`${d.id}|${q.period}`) && !asked(d.id, q.period),
    );
    if (live.length === 0) continue;
    for (const [dealerId, lines] of await t.correctionsInto(q.period, live)) {
      for (const l of lines) {
        const c = l.correction;
        if (c?.period !== t.settlement.period || c.transactionId === null) continue;
        add(dealerId, c.transactionId, l.amount, q.period);
      }
    }
  }
  return out;
}
