/**
 * The chargeback of a confirmed integrity flag (issue 14 §4). What the flag takes back is what
 * the incentive engine paid because of the flagged deliveries: each affected statement
 * recomputed by the engine without them, the whole difference (their own lines, the tier uplift
 * they gave the dealer's other units, and what later corrections paid for them, once; see
 * `chargebackLines`), per program and period. Each program's amount is
 * posted by the settlement service as a negative adjustment naming the flag
 * (`postChargeback`: a closed, approved or paid period's amount goes into the next open period),
 * and the whole chargeback is one ledger entry whose document verify rebuilds from the rows.
 */
import { Dec, moneyString } from '../../../shared/money';
import type { Actor } from '../../auth/actor';
import type { Queryable } from '../../db/db';
import { canonicalJson } from '../ledger/canonical-json';
import type { LedgerService } from '../ledger/ledger.service';
import {
  findSettlementPeriod,
  listSettlementPeriods,
  type SettlementPeriod,
} from '../incentives/calc';
import { carrierOf } from '../incentives/corrections';
import {
  createCorrectionsRepository,
  type ClosedPeriod,
} from '../incentives/corrections.repository';
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

/** A feed row of a flagged VIN: its delivery, or an unwind of it. */
type FlaggedRow = {
  id: string;
  vin: string | null;
  on: string;
  /** An unwind stored after its date counts where it arrives too. */
  receivedOn: string | null;
  isDelivery: boolean;
};

async function flaggedRows(db: Queryable, dealerId: number, vins: string[]): Promise<FlaggedRow[]> {
  if (vins.length === 0) return [];
  const { rows } = await db.query<FlaggedRow>(
    `select t.id::text as id, t.vin, to_char(t.occurred_on, 'YYYY-MM-DD') as "on",
       case when t.received_at::date > t.occurred_on then to_char(t.received_at at time zone 'UTC', 'YYYY-MM-DD') end as "receivedOn",
       (t.kind = 'retail_delivery' and t.quantity > 0) as "isDelivery"
     from transactions t
     where t.dealer_id = $1
       and ((t.kind = 'retail_delivery' and t.vin = any($2::text[]))
         or ((t.kind = 'unwind' or t.quantity < 0)
           and (t.vin = any($2::text[])
             or exists (select 1 from transactions s where s.dealer_id = t.dealer_id and s.source = t.source
                          and s.external_id = t.original_external_id and s.vin = any($2::text[])))))
     order by t.id`,
    [dealerId, vins],
  );
  return rows;
}

const money = (v: Dec, currency: string) => moneyString(v, currency);

/**
 * Whether the program pays a feed row: its period was open when it was stored (or is still open),
 * or a later period open then carries it as a correction (corrections.ts, carrierOf). A row
 * stored after the program's last period closed is never paid. A row outside the program is in
 * none of its windows (kept, it changes nothing).
 */
function isPaid(
  def: ProgramDefinition,
  periods: readonly SettlementPeriod[],
  closed: ReadonlyMap<string, ClosedPeriod>,
  row: FlaggedRow,
  fiscalYearStartMonth: number,
): boolean {
  if (row.on < def.startDate || row.on > def.endDate) return true; // (it is not in any window)
  const at = findSettlementPeriod({ program: def, date: row.on, fiscalYearStartMonth });
  const own = closed.get(at.period);
  if (!own || BigInt(own.lastFeedId) >= BigInt(row.id)) return true;
  return carrierOf({ periods, closed, source: at.period, rowId: row.id }) !== null;
}

/**
 * What the flag takes back, per program: for each measurement window holding a flagged row (a
 * delivery of a flagged VIN, or an unwind of one), the engine's statement of the window's last
 * period from every row now in the feed, minus the same statement without the flagged rows
 * (`statementWithout`). That is everything the flagged units earned: their own lines, the tier
 * or cap they lifted for the dealer's other units, and what corrections of a settled period paid
 * for them later (the late rows count in their own period, once; the correction lines placed in
 * later periods are left out of both sides). An unwind already clawed back counts against it.
 * Rows of the dealer's other confirmed flags are left out of both sides, so two flags naming the
 * same VIN never take it back twice. A window where the flagged rows cost the dealer (an unwind
 * that dropped a tier) offsets the others; nothing is taken back when the program's total is not
 * positive. Each line is posted from the window's first period holding a flagged row
 * (`postChargeback` moves it on to the next open period).
 */
