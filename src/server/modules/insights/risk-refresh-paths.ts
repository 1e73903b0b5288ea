/**
 * The two paths of the commitment risk refresh (risk-refresh.ts), which give the same rows
 * (tests/insights-risk-network.test.ts):
 *
 * - chunks (a batch's dealers): chunks of agreements, each one read of its lines' monthly
 *   histories, supply and market, the pure assessment, one write; on a PostgreSQL server the next
 *   chunk's read and the previous chunk's write run while this chunk is computed.
 * - network (the nightly run, every dealer): the supply, market and "seen" inputs read once for
 *   the whole network (the supply, market and own expectation of every dealer, shared with the
 *   program tier risks), the lines' histories read by a few large slices of whole dealers, each
 *   slice's risks written set-based (COPY into a staging table, then the rows written in place
 *   and the history upserted: insights.repository.ts `saveRisksStaged`); on a server the next
 *   slice is read and the previous one written while this one is computed. A slice's read
 *   includes its stored risks' content hashes: a risk computed to the same hash goes as a short
 *   line (its key, history point and hash), so an unchanged night sends the database little
 *   text. (One write for the whole network at the end would run alone, after the compute:
 *   slower, as the grouped read alone was.)
 */
import { addMonths } from '../../../shared/months';
import type { Db, Queryable } from '../../db/db';
import { readDealerExpectation, type DealerExpectation } from './dealer-expectation';
import { readMarketTrend } from './market-trend';
import { observed } from './observed';
import type { ActiveCalibration } from './risk-calibration';
import type { SalesEnds } from './sales-end';
import {
  assessAgreement,
  HISTORY_MONTHS,
  readSupply,
  type LineHistory,
  type Supply,
} from './agreement-risk';
import { riskCopyText, riskKey } from './risk-write.repository';
import {
  createInsightsRepository,
  type LineHistoryRow,
  type RiskAgreementRow,
  type RiskWrite,
} from './insights.repository';

/** Agreements per chunk of the chunked path. */
const CHUNK = 200;
/** Agreements per slice of the network path's history read (a few large reads). */
const SLICE = 250;

export type Phases = { readMs: number; computeMs: number; writeMs: number };
/**
 * The run's phases; `programMs` the program tier risks' whole refresh (on a server's network run,
 * beside the agreements'), `program` its phases.
 */
export type Timings = Phases & { programMs: number; program?: Phases };
type Inputs = {
  rows: LineHistoryRow[];
  seen: Set<number>;
  supply: Map<number, Supply>;
  market: Map<number, { ratio: number; months: number }>;
  expectation: Map<number, DealerExpectation>;
};
export type Context = {
  today: string;
  currency: string;
  basis: { month: string; asOf: string };
  agreements: RiskAgreementRow[];
  catalog: Map<number, { modelLineId: number; code: string; name: string }>;
  /** The catalog's planned ends of sale (sales-end.ts). */
  salesEnds: SalesEnds;
  timings: Timings;
  report: ((done: number, total: number) => Promise<void>) | undefined;
  /** agreements per chunk (chunks path) or slice (network path) */
  size: number | undefined;
  /** the network's recalibration (risk-calibration-job.ts), null: the shipped default */
  calibration: ActiveCalibration;
  /**
   * The dealers' supply, market and own expectation, read once for the run and shared with the
   * program tiers: a batch's dealers (chunks path) or every dealer (network path); null: each
   * chunk reads its own (the chunks path for every dealer: tests).
   */
  dealerInputs: Promise<DealerInputs> | null;
  /** The network path's read time (taken before any of its reads, the dealer inputs' first). */
  readAt: string | null;
};
/** Per dealer inputs that do not depend on the agreements read with them. */
export type DealerInputs = {
  supply: Map<number, Supply>;
  market: Map<number, { ratio: number; months: number }>;
  expectation: Map<number, DealerExpectation>;
};

/** The first month of the history window ('YYYY-MM'; an agreement starting earlier: its start). */
export const historyFrom = (basisMonth: string) => addMonths(basisMonth, -HISTORY_MONTHS);

/** Each agreement's lines' histories by line number. */
function historiesByAgreement(rows: readonly LineHistoryRow[]) {
  const byAgreement = new Map<number, Map<number, LineHistory>>();
  for (const r of rows) {
    const lines = byAgreement.get(r.agreementId) ?? new Map<number, LineHistory>();
    byAgreement.set(r.agreementId, lines);
    lines.set(r.lineNo, r);
  }
  return byAgreement;
}

/** The assessment of some agreements from their inputs (pure). */
function assessAll(
  ctx: Context,
  agreements: readonly RiskAgreementRow[],
  inputs: Inputs,
  byAgreement = historiesByAgreement(inputs.rows),
) {
  return agreements.flatMap((a) =>
    assessAgreement(a, byAgreement.get(a.id) ?? new Map(), {
      today: ctx.today,
      currency: ctx.currency,
      basis: ctx.basis.month,
      asOf: ctx.basis.asOf,
      backfill: !inputs.seen.has(a.id),
      calibration: ctx.calibration,
      ...(ctx.salesEnds.lines.size > 0 ? { salesEnds: ctx.salesEnds } : {}),
      ...(inputs.supply.has(a.dealerId) ? { supply: inputs.supply.get(a.dealerId)! } : {}),
      ...(inputs.market.has(a.dealerId) ? { market: inputs.market.get(a.dealerId)! } : {}),
      ...(inputs.expectation.has(a.dealerId)
        ? { expectation: inputs.expectation.get(a.dealerId)! }
        : {}),
    }),
  );
}

