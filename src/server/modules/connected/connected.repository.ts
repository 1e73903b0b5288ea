/** All SQL of the connected-vehicles module (issue 17). */
import { scopeDealerIdSql, type Scope } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import type { ConsentEntry, ConsentPurpose } from '../../../shared/schemas/connected';

const ENTRY_SELECT = `select c.id::int as id, c.vin, c.owner_ref as "ownerRef", d.code as "dealerCode", c.purpose, c.action,
  to_char(c.granted_on, 'YYYY-MM-DD') as "grantedOn", to_char(c.expires_on, 'YYYY-MM-DD') as "expiresOn",
  to_char(c.contract_ends_on, 'YYYY-MM-DD') as "contractEndsOn", c.source,
  to_char(c.recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "recordedAt", c.recorded_by as "recordedBy",
  (select e.seq::int from ledger_entries e where e.entity_type = 'connected_consent' and e.entity_id = c.id::text limit 1) as "ledgerSeq"
  from connected_consents c join dealers d on d.id = c.dealer_id`;

/** The latest entry per (VIN, owner, purpose) that is a grant valid on `day`. */
const VALID_CONSENTS = `select * from (
    select distinct on (c.vin, c.owner_ref, c.purpose) c.*
    from connected_consents c where %WHERE%
    order by c.vin, c.owner_ref, c.purpose, c.id desc) last
  where last.action = 'grant' and last.granted_on <= $DAY::date and last.expires_on >= $DAY::date`;

export type ValidConsent = {
  id: number;
  vin: string;
  ownerRef: string;
  dealerId: number;
  purpose: ConsentPurpose;
  grantedOn: string;
  expiresOn: string;
  contractEndsOn: string | null;
  source: string;
};

const VALID_COLUMNS = `last.id::int as id, last.vin, last.owner_ref as "ownerRef", last.dealer_id as "dealerId",
  last.purpose, to_char(last.granted_on, 'YYYY-MM-DD') as "grantedOn",
  to_char(last.expires_on, 'YYYY-MM-DD') as "expiresOn",
  to_char(last.contract_ends_on, 'YYYY-MM-DD') as "contractEndsOn", last.source`;

