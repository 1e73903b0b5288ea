/**
 * Payments and the ERP's files: dealers' bank details (validated, masked for everyone but OEM
 * finance, changed only by OEM finance with a ledger entry and an audit entry), payout batches
 * as ISO 20022 pain.001.001.09, and the GL journals (monthly accrual per program with the prior
 * month reversed; the clearing journal of a paid batch) with the configurable account mapping.
 * Payout batches, statements and accruals are read through this module's own SQL and the
 * incentive services' exported functions.
 */
import { AppError, notFound } from '../../../shared/errors';
import { Dec } from '../../../shared/money';
import { hasPermission } from '../../../shared/permissions';
import type {
  BankAccountInputBody,
  BankAccountView,
  GlAccounts,
  Journal,
} from '../../../shared/schemas/payments';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { recordAudit } from '../audit/audit.repository';
import type { IncentiveListsService } from '../incentives/incentives.lists';
import type { IncentivesService } from '../incentives/incentives.service';
import type { LedgerService } from '../ledger/ledger.service';
import { bankAccountProblems, mask, normaliseIban } from './bank-details';
import {
  buildAccrualJournal,
  buildPayoutJournal,
  costCentreOf,
  lastDayOf,
  previousMonth,
} from './journal';
import { buildPain001, paymentTotal, type DealerPayment } from './pain001';
import { createPaymentsRepository, pathCodes, type BankAccountRow } from './payments.repository';

function actorLabel(actor: Actor): string {
  return `${actor.kind === 'user' ? 'user' : 'key'}:${actor.id}:${actor.name}`;
}

/** OEM finance: the permission to manage payouts, over the whole network. */
function isOemFinance(actor: Actor): boolean {
  return actor.scope.kind === 'network' && hasPermission(actor.role, 'payouts:manage');
}

function requireOemFinance(actor: Actor, what: string) {
  requirePermission(actor, 'payouts:manage');
  if (actor.scope.kind !== 'network') {
    throw new AppError('FORBIDDEN', `Only OEM finance (network scope) may ${what}`);
  }
}

