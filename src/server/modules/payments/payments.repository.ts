import type { Queryable } from '../../db/db';
import { scopeSql, type Scope } from '../../auth/actor';
import type { GlAccounts } from '../../../shared/schemas/payments';

export type DealerRef = { id: number; code: string; name: string; regionPath: string[] };

export type BankAccountRow = {
  dealerId: number;
  accountHolder: string;
  scheme: 'iban' | 'us_aba';
  iban: string | null;
  bic: string | null;
  routingNumber: string | null;
  accountNumber: string | null;
  currency: string;
  updatedBy: string;
  updatedAt: string;
};

export type PayoutItemRow = {
  statementId: string;
  dealerId: number;
  dealerCode: string;
  dealerName: string;
  regionPath: string;
  programCode: string;
  programName: string;
  period: string;
  amount: string;
  currency: string;
  reference: string;
};

const BANK_COLUMNS = `b.dealer_id as "dealerId", b.account_holder as "accountHolder", b.scheme, b.iban, b.bic,
  b.routing_number as "routingNumber", b.account_number as "accountNumber", trim(b.currency) as currency,
  b.updated_by as "updatedBy", to_json(b.updated_at)#>>'{}' as "updatedAt"`;

function pathCodes(path: string): string[] {
  return path.split('/').filter(Boolean);
}

/** All SQL of bank details, pain.001 and the GL journals (read beside the incentive tables). */
export function createPaymentsRepository(db: Queryable) {
  return {
    async findDealer(scope: Scope, code: string): Promise<DealerRef | null> {
      const params: unknown[] = [code];
      const { rows } = await db.query<{ id: number; code: string; name: string; path: string }>(
        `select d.id, d.code, d.name, r.path from dealers d join regions r on r.id = d.region_id
         where d.code = $1 and ${scopeSql(scope, 'd', params)}`,
        params,
      );
      const r = rows[0];
      return r ? { id: r.id, code: r.code, name: r.name, regionPath: pathCodes(r.path) } : null;
    },

    async findBankAccount(q: Queryable, dealerId: number): Promise<BankAccountRow | null> {
      const { rows } = await q.query<BankAccountRow>(
        `select ${BANK_COLUMNS} from dealer_bank_accounts b where b.dealer_id = $1`,
        [dealerId],
      );
      return rows[0] ?? null;
    },

    async upsertBankAccount(
      q: Queryable,
      row: Omit<BankAccountRow, 'updatedAt'>,
    ): Promise<BankAccountRow> {
      const { rows } = await q.query<BankAccountRow>(
        `insert into dealer_bank_accounts as b (dealer_id, account_holder, scheme, iban, bic, routing_number, account_number, currency, updated_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (dealer_id) do update set account_holder = excluded.account_holder, scheme = excluded.scheme,
           iban = excluded.iban, bic = excluded.bic, routing_number = excluded.routing_number,
           account_number = excluded.account_number, currency = excluded.currency,
           updated_by = excluded.updated_by, updated_at = now()
         returning ${BANK_COLUMNS}`,
        [
          row.dealerId,
          row.accountHolder,
          row.scheme,
          row.iban,
          row.bic,
          row.routingNumber,
          row.accountNumber,
          row.currency,
          row.updatedBy,
        ],
      );
      return rows[0]!;
    },

    async getGlAccounts(q: Queryable = db): Promise<GlAccounts> {
      const { rows } = await q.query<{ gl: GlAccounts }>(
        'select gl_accounts as gl from settings limit 1',
      );
      return rows[0]!.gl;
    },

    async setGlAccounts(q: Queryable, gl: GlAccounts): Promise<void> {
      await q.query('update settings set gl_accounts = $1::jsonb, updated_at = now()', [
        JSON.stringify(gl),
      ]);
    },

    async findPayoutBatch(code: string): Promise<{
      id: string;
      code: string;
      status: 'exported' | 'paid';
      paidOn: string | null;
    } | null> {
      const { rows } = await db.query<{
        id: string;
        code: string;
        status: 'exported' | 'paid';
        paidOn: string | null;
      }>(
        `select id::text, code, status, to_char(paid_at at time zone 'UTC', 'YYYY-MM-DD') as "paidOn"
         from payout_batches where code = $1`,
        [code],
      );
      return rows[0] ?? null;
    },

    async findPayoutItems(batchId: string): Promise<PayoutItemRow[]> {
      const { rows } = await db.query<PayoutItemRow>(
        `select i.statement_id::text as "statementId", i.dealer_id as "dealerId", d.code as "dealerCode",
                d.name as "dealerName", r.path as "regionPath", p.code as "programCode",
                coalesce((select v.definition->>'name' from program_versions v where v.program_id = p.id
                          order by v.version_no desc limit 1), p.code) as "programName",
                s.period, i.amount::text as amount, trim(i.currency) as currency, i.reference
         from payout_items i
         join dealers d on d.id = i.dealer_id
         join regions r on r.id = d.region_id
         join incentive_statements s on s.id = i.statement_id
         join programs p on p.id = s.program_id
         where i.batch_id = $1
         order by d.code, p.code, s.period`,
        [batchId],
      );
      return rows;
    },

    /** The paid amount per VIN of each statement (its frozen lines with a feed row). */
    async findVinLines(
      statementIds: string[],
    ): Promise<{ statementId: string; vin: string; amount: string }[]> {
      if (statementIds.length === 0) return [];
      const { rows } = await db.query<{ statementId: string; vin: string; amount: string }>(
        `select l.statement_id::text as "statementId", t.vin, sum(l.amount)::text as amount
         from incentive_statement_lines l join transactions t on t.id = l.transaction_id and t.dealer_id = l.dealer_id
         where l.statement_id = any($1::bigint[]) and t.vin is not null
         group by l.statement_id, t.vin
         order by l.statement_id, t.vin`,
        [statementIds],
      );
      return rows;
    },

    async findBankAccounts(dealerIds: number[]): Promise<Map<number, BankAccountRow>> {
      const { rows } = await db.query<BankAccountRow>(
        `select ${BANK_COLUMNS} from dealer_bank_accounts b where b.dealer_id = any($1::int[])`,
        [dealerIds],
      );
      return new Map(rows.map((r) => [r.dealerId, r]));
    },

    /** Each dealer's code and region path (the journals' cost centres). */
    async findDealerRegions(): Promise<Map<string, string[]>> {
      const { rows } = await db.query<{ code: string; path: string }>(
        'select d.code, r.path from dealers d join regions r on r.id = d.region_id',
      );
      return new Map(rows.map((r) => [r.code, pathCodes(r.path)]));
    },

    /** Statements of a program paid (their batch marked paid) on or before `onOrBefore`. */
    async findPaidStatements(programCode: string, onOrBefore: string): Promise<Set<string>> {
      const { rows } = await db.query<{ key: string }>(
        `select d.code || '|' || s.period as key
         from payout_items i join payout_batches b on b.id = i.batch_id
         join incentive_statements s on s.id = i.statement_id
         join programs p on p.id = s.program_id join dealers d on d.id = s.dealer_id
         where p.code = $1 and b.status = 'paid' and (b.paid_at at time zone 'UTC')::date <= $2::date`,
        [programCode, onOrBefore],
      );
      return new Set(rows.map((r) => r.key));
    },
  };
}

export { pathCodes };