export function createConnectedRepository(db: Queryable) {
  return {
    /** The dealer that sold the VIN: its latest retail delivery in the feed (any dealer: the system asks). */
    async sellingDealer(vin: string): Promise<{ id: number; code: string } | null> {
      const { rows } = await db.query<{ id: number; code: string }>(
        `select d.id, d.code from transactions t join dealers d on d.id = t.dealer_id
         where t.vin = $1 and t.kind = 'retail_delivery' order by t.occurred_on desc, t.id desc limit 1`,
        [vin],
      );
      return rows[0] ?? null;
    },

    async insertEntry(e: {
      vin: string;
      ownerRef: string;
      dealerId: number;
      purpose: string;
      action: 'grant' | 'revoke';
      grantedOn: string | null;
      expiresOn: string | null;
      contractEndsOn: string | null;
      source: string;
      recordedBy: string;
    }): Promise<number> {
      const { rows } = await db.query<{ id: number }>(
        `insert into connected_consents (vin, owner_ref, dealer_id, purpose, action, granted_on, expires_on,
           contract_ends_on, source, recorded_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id::int as id`,
        [
          e.vin,
          e.ownerRef,
          e.dealerId,
          e.purpose,
          e.action,
          e.grantedOn,
          e.expiresOn,
          e.contractEndsOn,
          e.source,
          e.recordedBy,
        ],
      );
      return rows[0]!.id;
    },

    async getEntry(id: number): Promise<ConsentEntry | undefined> {
      const { rows } = await db.query<ConsentEntry>(`${ENTRY_SELECT} where c.id = $1`, [id]);
      return rows[0];
    },

    /** The latest entry of (VIN, owner, purpose) in scope. */
    async latestEntry(scope: Scope, vin: string, ownerRef: string, purpose: string) {
      const params: unknown[] = [vin, ownerRef, purpose];
      const { rows } = await db.query<{ id: number; action: string; dealerId: number }>(
        `select c.id::int as id, c.action, c.dealer_id as "dealerId" from connected_consents c
         where c.vin = $1 and c.owner_ref = $2 and c.purpose = $3 and ${scopeDealerIdSql(scope, 'c.dealer_id', params)}
         order by c.id desc limit 1`,
        params,
      );
      return rows[0];
    },

    async findEntries(scope: Scope, filter: { dealerId?: number; vin?: string; limit: number }) {
      const params: unknown[] = [];
      const where = [scopeDealerIdSql(scope, 'c.dealer_id', params)];
      if (filter.dealerId) where.push(`c.dealer_id = $${params.push(filter.dealerId)}`);
      if (filter.vin) where.push(`c.vin = $${params.push(filter.vin)}`);
      const { rows } = await db.query<ConsentEntry>(
        `${ENTRY_SELECT} where ${where.join(' and ')} order by c.id desc limit ${filter.limit}`,
        params,
      );
      return rows;
    },

    /** Consents valid on `day` for these VINs (the feed's check), in scope. */
    async validConsentsForVins(scope: Scope, vins: string[], day: string): Promise<ValidConsent[]> {
      const params: unknown[] = [day, vins];
      const where = `c.vin = any($2::text[]) and ${scopeDealerIdSql(scope, 'c.dealer_id', params)}`;
      const { rows } = await db.query<ValidConsent>(
        `select ${VALID_COLUMNS} from (${VALID_CONSENTS.replace('%WHERE%', where).replace(/\$DAY/g, '$1')}) last`,
        params,
      );
      return rows;
    },

    /** Consents valid on `day` of the dealers in scope (optionally one dealer). */
    async validConsents(scope: Scope, day: string, dealerId?: number): Promise<ValidConsent[]> {
      const params: unknown[] = [day, dealerId ?? null];
      const where = `($2::integer is null or c.dealer_id = $2) and ${scopeDealerIdSql(scope, 'c.dealer_id', params)}`;
      const { rows } = await db.query<ValidConsent>(
        `select ${VALID_COLUMNS} from (${VALID_CONSENTS.replace('%WHERE%', where).replace(/\$DAY/g, '$1')}) last`,
        params,
      );
      return rows;
    },

    /** The batch's readings (COPY lines: row, vin, purpose, signal, value, observed at, day). */
    async stageReadings(lines: string[]) {
      await db.exec(`create temp table telematics_staging (
        row integer, vin text, purpose text, signal text, value numeric(14, 3), observed_at timestamptz, day date
      ) on commit drop`);
      await db.copyFrom(
        'copy telematics_staging (row, vin, purpose, signal, value, observed_at, day) from stdin with (format csv)',
        (function* () {
          for (let i = 0; i < lines.length; i += 5000) yield lines.slice(i, i + 5000).join('');
        })(),
      );
      // the consents valid today of the batch's VINs in the scope (collectConsents)
      await db.exec(`create temp table telematics_consents (
        id bigint, vin text, owner_ref text, purpose text, dealer_id integer, granted_on date, expires_on date
      ) on commit drop`);
    },

    /**
     * Stores every staged reading that a consent valid today covers on the reading's day (the
     * first such consent by owner); returns the rows written per dealer.
     */
    async insertConsentedReadings(scope: Scope, day: string) {
      await this.collectConsents(scope, day);
      const { rows } = await db.query<{ dealerId: number; n: number }>(
        `with ins as (
           insert into telematics_signals (vin, dealer_id, purpose, signal, value, observed_at, consent_id)
           -- one hash join of the batch with its consents, then the first consent by owner per
           -- reading (half the time of a lookup per reading)
           select distinct on (s.row) s.vin, k.dealer_id, s.purpose, s.signal, s.value, s.observed_at, k.id
           from telematics_staging s
           join telematics_consents k
             on k.vin = s.vin and k.purpose = s.purpose and k.granted_on <= s.day and s.day <= k.expires_on
           order by s.row, k.owner_ref
           returning dealer_id)
         select dealer_id as "dealerId", count(*)::int as n from ins group by 1`,
      );
      return rows;
    },

    async collectConsents(scope: Scope, day: string) {
      const params: unknown[] = [day];
      const where = `c.vin in (select vin from telematics_staging) and ${scopeDealerIdSql(scope, 'c.dealer_id', params)}`;
      await db.query('truncate telematics_consents');
      await db.query(
        `insert into telematics_consents
         select last.id, last.vin, last.owner_ref, last.purpose, last.dealer_id, last.granted_on, last.expires_on
         from (${VALID_CONSENTS.replace('%WHERE%', where).replace(/\$DAY/g, '$1')}) last`,
        params,
      );
      // the statistics steer the join to a hash join (no index: each batch joins all of them)
      await db.exec('analyze telematics_consents');
    },

    /** The staged readings no consent valid today covers (row order, the first 1,000). */
    async readingsWithoutConsent(scope: Scope, day: string) {
      await this.collectConsents(scope, day);
      const { rows } = await db.query<{ row: number; vin: string; purpose: string }>(
        `select s.row, s.vin, s.purpose from telematics_staging s
         where not exists (select 1 from telematics_consents k
                           where k.vin = s.vin and k.purpose = s.purpose and k.granted_on <= s.day and s.day <= k.expires_on)
         order by s.row limit 1000`,
      );
      return rows;
    },

    async deleteSignals(vin: string, purpose: string): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        `with d as (delete from telematics_signals where vin = $1 and purpose = $2 returning 1)
         select count(*)::int as n from d`,
        [vin, purpose],
      );
      return rows[0]?.n ?? 0;
    },

    /** The latest reading of each (VIN, signal) of the dealers in scope (optionally one dealer). */
    async latestSignals(scope: Scope, dealerId?: number) {
      const params: unknown[] = [dealerId ?? null];
      const { rows } = await db.query<{
        vin: string;
        dealerId: number;
        purpose: ConsentPurpose;
        signal: string;
        value: string;
        observedAt: string;
      }>(
        `select distinct on (s.vin, s.signal) s.vin, s.dealer_id as "dealerId", s.purpose, s.signal, s.value::text as value,
                to_char(s.observed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as "observedAt"
         from telematics_signals s
         where ($1::integer is null or s.dealer_id = $1) and ${scopeDealerIdSql(scope, 's.dealer_id', params)}
         order by s.vin, s.signal, s.observed_at desc, s.id desc`,
        params,
      );
      return rows;
    },

    async signalCounts(scope: Scope) {
      const params: unknown[] = [];
      const { rows } = await db.query<{ purpose: ConsentPurpose; count: number }>(
        `select s.purpose, count(*)::int as count from telematics_signals s
         where ${scopeDealerIdSql(scope, 's.dealer_id', params)} group by 1`,
        params,
      );
      return rows;
    },

    /** The canonical document of a consent entry (the ledger's payload). */
    async consentDocument(id: number) {
      const { rows } = await db.query<{
        vin: string;
        ownerRef: string;
        dealerCode: string;
        purpose: string;
        action: string;
        grantedOn: string | null;
        expiresOn: string | null;
        contractEndsOn: string | null;
        source: string;
      }>(
        `select c.vin, c.owner_ref as "ownerRef", d.code as "dealerCode", c.purpose, c.action,
                to_char(c.granted_on, 'YYYY-MM-DD') as "grantedOn", to_char(c.expires_on, 'YYYY-MM-DD') as "expiresOn",
                to_char(c.contract_ends_on, 'YYYY-MM-DD') as "contractEndsOn", c.source
         from connected_consents c join dealers d on d.id = c.dealer_id where c.id = $1`,
        [id],
      );
      return rows[0];
    },
  };
}
