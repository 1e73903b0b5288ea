/**
 * The settling of ended tier windows (issue 14 §1, program_tier_outcomes): before the refresh
 * replaces a program's risks with the next window's, the window that ended gets its outcome;
 * until the window's grace days have passed the outcome is provisional and every refresh of its
 * dealer settles it again, so a report dated in the window that arrives late still counts.
 */
import { Dec } from '../../../shared/money';
import type { Db } from '../../db/db';
import { calculateStatement, resolvePeriod } from '../incentives/calc';
import { compileTiers } from '../incentives/calc/tiers';
import { latest, versionFor, type Ctx, type Loaded } from '../incentives/incentives-context';
import { createIncentivesContextRepository } from '../incentives/incentives-context.repository';
import type { DealerRow, VersionRow } from '../incentives/incentives.repository';
import { createProgramsRepository } from '../incentives/programs.repository';
import type { DealerInput } from './program-risk-dealer';
import {
  createProgramRiskOutcomesRepository,
  type TierOutcome,
  type TierResettle,
  type TierWindowKey,
} from './program-risk-outcomes.repository';

/** Dealers per read of the engine's inputs. */
const CHUNK = 500;

/** progress.service.ts `progressInputs`: the engine's inputs of one program for many dealers. */
export type ProgressInputs = (
  p: Loaded,
  version: VersionRow,
  dealers: DealerRow[],
  ctx: Ctx,
  period: string,
) => Promise<Map<number, DealerInput>>;

type Deps = { db: Db; progressInputs: ProgressInputs };
/** The engine's final tier of an ended window (index ascending, -1 none) and its grace end. */
type Reached = { tierReached: number; graceUntil: string };

const keyOf = (k: TierWindowKey) => `${k.programId}:${k.dealerId}:${k.period}`;

/**
 * The tier each ended window reached: the engine's statement of the ended period (as of its
 * cutoff, or today when the cutoff is still ahead) from the rows stored now.
 */
async function tiersReached(
  deps: Deps,
  ctx: Ctx,
  today: string,
  windows: TierWindowKey[],
): Promise<Map<string, Reached>> {
  const reached = new Map<string, Reached>();
  if (windows.length === 0) return reached;
  const programs = createProgramsRepository(deps.db);
  const ids = new Set(windows.map((e) => e.programId));
  const rows = (await programs.findPrograms()).filter((r) => ids.has(r.id));
  const versions = await programs.findVersions(rows.map((r) => r.id));
  const network = await createIncentivesContextRepository(deps.db).findDealers({
    kind: 'network',
  });
  const dealerById = new Map(network.map((d) => [d.id, d]));
  for (const row of rows) {
    const published = versions.filter((v) => v.programId === row.id && v.status === 'published');
    if (published.length === 0) continue;
    const p = { row, versions: published };
    const mine = windows.filter((e) => e.programId === row.id);
    for (const period of new Set(mine.map((e) => e.period))) {
      const settlement = resolvePeriod({
        program: latest(p).definition,
        period,
        fiscalYearStartMonth: ctx.fy,
      });
      const version = versionFor(p, settlement.window.start);
      const tiers = compileTiers(version.definition);
      const these = mine.filter((e) => e.period === period);
      const asOf = settlement.cutoff < today ? settlement.cutoff : today;
      for (let i = 0; i < these.length; i += CHUNK) {
        const chunk = these.slice(i, i + CHUNK);
        const dealers = chunk.flatMap((e) => dealerById.get(e.dealerId) ?? []);
        const inputs = await deps.progressInputs(p, version, dealers, ctx, settlement.period);
        for (const e of chunk) {
          const input = inputs.get(e.dealerId);
          const statement = input
            ? calculateStatement({
                ...input,
                period: settlement.period,
                asOf,
                includeLines: false,
              })
            : null;
          const final = statement?.tierReached ?? null;
          reached.set(keyOf(e), {
            tierReached:
              final === null ? -1 : tiers.findIndex((t) => new Dec(t.fromText).eq(final)),
            graceUntil: settlement.graceUntil,
          });
        }
      }
    }
  }
  return reached;
}

/**
 * Settles the risks (of these dealers, or all) whose window has ended, before the refresh
 * replaces them with the next window's or prunes them, and settles again the provisional
 * outcomes of these dealers (windows whose grace days had not passed when settled): kept in
 * program_tier_outcomes, an outcome settles the window's incentive_tier interventions, and a
 * changed tier settles them again. Returns the interventions settled.
 */
export async function settleEnded(
  deps: Deps,
  ctx: Ctx,
  today: string,
  dealerIds: number[] | null,
): Promise<number> {
  const repo = createProgramRiskOutcomesRepository(deps.db);
  const [ended, provisional] = await Promise.all([
    repo.endedRisks(today, dealerIds),
    repo.provisionalOutcomes(dealerIds),
  ]);
  if (ended.length === 0 && provisional.length === 0) return 0;
  const reached = await tiersReached(deps, ctx, today, [...ended, ...provisional]);
  const outcomes: TierOutcome[] = ended.flatMap((e) => {
    const r = reached.get(keyOf(e));
    if (!r) return [];
    return [
      {
        programId: e.programId,
        dealerId: e.dealerId,
        period: e.period,
        windowLabel: e.windowLabel,
        windowEnd: e.windowEnd,
        targetTier: e.tierReached + 1 < e.tierCount ? e.tierReached + 1 : -1,
        targetProbability: e.nextProbability,
        tierReached: r.tierReached,
        graceUntil: r.graceUntil,
        isFinal: today > r.graceUntil,
      },
    ];
  });
  const resettled: TierResettle[] = provisional.flatMap((o) => {
    const r = reached.get(keyOf(o));
    return r ? [{ ...o, tierReached: r.tierReached, isFinal: today > r.graceUntil }] : [];
  });
  return deps.db.transaction(async (tx) => {
    const txRepo = createProgramRiskOutcomesRepository(tx);
    return (await txRepo.saveOutcomes(outcomes)) + (await txRepo.resettleOutcomes(resettled));
  });
}