/** Agreements assessed between two turns of the event loop (network path). */
const YIELD_EVERY = 16;

/**
 * `assessAll` giving the event loop a turn every YIELD_EVERY agreements: the reads and writes
 * overlapped with the compute are statements in turn (each needs the loop to send the next), so
 * a slice computed in one block would hold them until it ends.
 */
async function assessYielding(
  ctx: Context,
  agreements: readonly RiskAgreementRow[],
  inputs: Inputs,
): Promise<RiskWrite[]> {
  const out: RiskWrite[] = [];
  const byAgreement = historiesByAgreement(inputs.rows);
  for (let i = 0; i < agreements.length; i += YIELD_EVERY) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    out.push(...assessAll(ctx, agreements.slice(i, i + YIELD_EVERY), inputs, byAgreement));
  }
  return out;
}

/** Supply, market and own expectation of some dealers: side by side when `parallel` (a pool). */
export async function readDealerInputs(
  q: Queryable,
  today: string,
  basisMonth: string,
  dealers: number[],
  catalog: Context['catalog'],
  parallel = false,
): Promise<DealerInputs> {
  if (parallel) {
    const [supply, market, expectation] = await Promise.all([
      readSupply(q, today, dealers, catalog),
      readMarketTrend(q, basisMonth, dealers),
      readDealerExpectation(q, basisMonth, dealers),
    ]);
    return { supply, market, expectation };
  }
  const supply = await readSupply(q, today, dealers, catalog);
  const market = await readMarketTrend(q, basisMonth, dealers);
  const expectation = await readDealerExpectation(q, basisMonth, dealers);
  return { supply, market, expectation };
}

const repoOf = (q: Queryable) => createInsightsRepository(q);

/** The database's time now (a risk's read time). */
export async function readTime(db: Queryable): Promise<string> {
  const stamp = await db.query<{ readAt: string }>(`select clock_timestamp()::text as "readAt"`);
  return stamp.rows[0]!.readAt;
}

/** One transaction of one chunk's inputs, with the time they were read. */
async function readChunk(db: Db, ctx: Context, chunk: RiskAgreementRow[]) {
  const t0 = performance.now();
  const dealers = [...new Set(chunk.map((a) => a.dealerId))];
  const ids = chunk.map((a) => a.id);
  // One transaction, its statements in turn (PGlite has one connection: nothing may query
  // outside an open transaction); its sorts in memory, not spilled to disk.
  const result = await db.transaction(async (tx) => {
    await tx.query(`set local work_mem = '64MB'`);
    // the transaction's start: every history below is read after it
    const at = await tx.query<{ readAt: string }>(`select now()::text as "readAt"`);
    const r = repoOf(tx);
    const rows = await r.lineHistories(chunk, historyFrom(ctx.basis.month), ctx.basis.month);
    const seen = await r.agreementsWithHistory(ids);
    const { supply, market, expectation } = ctx.dealerInputs
      ? await ctx.dealerInputs
      : await readDealerInputs(tx, ctx.today, ctx.basis.month, dealers, ctx.catalog);
    return { rows, seen, supply, market, expectation, readAt: at.rows[0]!.readAt };
  });
  ctx.timings.readMs += performance.now() - t0;
  return result;
}

/** The chunked path (a batch's dealers): read, assess and write chunk by chunk. */
export async function byChunks(db: Db, ctx: Context): Promise<number> {
  const overlap = db.engine === 'postgres';
  const { agreements, timings } = ctx;
  const write = async (ids: number[], writes: RiskWrite[], readAt: string) => {
    const t0 = performance.now();
    await db.transaction((tx) => repoOf(tx).saveRisks(ids, writes, ctx.today, readAt));
    timings.writeMs += performance.now() - t0;
  };
  const chunks: RiskAgreementRow[][] = [];
  const size = ctx.size ?? CHUNK;
  for (let i = 0; i < agreements.length; i += size) chunks.push(agreements.slice(i, i + size));
  let risks = 0;
  let done = 0;
  let next = chunks.length > 0 ? observed(readChunk(db, ctx, chunks[0]!)) : null;
  let pending: Promise<void> | null = null;
  try {
    for (let c = 0; c < chunks.length; c += 1) {
      const chunk = chunks[c]!;
      const inputs = await next!;
      next = c + 1 < chunks.length && overlap ? observed(readChunk(db, ctx, chunks[c + 1]!)) : null;
      const t0 = performance.now();
      const writes = assessAll(ctx, chunk, inputs);
      timings.computeMs += performance.now() - t0;
      if (pending) await pending;
      pending = observed(
        write(
          chunk.map((a) => a.id),
          writes,
          inputs.readAt,
        ),
      );
      if (!overlap) await pending;
      if (!next && c + 1 < chunks.length) next = observed(readChunk(db, ctx, chunks[c + 1]!));
      risks += writes.length;
      done += chunk.length;
      await ctx.report?.(done, agreements.length);
    }
    if (pending) await pending;
  } finally {
    // on a failure, nothing of this refresh keeps running after it returns
    await Promise.allSettled([next, pending]);
  }
  return risks;
}

