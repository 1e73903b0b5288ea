/**
 * A VIN is paid once across the network within a program (docs/incentives.md, "A VIN is paid
 * once"): which retail deliveries of some dealers may not earn because the VIN already earns for
 * another dealer — paid in its approved or paid statement (`paid_to_other_dealer`), or delivered
 * earlier by it in a live period (`delivered_by_other_dealer`) — with no unwind of that sale
 * since. One question to the database (`forecourt_vin_blocked`, migration 0047: it reads past
 * row-level security and answers with the caller's own rows only, never the other dealer).
 */
import type { ProgramDefinition } from '../../../shared/schemas/program';
import type { Queryable } from '../../db/db';
import type { VinBlockReason } from './calc';

/** The blocked deliveries by dealer, each a map of transaction id (text) → reason. */
export type VinBlocks = Map<number, Map<string, VinBlockReason>>;

export type VinBlockSpec = {
  /** The program (null: the second rule only, for the network's conflict check). */
  programId: number | null;
  program: Pick<ProgramDefinition, 'startDate' | 'endDate'>;
  /** The dealers whose deliveries are asked about (null: every dealer). */
  dealerIds: number[] | null;
  /** The deliveries dated from `from` to `to` (a statement's window start and cut-off). */
  from: string;
  to: string;
  /** A closed period counts the feed as stored by its close. */
  maxFeedId?: string | null;
};

type BlockedRow = {
  transactionId: string;
  dealerId: number;
  occurredOn: string;
  reason: VinBlockReason;
};

/** The blocked deliveries as rows (dealer, date, reason). */
export async function findBlockedDeliveries(
  db: Queryable,
  spec: VinBlockSpec,
): Promise<BlockedRow[]> {
  const { rows } = await db.query<BlockedRow>(
    `select b.transaction_id::text as "transactionId", b.dealer_id as "dealerId",
            to_char(b.occurred_on, 'YYYY-MM-DD') as "occurredOn", b.reason
     from forecourt_vin_blocked($1::int, $2::int[], $3::date, $4::date, $5::date, $6::date, $7::bigint) b`,
    [
      spec.programId,
      spec.dealerIds,
      spec.from,
      spec.to,
      spec.program.startDate,
      spec.program.endDate,
      spec.maxFeedId ?? null,
    ],
  );
  return rows;
}

/** The blocked deliveries by dealer (the engine's `blockedSales` of each). */
export async function findVinBlocks(db: Queryable, spec: VinBlockSpec): Promise<VinBlocks> {
  const out: VinBlocks = new Map();
  if (spec.from > spec.to) return out;
  for (const r of await findBlockedDeliveries(db, spec)) {
    let of = out.get(r.dealerId);
    if (!of) out.set(r.dealerId, (of = new Map()));
    of.set(r.transactionId, r.reason);
  }
  return out;
}

const NONE: ReadonlyMap<string, VinBlockReason> = new Map();

/** One dealer's blocked deliveries (empty when none). */
export function blocksOf(blocks: VinBlocks, dealerId: number): ReadonlyMap<string, VinBlockReason> {
  return blocks.get(dealerId) ?? NONE;
}
