/**
 * The two paths of a program tier risk refresh (program-risk.service.ts `refresh`, which reads
 * what both share, assesses a dealer and writes), giving the same rows
 * (tests/insights-program-risk-network.test.ts):
 *
 * - network (default): slices of SLICE dealers; for a slice, each program's engine inputs for
 *   its eligible dealers in one read (grouped rows when the totals allow it,
 *   program-risk-network.ts; otherwise the rows, as the per-dealer path), each distinct axis
 *   history (SKUs × kinds) once, then dealer by dealer every program, sharing the simulation of
 *   a history between the programs that count the same SKUs, and the slice's write. Nothing of
 *   a slice is kept once it is written: the run holds one slice's inputs, not the network's.
 * - per dealer (`perDealer`: the reference the tests compare it with): each program read by
 *   chunks of dealers, row by row, every dealer × program simulated on its own, one write.
 */
import type { Ctx, IncentivesDeps } from '../incentives/incentives-context';
import type { DealerRow } from '../incentives/incentives.repository';
import { observed } from './observed';
import type { DrawsMemo } from './program-risk';
import { statementDate, type DealerInput, type ProgramRiskOut } from './program-risk-dealer';
import type { createHistoryReads, Histories } from './program-risk-histories';
import { groupable, networkInputs, type InputsOf } from './program-risk-network';
import type { Plan } from './program-risk-plans';
import { createProgramRiskRepository } from './program-risk.repository';

/** Dealers per read of the per-dealer path. */
const CHUNK = 500;
/**
 * Dealers per slice of the network path: what the run holds at once besides the network's reads
 * (every program's statement inputs and risks of a slice's dealers) grows with the slice.
 */
const SLICE = 500;
/**
 * Feed rows the network path may hold for the programs read row by row (not grouped), read once
 * for the network; a program whose estimate does not fit is read slice by slice.
 */
const ROW_BUDGET = 1_000_000;
/** Dealers computed between two yields to the event loop (the overlapped write goes on). */
const YIELD_EVERY = 25;

/** What both paths share of one refresh (program-risk.service.ts `refresh`). */
export type RefreshRun = {
  db: IncentivesDeps['db'];
  ctx: Ctx;
  basis: { month: string; asOf: string };
  /** The dealers refreshed (null: the network) and, read, those of them in the network. */
  dealerIds: number[] | null;
  dealers: DealerRow[];
  dealerIdList: number[];
  /** The running programs and their plans. */
  programIds: number[];
  plans: Plan[];
  histories: ReturnType<typeof createHistoryReads>;
  /** One dealer's risk in one program (null: no engine input). */
  assess: (
    plan: Plan,
    d: DealerRow,
    input: DealerInput | undefined,
    h: Histories,
    memo?: DrawsMemo,
  ) => ProgramRiskOut | null;
  /** A program's engine inputs for some dealers, row by row (progressInputs). */
  rowInputs: (plan: Plan, chunk: DealerRow[]) => Promise<Map<number, DealerInput>>;
  /** Writes some dealers' risks (all dealers' when null) in one transaction. */
  save: (
    ids: number[] | null,
    writes: ProgramRiskOut[],
    stored?: ReadonlyMap<string, string>,
  ) => Promise<void>;
  timings: { readMs: number; computeMs: number; writeMs: number };
};

/** The per-dealer path: returns the risks written. */
export async function perDealerPath(run: RefreshRun): Promise<number> {
  const { plans, dealerIds, timings, assess, rowInputs, save } = run;
  const { readHistories } = run.histories;
  const writes: ProgramRiskOut[] = [];
  for (const plan of plans)
    for (let i = 0; i < plan.eligible.length; i += CHUNK) {
      const chunk = plan.eligible.slice(i, i + CHUNK);
      const r0 = performance.now();
      const ids = chunk.map((d) => d.id);
      const [inputs, h] = await Promise.all([rowInputs(plan, chunk), readHistories(plan, ids)]);
      const c0 = performance.now();
      timings.readMs += c0 - r0;
      for (const d of chunk) {
        const write = assess(plan, d, inputs.get(d.id), h);
        if (write) writes.push(write);
      }
      timings.computeMs += performance.now() - c0;
    }
  await save(dealerIds, writes);
  return writes.length;
}