export async function chargebackLines(input: {
  db: Queryable;
  incentives: Pick<IncentivesService, 'statementWithout'>;
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
  const rows = await flaggedRows(db, flag.dealerId, flagVins(flag.evidence));
  if (!rows.some((r) => r.isDelivery)) return [];
  const { rows: others } = await db.query<{ evidence: Record<string, unknown> }>(
    `select evidence from integrity_flags where dealer_id = $1 and status = 'confirmed' and id <> $2`,
    [flag.dealerId, flag.id],
  );
  const earlier = new Set(
    (
      await flaggedRows(db, flag.dealerId, [
        ...new Set(others.flatMap((o) => flagVins(o.evidence))),
      ])
    ).map((r) => r.id),
  );
  // What this flag adds: its rows not already taken back by another confirmed flag.
  const exclude = rows.map((r) => r.id).filter((id) => !earlier.has(id));
  if (exclude.length === 0) return [];
  const { rows: programs } = await db.query<{
    id: number;
    code: string;
    definition: ProgramDefinition;
  }>(
    `select p.id, p.code, v.definition from programs p
     join lateral (select definition from program_versions where program_id = p.id and status = 'published'
                   order by version_no desc limit 1) v on true
     where p.status in ('published', 'closed') order by p.code`,
  );
  const out: ChargebackLine[] = [];
  for (const p of programs) {
    const def = p.definition;
    const periods = listSettlementPeriods({
      program: def,
      fiscalYearStartMonth: input.fiscalYearStartMonth,
    });
    const lastOf = new Map<string, string>();
    for (const x of periods) lastOf.set(x.window.label, x.period);
    // A row the program never pays (stored after its period closed, with no later period open
    // then to carry it) is not taken back: it is left out of both sides.
    const closed = await createCorrectionsRepository(db).findClosedPeriods(p.id);
    const unpaid = new Set(
      rows
        .filter((r) => !isPaid(def, periods, closed, r, input.fiscalYearStartMonth))
        .map((r) => r.id),
    );
    const taken = exclude.filter((id) => !unpaid.has(id));
    if (taken.length === 0) continue;
    const takenIds = new Set(taken);
    // window label → the first period holding a flagged row, and those rows' VINs (only the rows
    // this flag takes back: a VIN another flag charged is not named again)
    const windows = new Map<string, { first: string; vins: Set<string> }>();
    for (const r of rows) {
      if (!takenIds.has(r.id)) continue;
      for (const date of r.isDelivery ? [r.on] : [r.on, r.receivedOn]) {
        if (!date || date < def.startDate || date > def.endDate) continue;
        const at = findSettlementPeriod({
          program: def,
          date,
          fiscalYearStartMonth: input.fiscalYearStartMonth,
        });
        const w = windows.get(at.window.label) ?? { first: at.period, vins: new Set<string>() };
        if (at.period < w.first) w.first = at.period;
        if (r.vin) w.vins.add(r.vin);
        windows.set(at.window.label, w);
      }
    }
    const found: { period: string; amount: Dec; currency: string; explanation: string }[] = [];
    for (const [label, w] of [...windows].sort((a, b) => a[1].first.localeCompare(b[1].first))) {
      const r = await input.incentives.statementWithout({
        actor: input.actor,
        code: p.code,
        dealerCode: flag.dealerCode,
        period: lastOf.get(label)!,
        excludeTransactionIds: taken,
        alreadyExcluded: [...earlier, ...[...unpaid].filter((id) => !earlier.has(id))],
      });
      const amount = new Dec(r.with.earned).minus(r.without.earned);
      if (amount.isZero()) continue;
      const tier = (t: string | null) => (t === null ? 'none' : `from ${t}`);
      const tierNote =
        r.with.tierReached === r.without.tierReached
          ? `tier ${tier(r.with.tierReached)}`
          : `tier ${tier(r.with.tierReached)} → ${tier(r.without.tierReached)} on every unit`;
      found.push({
        period: w.first,
        amount,
        currency: r.currency,
        explanation: `chargeback of integrity flag #${flag.id} (${flag.kind}): ${label} recomputed without ${[...w.vins].sort().join(', ')}: measure ${r.with.measureValue ?? '–'} → ${r.without.measureValue ?? '–'}, ${tierNote}, earned ${money(new Dec(r.with.earned), r.currency)} → ${money(new Dec(r.without.earned), r.currency)}`,
      });
    }
    const total = found.reduce((s, f) => s.plus(f.amount), new Dec(0));
    if (total.lte(0)) continue;
    // Windows where the flagged rows cost the dealer offset the others, earliest first.
    let offset = found
      .filter((f) => f.amount.isNegative())
      .reduce((s, f) => s.plus(f.amount.neg()), new Dec(0));
    for (const f of found) {
      if (f.amount.isNegative()) continue;
      const take = Dec.min(f.amount, offset);
      offset = offset.minus(take);
      const amount = f.amount.minus(take);
      if (amount.isZero()) continue;
      out.push({
        programCode: p.code,
        period: f.period,
        amount: money(amount, f.currency),
        explanation: take.isZero()
          ? f.explanation
          : `${f.explanation}; less ${money(take, f.currency)} the flagged rows cost in other windows`,
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