/**
 * The network path (every dealer): the inputs that are per dealer or per agreement read once,
 * the lines' histories by slices of whole dealers, each slice's risks written set-based (COPY
 * text into a staging table, then the rows written in place and the history upserted); on a
 * server the next slice is read and the previous one written while this one is computed. Every
 * slice's read time (commitment_risk_reads; a changed row's `computed_at`) is the time before
 * the first read.
 */
export async function byNetwork(db: Db, ctx: Context): Promise<number> {
  const overlap = db.engine === 'postgres';
  const { agreements, timings } = ctx;
  // the time before every read (the risks' read time), the dealer inputs' first
  const readAt = ctx.readAt ?? (await readTime(db));
  const ids = agreements.map((a) => a.id);
  const dealers = [...new Set(agreements.map((a) => a.dealerId))].sort((a, b) => a - b);
  // Slices of whole dealers (the roll-up read filters by dealer), about SLICE agreements each.
  const byDealer = new Map<number, RiskAgreementRow[]>();
  for (const a of agreements) {
    const list = byDealer.get(a.dealerId) ?? [];
    byDealer.set(a.dealerId, list);
    list.push(a);
  }
  const slices: RiskAgreementRow[][] = [];
  let current: RiskAgreementRow[] = [];
  for (const d of dealers) {
    current.push(...byDealer.get(d)!);
    if (current.length >= (ctx.size ?? SLICE)) {
      slices.push(current);
      current = [];
    }
  }
  if (current.length > 0) slices.push(current);
  const readSlice = async (slice: RiskAgreementRow[]) => {
    const t0 = performance.now();
    const read = await db.transaction(async (tx) => {
      await tx.query(`set local work_mem = '128MB'`);
      const ids = slice.map((a) => a.id);
      const rows = await repoOf(tx).lineHistories(
        slice,
        historyFrom(ctx.basis.month),
        ctx.basis.month,
      );
      // the stored risks' hashes: an unchanged risk is written as a short line (riskCopyText)
      return { rows, stored: await repoOf(tx).storedHashes(ids) };
    });
    timings.readMs += performance.now() - t0;
    return read;
  };
  const shared = async () => {
    const t0 = performance.now();
    const repo = repoOf(db);
    const seen = await repo.agreementsWithHistory(ids);
    // read once for the run (every dealer's), shared with the program tiers
    const { supply, market, expectation } = ctx.dealerInputs
      ? await ctx.dealerInputs
      : await readDealerInputs(db, ctx.today, ctx.basis.month, dealers, ctx.catalog, overlap);
    timings.readMs += performance.now() - t0;
    return { seen, supply, market, expectation };
  };
  const common = observed(shared());
  let next =
    slices.length > 0
      ? observed(overlap ? readSlice(slices[0]!) : common.then(() => readSlice(slices[0]!)))
      : null;
  const write = async (
    slice: RiskAgreementRow[],
    text: { risks: string; past: string },
    writes: RiskWrite[],
  ) => {
    const t0 = performance.now();
    await db.transaction((tx) =>
      repoOf(tx).saveRisksStaged({
        agreementIds: slice.map((a) => a.id),
        risks: [text.risks],
        past: text.past ? [text.past] : [],
        day: ctx.today,
        readAt,
        // short lines whose stored row changed since the read: their full lines
        refill: (keys) =>
          riskCopyText(writes.filter((w) => keys.has(riskKey(w.agreementId, w.lineNo, w.dealerId))))
            .risks,
      }),
    );
    timings.writeMs += performance.now() - t0;
  };
  let pending: Promise<void> | null = null;
  let risks = 0;
  let done = 0;
  try {
    const base = await common;
    for (let s = 0; s < slices.length; s += 1) {
      const slice = slices[s]!;
      const { rows, stored } = await next!;
      next = s + 1 < slices.length && overlap ? observed(readSlice(slices[s + 1]!)) : null;
      const t0 = performance.now();
      const writes = await assessYielding(ctx, slice, { rows, ...base });
      const text = riskCopyText(writes, stored);
      timings.computeMs += performance.now() - t0;
      if (pending) await pending;
      pending = observed(write(slice, text, writes));
      if (!overlap) await pending;
      if (!next && s + 1 < slices.length) next = observed(readSlice(slices[s + 1]!));
      risks += writes.length;
      done += slice.length;
      await ctx.report?.(done, agreements.length);
    }
    if (pending) await pending;
  } finally {
    // on a failure, nothing of this refresh keeps running after it returns
    await Promise.allSettled([common, next, pending]);
  }
  return risks;
}
