/**
 * The SQL of claims (issue 19): a claim as the API shows it, the feed's sales of a VIN, earlier
 * claims of a VIN, storing a claim and its decision. The checks themselves: claims.service.ts.
 */
import type { ClaimView } from '../../../shared/schemas/incentives';
import { scopeSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';

type ClaimDbRow = Omit<ClaimView, 'checks'> & { checks: ClaimView['checks'] };

const CLAIM_SELECT = `select c.id::int as id, p.code as "programCode", d.code as "dealerCode", d.name as "dealerName", c.vin, c.sku_code as sku,
      to_char(c.delivered_on, 'YYYY-MM-DD') as "deliveredOn", c.evidence_name as "evidenceName", c.transaction_id::text as "transactionId",
      c.status, c.checks, c.decision_reason as "decisionReason", c.submitted_by as "submittedBy", c.decided_by as "decidedBy",
      to_json(c.created_at)#>>'{}' as "createdAt"
    from incentive_claims c join programs p on p.id = c.program_id join dealers d on d.id = c.dealer_id`;

export function createClaimsRepository(db: Queryable) {
  async function findClaimRows(where: string, params: unknown[]) {
    const { rows } = await db.query<ClaimDbRow>(
      `${CLAIM_SELECT} where ${where} order by c.id`,
      params,
    );
    return rows;
  }

  return {
    findClaimsByIds: (ids: number[]) => findClaimRows('c.id = any($1::bigint[])', [ids]),

    async findClaim(id: number): Promise<ClaimDbRow | undefined> {
      return (await findClaimRows('c.id = $1', [id]))[0];
    },

    /**
     * The claim, its row locked to the end of the transaction: two decisions of one claim at once
     * run one after the other, and the second sees the first's status.
     */
    async lockClaim(id: number): Promise<ClaimDbRow | undefined> {
      await db.query('select 1 from incentive_claims where id = $1 for update', [id]);
      return (await findClaimRows('c.id = $1', [id]))[0];
    },

    /** The claims of a program the scope may see. */
    findProgramClaims(code: string, scope: Scope) {
      const params: unknown[] = [code];
      return findClaimRows(`p.code = $1 and ${scopeSql(scope, 'd', params)}`, params);
    },

    /** The date of a feed row (a claim's sale). */
    async findSaleDate(transactionId: string): Promise<string | undefined> {
      const { rows } = await db.query<{ occurredOn: string }>(
        `select to_char(occurred_on, 'YYYY-MM-DD') as "occurredOn" from transactions where id = $1::bigint`,
        [transactionId],
      );
      return rows[0]?.occurredOn;
    },

    /**
     * The feed's sales of a VIN (positive quantities), oldest first; `unwound` when the dealer's
     * feed has an unwind naming the sale (its external id, same dealer and source).
     */
    async findSalesOfVin(vin: string) {
      const { rows } = await db.query<{
        id: string;
        dealerId: number;
        skuId: number;
        kind: string;
        occurredOn: string;
        unwound: boolean;
      }>(
        `select t.id::text, t.dealer_id as "dealerId", t.sku_id as "skuId", t.kind,
           to_char(t.occurred_on, 'YYYY-MM-DD') as "occurredOn",
           exists (select 1 from transactions u where u.dealer_id = t.dealer_id and u.source = t.source
             and u.original_external_id = t.external_id and (u.kind = 'unwind' or u.quantity < 0)) as unwound
         from transactions t where t.vin = $1 and t.quantity > 0 order by t.occurred_on, t.id`,
        [vin],
      );
      return rows;
    },

    /** Whether the VIN already has a validated or approved claim in the program. */
    /**
     * Whether any dealer's claim holds the VIN in the program: past row-level security, since the
     * unique index holds it per dealer only (migration 0032, `forecourt_vin_claimed`).
     */
    async isVinClaimed(programId: number, vin: string): Promise<boolean> {
      const { rows } = await db.query<{ claimed: boolean }>(
        'select forecourt_vin_claimed($1, $2) as claimed',
        [programId, vin],
      );
      return rows[0]!.claimed;
    },

    /** Whether the VIN is anywhere in the feed, past row-level security (migration 0017). */
    async feedHasVin(vin: string): Promise<boolean> {
      const { rows } = await db.query<{ known: boolean }>(
        'select forecourt_feed_has_vin($1) as known',
        [vin],
      );
      return rows[0]!.known;
    },

    async insertClaim(input: {
      programId: number;
      dealerId: number;
      vin: string;
      sku: string;
      deliveredOn: string;
      evidenceName: string | null;
      transactionId: string | null;
      status: string;
      checks: ClaimView['checks'];
      submittedBy: string;
    }): Promise<number> {
      const { rows } = await db.query<{ id: number }>(
        `insert into incentive_claims (program_id, dealer_id, vin, sku_code, delivered_on, evidence_name, transaction_id, status, checks, submitted_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id::int as id`,
        [
          input.programId,
          input.dealerId,
          input.vin,
          input.sku,
          input.deliveredOn,
          input.evidenceName,
          input.transactionId,
          input.status,
          JSON.stringify(input.checks),
          input.submittedBy,
        ],
      );
      return rows[0]!.id;
    },

    async decideClaim(id: number, status: 'approved' | 'rejected', reason: string, by: string) {
      await db.query(
        `update incentive_claims set status = $2, decision_reason = $3, decided_by = $4, decided_at = now() where id = $1`,
        [id, status, reason, by],
      );
    },
  };
}
