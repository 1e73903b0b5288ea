/**
 * Claims (issue 19): a dealer's claims of a claim program (JSON or CSV), each checked against
 * the feed and the program, and the OEM's decision.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { AppError, notFound, type Problem } from '../../../shared/errors';
import { Dec, moneyString } from '../../../shared/money';
import type { ClaimInput, ClaimView } from '../../../shared/schemas/incentives';
import { type Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { type DealerRow } from './incentives.repository';
import { createClaimsRepository } from './claims.repository';
import { createIncentivesContextRepository } from './incentives-context.repository';
import { createDisputesRepository } from './disputes.repository';
import { payablePeriods } from './payable-period';
import { createSettlementRepository } from './settlement';
import { createSettlementWritesRepository } from './settlement-writes.repository';
import type { StatementComputation } from './statement-compute';
import {
  type IncentivesContext,
  type Ctx,
  type Loaded,
  actorLabel,
  invalid,
  skuMatches,
  requireOem,
  need,
  latest,
} from './incentives-context';

export function createClaimsService({
  shared,
  compute,
}: {
  shared: IncentivesContext;
  compute: Pick<StatementComputation, 'computeStatements'>;
}) {
  const { deps, visibility, context, loadProgram } = shared;
  const repoOf = (db: Queryable = deps.db) => createIncentivesContextRepository(db);

  const claimsOf = (db: Queryable = deps.db) => createClaimsRepository(db);

  async function validateClaim(
    db: Queryable,
    p: Loaded,
    dealer: DealerRow,
    claim: ClaimInput,
    ctx: Ctx,
  ): Promise<{ checks: ClaimView['checks']; transactionId: string | null }> {
    const def = latest(p).definition;
    const checks: ClaimView['checks'] = [];
    const rows = await claimsOf(db).findSalesOfVin(claim.vin);
    const sale = claimedSale(
      rows.filter(
        (r) => r.dealerId === dealer.id && def.qualifying.kinds.includes(r.kind as never),
      ),
      claim.deliveredOn,
    );
    checks.push({
      check: 'delivered_by_dealer',
      ok: sale !== undefined,
      message: sale
        ? `VIN ${claim.vin} was delivered by ${dealer.code} on ${sale.occurredOn} (transaction ${sale.id})`
        : `no ${def.qualifying.kinds.join('/')} of VIN ${claim.vin} by ${dealer.code}`,
    });
    const inWindow =
      claim.deliveredOn >= def.startDate &&
      claim.deliveredOn <= def.endDate &&
      (!sale || (sale.occurredOn >= def.startDate && sale.occurredOn <= def.endDate));
    checks.push({
      check: 'inside_window',
      ok: inWindow,
      message: inWindow
        ? `delivered inside the program (${def.startDate} to ${def.endDate})`
        : `delivered outside the program (${def.startDate} to ${def.endDate})`,
    });
    const sku = ctx.skuByCode.get(claim.sku);
    const saleSku = sale ? ctx.skus.get(sale.skuId) : undefined;
    const matches =
      sku !== undefined &&
      skuMatches(def.paying, sku) &&
      (saleSku === undefined || saleSku.code === sku.code);
    checks.push({
      check: 'matches_program',
      ok: matches,
      message: !sku
        ? `SKU ${claim.sku} is not in the catalog`
        : saleSku && saleSku.code !== sku.code
          ? `the sale was of SKU ${saleSku.code}, not ${sku.code}`
          : matches
            ? `SKU ${sku.code} is paid by the program`
            : `SKU ${sku.code} is not paid by the program`,
    });
    const claimedBefore = await claimsOf(db).isVinClaimed(p.row.id, claim.vin);
    checks.push({
      check: 'not_claimed_before',
      ok: !claimedBefore,
      message: !claimedBefore
        ? 'not claimed before'
        : `VIN ${claim.vin} was already claimed in this program`,
    });
    return { checks, transactionId: sale?.id ?? null };
  }

  /**
   * A claim approved when no statement of its sale's window can count the sale any more
   * (docs/incentives.md, "Claims"): what the claim earns there (the window's last statement
   * recomputed with the sale minus without it: tier and cap moves included) is paid as an
   * adjustment naming the claim in the dealer's first payable period after the window, as a
   * dispute's. A statement can still count the sale when it is of a period of the window from
   * the sale's on, after the dealer's last approved (or paid) statement of the window, and is
   * open, or closed with the dealer's statement not yet approved (its approval then asks for a
   * re-close). A closed period where the dealer has no statement cannot: a re-close may be
   * refused (every statement approved) and nobody is asked for one; before, such a claim was
   * approved and never paid. The adjustment names the claim (`claim_id`), and statements leave a
   * claim paid that way out, so a later re-close does not pay it again.
   */
  async function payClaimOfSettledWindow(tx: Queryable, claim: ClaimView, actor: Actor) {
    const saleDate = claim.transactionId
      ? await claimsOf(tx).findSaleDate(claim.transactionId)
      : undefined;
    if (!saleDate) return;
    const p = await loadProgram(claim.programCode, tx);
    const ctx = await context(tx);
    const payable = payablePeriods(tx, p, ctx.fy);
    const last = payable.periods.findLastIndex(
      (x) => x.window.start <= saleDate && saleDate <= x.window.end,
    );
    if (last < 0) return;
    const settles = payable.periods[last]!;
    const [dealer] = await repoOf(tx).findDealers(actor.scope, claim.dealerCode);
    if (!dealer) return;
    const settlement = createSettlementRepository(tx);
    await settlement.lockWindow(p.row.id, settles.window.label);
    const stored = await settlement.findDealerWindowStatements(
      p.row.id,
      settles.window.label,
      dealer.id,
    );
    const statusOf = new Map(stored.map((s) => [s.period, s.status]));
    const writes = createSettlementWritesRepository(tx);
    for (let at = last; at >= 0; at--) {
      const x = payable.periods[at]!;
      if (x.window.label !== settles.window.label || x.cutoff < saleDate) break;
      const status = statusOf.get(x.period);
      // the dealer's last settled statement of the window: it and the earlier ones are frozen
      if (status === 'approved' || status === 'paid') break;
      if (status === 'closed' || !(await writes.isPeriodClosed(p.row.id, x.period))) return;
    }
    const run = async (exclude?: ReadonlySet<string>) =>
      (
        await compute.computeStatements({
          db: tx,
          program: p,
          period: settles.period,
          dealers: [dealer],
          withLines: true,
          ctx,
          live: true,
          withoutCorrections: true,
          ...(exclude ? { excludeTransactionIds: exclude } : {}),
        })
      ).items[0]!.statement;
    const withClaim = await run();
    const owed = new Dec(withClaim.amountDue).minus(
      (await run(new Set([claim.transactionId!]))).amountDue,
    );
    if (owed.isZero()) return;
    const period = await payable.firstFrom(last + 1, dealer.id);
    if (!period)
      throw new AppError(
        'NO_PAYABLE_PERIOD',
        `Claim ${claim.id}: no statement of ${claim.dealerCode} can pay it: ${settles.window.label} is settled and every later period of program ${claim.programCode} is closed or settled for the dealer; reject the claim with a reason (and pay it outside the program)`,
        { period: settles.period, window: settles.window.label },
      );
    await createDisputesRepository(tx).insertAdjustment({
      programId: p.row.id,
      dealerCode: claim.dealerCode,
      period,
      disputeId: null,
      claimId: claim.id,
      amount: moneyString(owed, withClaim.currency),
      explanation: `claim ${claim.id} (VIN ${claim.vin}) approved after ${settles.period} was settled`,
      createdBy: actorLabel(actor),
    });
  }

  return {
    async submitClaims({
      actor,
      code,
      claims,
    }: {
      actor: Actor;
      code: string;
      claims: (ClaimInput & { path: string })[];
    }): Promise<ClaimView[]> {
      need(actor, 'claims:write');
      for (const dealerCode of new Set(claims.map((c) => c.dealerCode)))
        await visibility.requireVisible(actor, code, dealerCode);
      const ctx = await context();
      const ids: number[] = [];
      await deps.db.transaction(async (tx) => {
        const p = await loadProgram(code, tx);
        const def = latest(p).definition;
        if (p.row.status !== 'published')
          throw new AppError('CONFLICT', `Program ${code} is not published`);
        if (!def.requiresClaim)
          throw new AppError('CONFLICT', `Program ${code} does not take claims`);
        const problems: Problem[] = [];
        const dealers = new Map<string, DealerRow>();
        for (const c of claims) {
          const [d] = await repoOf(tx).findDealers(actor.scope, c.dealerCode);
          if (!d) throw notFound('Dealer', c.dealerCode);
          dealers.set(c.dealerCode, d);
          // the whole feed, past row-level security (migration 0017): yes or no only
          if (!(await claimsOf(tx).feedHasVin(c.vin)))
            problems.push({
              path: `${c.path}.vin`,
              code: 'unknown_vin',
              message: `VIN ${c.vin} is not in the feed`,
            });
          if (!ctx.skuByCode.has(c.sku))
            problems.push({
              path: `${c.path}.sku`,
              code: 'unknown_code',
              message: `SKU ${c.sku} is not in the catalog`,
            });
          if (c.deliveredOn < def.startDate || c.deliveredOn > def.endDate)
            problems.push({
              path: `${c.path}.deliveredOn`,
              code: 'outside_program',
              message: `must be inside the program (${def.startDate} to ${def.endDate})`,
            });
        }
        if (problems.length > 0) throw invalid(problems);
        for (const c of claims) {
          const d = dealers.get(c.dealerCode)!;
          const { checks, transactionId } = await validateClaim(tx, p, d, c, ctx);
          const status = checks.every((x) => x.ok) ? 'validated' : 'invalid';
          ids.push(
            await claimsOf(tx).insertClaim({
              programId: p.row.id,
              dealerId: d.id,
              vin: c.vin,
              sku: c.sku,
              deliveredOn: c.deliveredOn,
              evidenceName: c.evidenceName ?? null,
              transactionId,
              status,
              checks,
              submittedBy: actorLabel(actor),
            }),
          );
        }
      });
      return claimsOf().findClaimsByIds(ids);
    },

    parseClaimsCsv(dealerCode: string, csv: string): (ClaimInput & { path: string })[] {
      let records: Record<string, string>[];
      try {
        records = parseCsv(csv, {
          columns: true,
          skip_empty_lines: true,
          trim: true,
        }) as Record<string, string>[];
      } catch (error) {
        // malformed CSV (an unclosed quote, a ragged row): a 400 at the line, never a 500
        const line = (error as { lines?: number }).lines;
        throw invalid([
          {
            path: line ? `body.csv.${line}` : 'body.csv',
            ...(line ? { row: line } : {}),
            code: 'malformed_csv',
            message: (error as Error).message,
          },
        ]);
      }
      const problems: Problem[] = [];
      const out = records.map((r, i) => {
        const vin = r.vin ?? r.VIN ?? '';
        const sku = r.sku ?? r.SKU ?? '';
        const deliveredOn = r.deliveryDate ?? r.deliveredOn ?? r.delivery_date ?? '';
        const row = i + 2;
        const problem = (field: string, code: string, message: string) =>
          problems.push({ path: `body.csv.${row}.${field}`, row, code, message });
        if (!vin) problem('vin', 'required', 'is required');
        if (!sku) problem('sku', 'required', 'is required');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(deliveredOn))
          problem('deliveryDate', 'invalid_date', 'expected YYYY-MM-DD');
        return {
          dealerCode,
          vin,
          sku,
          deliveredOn,
          evidenceName: r.evidence || undefined,
          path: `body.csv.${i + 2}`,
        };
      });
      if (problems.length > 0) throw invalid(problems);
      return out;
    },

    async findClaims({ actor, code }: { actor: Actor; code: string }): Promise<ClaimView[]> {
      need(actor, 'programs:read');
      await visibility.requireVisible(actor, code);
      return claimsOf().findProgramClaims(code, actor.scope);
    },

    async decideClaim({
      actor,
      id,
      decision,
      reason,
    }: {
      actor: Actor;
      id: number;
      decision: 'approve' | 'reject';
      reason: string;
    }): Promise<ClaimView> {
      need(actor, 'claims:review');
      requireOem(actor);
      await deps.db.transaction(async (tx) => {
        const c = await claimsOf(tx).lockClaim(id);
        if (!c) throw notFound('Claim', String(id));
        if (decision === 'approve' && c.status !== 'validated') {
          throw new AppError(
            'CONFLICT',
            `Only a validated claim can be approved; claim ${id} is ${c.status}`,
          );
        }
        if (decision === 'reject' && !['validated', 'invalid'].includes(c.status)) {
          throw new AppError('CONFLICT', `Claim ${id} is already ${c.status}`);
        }
        await claimsOf(tx).decideClaim(
          id,
          decision === 'approve' ? 'approved' : 'rejected',
          reason,
          actorLabel(actor),
        );
        if (decision === 'approve') await payClaimOfSettledWindow(tx, c, actor);
      });
      return (await claimsOf().findClaim(id))!;
    },
  };
}

export type ClaimsService = ReturnType<typeof createClaimsService>;

/**
 * The dealer's sale a claim is for, among its sales of the VIN (oldest first): one that stands
 * (not unwound), the one delivered on the day claimed if there is one, else the latest; a sale
 * unwound (the car taken back, maybe sold again) only when none stands. Before, the first sale
 * was taken, so a claim of a vehicle resold after an unwind pointed at the unwound sale.
 */
function claimedSale<S extends { occurredOn: string; unwound: boolean }>(
  sales: S[],
  deliveredOn: string,
): S | undefined {
  const standing = sales.filter((s) => !s.unwound);
  const pool = standing.length > 0 ? standing : sales;
  return pool.find((s) => s.occurredOn === deliveredOn) ?? pool.at(-1);
}