/** The network path: returns the risks written. */
export async function networkPath(
  run: RefreshRun,
  /** tests' slices of dealers and row budget (ROW_BUDGET) */
  options: { slice?: number; rowBudget?: number },
): Promise<number> {
  const { db, ctx, basis, dealerIds, dealers, dealerIdList, programIds, plans, timings } = run;
  const { assess, rowInputs, save } = run;
  const { readAllHistories } = run.histories;
  const size = options.slice ?? SLICE;
  const overlap = db.engine === 'postgres';
  // Reads: each program's inputs and each distinct axis history once for the network's
  // eligible dealers (on a server, a few at once), handed out slice by slice. A batch's
  // dealers (one slice): each kind of read once for every program.
  const r0 = performance.now();
  const width = overlap ? 4 : 1;
  const queue = plans.filter((plan) => plan.eligible.length > 0);
  // a batch's dealers in one slice: their rows read at once whatever the estimate
  const oneSlice = dealerIds !== null && dealers.length <= size;
  const [histories, inputsOf, stored] = await Promise.all([
    readAllHistories(queue, dealerIdList, dealerIds !== null, width),
    networkInputs(
      db,
      queue.map(({ program, eligible }) => ({
        programId: program.p.row.id,
        version: program.version,
        dealers: eligible,
        period: program.period,
        canGroup: groupable(program.def, statementDate(program, basis)),
      })),
      {
        ctx,
        width,
        ...(oneSlice && options.rowBudget === undefined
          ? {}
          : {
              rowBudget: {
                left: options.rowBudget ?? ROW_BUDGET,
                estimates: new Map<string, number>(),
              },
            }),
      },
    ),
    // the stored risks' hashes: an unchanged risk is written as a short line
    createProgramRiskRepository(db).storedHashes(programIds, dealerIds),
  ]);
  const read = new Map<Plan, { inputsOf: InputsOf | null; h: Histories }>();
  for (const plan of queue)
    read.set(plan, {
      inputsOf: inputsOf.get(plan.program.p.row.id) ?? null,
      h: histories.get(plan)!,
    });
  timings.readMs += performance.now() - r0;
  // Slice by slice: dealer by dealer, every program (one simulation per distinct history),
  // in plan order; on a server the slice is written while the next one is computed.
  let risks = 0;
  let pending: Promise<void> | null = null;
  try {
    for (let s = 0; s < dealers.length; s += size) {
      const slice = dealers.slice(s, s + size);
      const ids = slice.map((d) => d.id);
      const inSlice = new Set(ids);
      const inputs = new Map<Plan, Map<number, DealerInput>>();
      for (const [plan, x] of read) {
        const eligible = plan.eligible.filter((d) => inSlice.has(d.id));
        if (eligible.length === 0) continue;
        if (x.inputsOf) inputs.set(plan, x.inputsOf(eligible));
        else {
          // a program whose rows exceed the budget: its rows by slices
          const r1 = performance.now();
          inputs.set(plan, await rowInputs(plan, eligible));
          timings.readMs += performance.now() - r1;
        }
      }
      let c0 = performance.now();
      const writes: ProgramRiskOut[] = [];
      for (const [k, d] of slice.entries()) {
        if (overlap && k > 0 && k % YIELD_EVERY === 0) {
          // let the previous slice's write go on (its COPY is fed from this thread)
          timings.computeMs += performance.now() - c0;
          await new Promise<void>((resolve) => setImmediate(resolve));
          c0 = performance.now();
        }
        const memo: DrawsMemo = new Map();
        for (const plan of plans) {
          const x = read.get(plan);
          const input = inputs.get(plan)?.get(d.id);
          const write = x ? assess(plan, d, input, x.h, memo) : null;
          if (write) writes.push(write);
        }
      }
      timings.computeMs += performance.now() - c0;
      if (pending) await pending;
      pending = observed(save(ids, writes, stored));
      if (!overlap) await pending;
      risks += writes.length;
    }
    if (pending) await pending;
  } finally {
    // on a failure, nothing of this refresh keeps writing after it returns
    await Promise.allSettled([pending]);
  }
  return risks;
}
