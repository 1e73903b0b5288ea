/**
 * The chargeback of a confirmed integrity flag (issue 14 §4). What the flag takes back is what
 * the incentive engine paid for the flagged deliveries: the lines of the dealer's statements
 * (frozen lines once approved, the live calculation before) whose transaction is one of the
 * dealer's retail deliveries of the flag's VINs, per program and period. Each program's amount is
 * posted by the settlement service as a negative adjustment naming the flag
 * (`postChargeback`: a closed, approved or paid period's amount goes into the next open period),
 * and the whole chargeback is one ledger entry whose document verify rebuilds from the rows.
 */
import { Dec, moneyString } from '../../../shared/money';
import type { Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { canonicalJson } from '../ledger/canonical-json';
import type { LedgerService } from '../ledger/ledger.service';
import { findSettlementPeriod } from '../incentives/calc';
import type { IncentivesService } from '../incentives/incentives.service';
import type { ProgramDefinition } from '../../../shared/schemas/program';

export const CHARGEBACK_ENTITY = 'integrity_chargeback';

export type ChargebackLine = {
  programCode: string;
  period: string;
  amount: string;
  explanation: string;
};

/** The VINs a flag's evidence names (every evidence shape of integrity.ts and integrity-rdr.ts). */
export function flagVins(evidence: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string' && v) out.add(v);
  };
  add(evidence.vin);
  for (const key of ['unwound', 'vins', 'deliveries'])
    if (Array.isArray(evidence[key]))
      for (const item of evidence[key] as unknown[])
        if (item && typeof item === 'object') add((item as { vin?: unknown }).vin);
  return [...out].sort();
}

/** The statement lines that paid for the flag's deliveries, per program and period. */
export async function chargebackLines(input: {
  db: Queryable;
  incentives: Pick<IncentivesService, 'getStatement'>;
  actor: Actor;
  flag: {
    id: number;
    dealerId: number;
    dealerCode: string;
    kind: string;
    evidence: Record<string, unknown>;
  };
  fiscalYearStartMonth: number;
}): Promise<ChargebackLine[]> {
  const { db, flag } = input;
  const vins = flagVins(flag.evidence);
  if (vins.length === 0) return [];
  const { rows: deliveries } = await db.query<{ id: string; on: string }>(
    `select id::text, to_char(occurred_on, 'YYYY-MM-DD') as "on" from transactions
     where dealer_id = $1 and kind = 'retail_delivery' and vin = any($2::text[])`,
    [flag.dealerId, vins],
  );
  if (deliveries.length === 0) return [];
  const ids = new Set(deliveries.map((d) => d.id));
  const { rows: programs } = await db.query<{ code: string; definition: ProgramDefinition }>(
    `select p.code, v.definition from programs p
     join lateral (select definition from program_versions where program_id = p.id and status = 'published'
                   order by version_no desc limit 1) v on true
     where p.status in ('published', 'closed') order by p.code`,
  );
  const out: ChargebackLine[] = [];
  for (const p of programs) {
    const periods = new Set<string>();
    for (const d of deliveries) {
      if (d.on < p.definition.startDate || d.on > p.definition.endDate) continue;
      periods.add(
        findSettlementPeriod({
          program: p.definition,
          date: d.on,
          fiscalYearStartMonth: input.fiscalYearStartMonth,
        }).period,
      );
    }
    for (const period of [...periods].sort()) {
      const statement = await input.incentives.getStatement({
        actor: input.actor,
        code: p.code,
        dealerCode: flag.dealerCode,
        period,
      });
      const paid = statement.lines.filter(
        (l) => l.kind === 'benefit' && l.transactionId !== null && ids.has(l.transactionId),
      );
      const amount = paid.reduce((s, l) => s.plus(l.amount), new Dec(0));
      if (amount.isZero()) continue;
      out.push({
        programCode: p.code,
        period,
        amount: moneyString(amount, statement.currency),
        explanation: `chargeback of integrity flag #${flag.id} (${flag.kind}): ${paid.length} line${paid.length === 1 ? '' : 's'} of ${period} (${[...new Set(paid.map((l) => l.vin).filter(Boolean))].join(', ')})`,
      });
    }
  }
  return out;
}

/** The ledger document of a flag's chargeback, rebuilt from its adjustment rows. */
export async function chargebackDocument(db: Queryable, flagId: number) {
  const { rows } = await db.query<{
    dealerCode: string;
    kind: string;
    status: string;
    decidedBy: string | null;
    adjustments: { program: string; period: string; amount: string; explanation: string }[] | null;
  }>(
    `select d.code as "dealerCode", f.kind, f.status, f.decided_by as "decidedBy",
       (select json_agg(json_build_object('program', p.code, 'period', a.period, 'amount', a.amount::text,
          'explanation', a.explanation) order by p.code, a.period)
        from incentive_adjustments a join programs p on p.id = a.program_id where a.integrity_flag_id = f.id) as adjustments
     from integrity_flags f join dealers d on d.id = f.dealer_id where f.id = $1`,
    [flagId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    flagId,
    dealerCode: r.dealerCode,
    kind: r.kind,
    status: r.status,
    decidedBy: r.decidedBy,
    adjustments: r.adjustments ?? [],
  };
}

/** ledger:verify re-hashes each chargeback from its rows. */
export function registerChargebackLedgerSource(ledger: LedgerService) {
  ledger.registerPayloadSource(CHARGEBACK_ENTITY, async (tx, entry) => {
    const doc = await chargebackDocument(tx, Number(entry.entityId.replace(/^flag-/, '')));
    return doc ? canonicalJson(doc) : null;
  });
}