export function createPaymentsService(deps: {
  db: Db;
  ledger: LedgerService;
  incentives: IncentivesService;
  incentiveLists: IncentiveListsService;
  today: () => string;
}) {
  const repo = createPaymentsRepository(deps.db);

  function view(
    dealer: { code: string; name: string },
    row: BankAccountRow,
    isMasked: boolean,
  ): BankAccountView {
    const hide = (v: string | null) => (isMasked ? mask(v) : v);
    return {
      dealerCode: dealer.code,
      dealerName: dealer.name,
      scheme: row.scheme,
      accountHolder: row.accountHolder,
      iban: hide(row.iban),
      bic: row.bic,
      routingNumber: row.routingNumber,
      accountNumber: hide(row.accountNumber),
      currency: row.currency,
      isMasked,
      updatedBy: row.updatedBy,
      updatedAt: row.updatedAt,
    };
  }

  async function dealerInScope(actor: Actor, code: string) {
    const dealer = await repo.findDealer(actor.scope, code);
    if (!dealer) throw notFound('Dealer', code);
    return dealer;
  }

  /** Liability per region at the end of `month`: amounts due not paid by then. */
  async function liabilityAt(
    code: string,
    month: string,
    periods: { period: string; start: string }[],
    statementsOf: (period: string) => Promise<{ dealerCode: string; amountDue: string }[]>,
    regions: Map<string, string[]>,
    gl: GlAccounts,
  ) {
    const end = lastDayOf(month);
    const paid = await repo.findPaidStatements(code, end);
    const byRegion = new Map<string, { region: string; costCentre: string; amount: Dec }>();
    for (const p of periods.filter((x) => x.start <= end)) {
      for (const s of await statementsOf(p.period)) {
        if (paid.has(`${s.dealerCode}|${p.period}`)) continue;
        const path = regions.get(s.dealerCode) ?? [];
        const region = path[path.length - 1] ?? '';
        const entry = byRegion.get(region) ?? {
          region,
          costCentre: costCentreOf(gl, path),
          amount: new Dec(0),
        };
        entry.amount = entry.amount.plus(s.amountDue);
        byRegion.set(region, entry);
      }
    }
    return [...byRegion.values()].sort((a, b) => (a.region < b.region ? -1 : 1));
  }

  return {
    /** A dealer's bank account; masked unless the reader is OEM finance. */
    async getBankAccount({
      actor,
      dealerCode,
    }: {
      actor: Actor;
      dealerCode: string;
    }): Promise<BankAccountView> {
      requirePermission(actor, 'statements:read');
      const dealer = await dealerInScope(actor, dealerCode);
      const row = await repo.findBankAccount(deps.db, dealer.id);
      if (!row) throw notFound('Bank account of dealer', dealerCode);
      return view(dealer, row, !isOemFinance(actor));
    },

    /** Sets a dealer's bank account (OEM finance only): one ledger entry and one audit entry. */
    async updateBankAccount({
      actor,
      dealerCode,
      data,
    }: {
      actor: Actor;
      dealerCode: string;
      data: BankAccountInputBody;
    }): Promise<BankAccountView> {
      requireOemFinance(actor, 'change bank details');
      const dealer = await dealerInScope(actor, dealerCode);
      const input =
        data.scheme === 'iban'
          ? { ...data, iban: normaliseIban(data.iban), bic: data.bic.toUpperCase() }
          : data;
      const problems = bankAccountProblems(input);
      if (problems.length > 0) {
        throw new AppError('VALIDATION_FAILED', 'The bank details are not valid', { problems });
      }
      const row = await deps.db.transaction(async (tx) => {
        const before = await repo.findBankAccount(tx, dealer.id);
        const saved = await repo.upsertBankAccount(tx, {
          dealerId: dealer.id,
          accountHolder: input.accountHolder,
          scheme: input.scheme,
          iban: input.scheme === 'iban' ? input.iban : null,
          bic: input.scheme === 'iban' ? input.bic : null,
          routingNumber: input.scheme === 'us_aba' ? input.routingNumber : null,
          accountNumber: input.scheme === 'us_aba' ? input.accountNumber : null,
          currency: input.currency,
          updatedBy: actorLabel(actor),
        });
        await deps.ledger.append(tx, {
          entityType: 'dealer_bank_account',
          entityId: dealer.code,
          action: before ? 'changed' : 'created',
          payload: {
            dealerCode: dealer.code,
            scheme: saved.scheme,
            accountHolder: saved.accountHolder,
            iban: saved.iban,
            bic: saved.bic,
            routingNumber: saved.routingNumber,
            accountNumber: saved.accountNumber,
            currency: saved.currency,
          },
          actor: actorLabel(actor),
        });
        await recordAudit(tx, {
          kind: 'bank_account.changed',
          actor,
          details: {
            dealerCode: dealer.code,
            scheme: saved.scheme,
            account: mask(saved.iban ?? saved.accountNumber),
            previousAccount: before ? mask(before.iban ?? before.accountNumber) : null,
          },
        });
        return saved;
      });
      return view(dealer, row, false);
    },

    async getGlAccounts({ actor }: { actor: Actor }): Promise<GlAccounts> {
      requirePermission(actor, 'payouts:manage');
      if (actor.scope.kind === 'dealers') throw new AppError('FORBIDDEN', 'OEM only');
      return repo.getGlAccounts();
    },

    async updateGlAccounts({ actor, data }: { actor: Actor; data: GlAccounts }) {
      requireOemFinance(actor, 'change the GL account mapping');
      await deps.db.transaction((tx) => repo.setGlAccounts(tx, data));
      return repo.getGlAccounts();
    },

    /**
     * The payout batch as pain.001.001.09. Every dealer paid needs bank details (else 409 with
     * the list); a dealer whose statements net to zero or less is left out (`excluded`).
     */
    async getPain001({ actor, code, currency }: { actor: Actor; code: string; currency?: string }) {
      requireOemFinance(actor, 'export payment files');
      const batch = await repo.findPayoutBatch(code);
      if (!batch) throw notFound('Payout batch', code);
      const all = await repo.findPayoutItems(batch.id);
      // one currency per file: the group header's control sum never adds currencies together
      const currencies = [...new Set(all.map((i) => i.currency))].sort();
      if (currency && !currencies.includes(currency)) {
        throw new AppError('NOT_FOUND', `Batch ${code} has no payments in ${currency}`, {
          currencies,
        });
      }
      if (!currency && currencies.length > 1) {
        throw new AppError(
          'CONFLICT',
          `Batch ${code} pays in ${currencies.join(' and ')}: a pain.001 file carries one currency; draw one file per currency with ?currency=${currencies[0]}`,
          {
            currencies: currencies.map((c) => {
              const of = all.filter((i) => i.currency === c);
              return {
                currency: c,
                dealers: new Set(of.map((i) => i.dealerId)).size,
                amount: of.reduce((sum, i) => sum.plus(i.amount), new Dec(0)).toFixed(),
              };
            }),
          },
        );
      }
      const items = currency ? all.filter((i) => i.currency === currency) : all;
      const dealerIds = [...new Set(items.map((i) => i.dealerId))];
      const accounts = await repo.findBankAccounts(dealerIds);
      const missing = items
        .filter(
          (i, n) =>
            !accounts.has(i.dealerId) && items.findIndex((x) => x.dealerId === i.dealerId) === n,
        )
        .map((i) => ({ dealerCode: i.dealerCode, dealerName: i.dealerName }));
      if (missing.length > 0) {
        throw new AppError(
          'CONFLICT',
          `${missing.length} dealer${missing.length === 1 ? ' has' : 's have'} no bank details: ${missing.map((m) => m.dealerCode).join(', ')}`,
          { dealers: missing },
        );
      }
      // a transfer in one currency to an account held in another is converted by some bank on
      // the way, at a rate nobody agreed: refused, naming both currencies
      const mismatched = items
        .filter(
          (i, n) =>
            accounts.get(i.dealerId)!.currency !== i.currency &&
            items.findIndex((x) => x.dealerId === i.dealerId) === n,
        )
        .map((i) => ({
          dealerCode: i.dealerCode,
          dealerName: i.dealerName,
          accountCurrency: accounts.get(i.dealerId)!.currency,
          payoutCurrency: i.currency,
        }));
      if (mismatched.length > 0) {
        throw new AppError(
          'CONFLICT',
          `${mismatched.length} dealer${mismatched.length === 1 ? "'s bank account is" : "s' bank accounts are"} in another currency than the payout: ${mismatched.map((m) => `${m.dealerCode} (account ${m.accountCurrency}, payout ${m.payoutCurrency})`).join(', ')}`,
          { dealers: mismatched },
        );
      }
      const gl = await repo.getGlAccounts();
      if (!gl.debtorIban && !gl.debtorUsAccount) {
        throw new AppError(
          'CONFLICT',
          "The OEM's own account (debtorIban or debtorUsAccount) is not set in the GL settings",
          { setting: 'debtorIban' },
        );
      }
      const vins = await repo.findVinLines(items.map((i) => i.statementId));
      const payments = new Map<string, DealerPayment>();
      for (const item of items) {
        const account = accounts.get(item.dealerId)!;
        const key = `${item.dealerCode}|${item.currency}`;
        const payment = payments.get(key) ?? {
          dealerCode: item.dealerCode,
          accountHolder: account.accountHolder,
          currency: item.currency,
          account:
            account.scheme === 'iban'
              ? { scheme: 'iban' as const, iban: account.iban!, bic: account.bic! }
              : {
                  scheme: 'us_aba' as const,
                  routingNumber: account.routingNumber!,
                  accountNumber: account.accountNumber!,
                },
          statements: [],
        };
        payment.statements.push({
          reference: item.reference,
          programCode: item.programCode,
          programName: item.programName,
          period: item.period,
          amount: item.amount,
          vins: vins
            .filter((v) => v.statementId === item.statementId)
            .map((v) => ({ vin: v.vin, amount: v.amount })),
        });
        payments.set(key, payment);
      }
      const paid = [...payments.values()].filter((p) => paymentTotal(p).greaterThan(0));
      const excluded = [...payments.values()]
        .filter((p) => !paymentTotal(p).greaterThan(0))
        .map((p) => p.dealerCode);
      if (paid.length === 0) {
        throw new AppError(
          'CONFLICT',
          `Batch ${code} has no dealer to pay (every total is zero or less)`,
        );
      }
      const xml = buildPain001({
        messageId: batch.code,
        createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        executionDate: deps.today(),
        debtor: {
          name: gl.debtorName,
          iban: gl.debtorIban,
          bic: gl.debtorBic,
          usAccount: gl.debtorUsAccount,
          usRouting: gl.debtorUsRouting,
        },
        payments: paid,
      });
      // fetching a file for the bank is an export of the batch, as its CSV is
      await deps.incentives.recordBatchExport({ actor, code });
      return { xml, excluded };
    },

    /** The journal clearing the accrual of a paid batch. */
    async getPayoutJournal({ actor, code }: { actor: Actor; code: string }): Promise<Journal> {
      requireOemFinance(actor, 'export journals');
      const batch = await repo.findPayoutBatch(code);
      if (!batch) throw notFound('Payout batch', code);
      if (batch.status !== 'paid' || !batch.paidOn) {
        throw new AppError(
          'CONFLICT',
          `Batch ${code} is not paid yet: its clearing journal is drawn once it is`,
        );
      }
      const gl = await repo.getGlAccounts();
      const items = await repo.findPayoutItems(batch.id);
      return buildPayoutJournal({
        gl,
        batchCode: batch.code,
        paidOn: batch.paidOn,
        items: items.map((i) => {
          const path = pathCodes(i.regionPath);
          return {
            programCode: i.programCode,
            period: i.period,
            region: path[path.length - 1] ?? '',
            costCentre: costCentreOf(gl, path),
            amount: new Dec(i.amount),
            currency: i.currency,
          };
        }),
      });
    },

    /** The accrual journal of a program for a month (prior month's accrual reversed). */
    async getAccrualJournal({
      actor,
      code,
      month,
    }: {
      actor: Actor;
      code: string;
      month: string;
    }): Promise<Journal> {
      requireOemFinance(actor, 'export journals');
      const periods = await deps.incentiveLists.findSettlementPeriods({ actor, code });
      const gl = await repo.getGlAccounts();
      const regions = await repo.findDealerRegions();
      const cache = new Map<string, Promise<{ dealerCode: string; amountDue: string }[]>>();
      const statementsOf = (period: string) => {
        let found = cache.get(period);
        if (!found) {
          found = deps.incentives
            .findStatements({ actor, code, period })
            .then((list) => list.items);
          cache.set(period, found);
        }
        return found;
      };
      const list = periods.items.map((p) => ({ period: p.period, start: p.start }));
      const prior = await liabilityAt(code, previousMonth(month), list, statementsOf, regions, gl);
      const current = await liabilityAt(code, month, list, statementsOf, regions, gl);
      return buildAccrualJournal({
        gl,
        programCode: code,
        month,
        currency: periods.currency,
        prior,
        current,
      });
    },
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
