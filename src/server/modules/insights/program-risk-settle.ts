/**
 * The settling of ended tier windows (issue 14 §1, program_tier_outcomes): before the refresh
 * replaces a program's risks with the next window's, the window that ended gets its outcome.
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
import { createProgramRiskRepository, type TierOutcome } from './program-risk.repository';

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

/**
 * Settles the risks (of these dealers, or all) whose window has ended, before the refresh
 * replaces them with the next window's or prunes them: the engine's statement of the ended
 * period (as of its cutoff, or today when the cutoff is still ahead: later reports do not
 * count) gives the tier reached; kept in program_tier_outcomes, it settles the window's
 * incentive_tier interventions. Returns the interventions settled.
 */
export async function settleEnded(
  deps: { db: Db; progressInputs: ProgressInputs },
  ctx: Ctx,
  today: string,
  dealerIds: number[] | null,
): Promise<number> {
  const { progressInputs } = deps;
  const repo = createProgramRiskRepository(deps.db);
  const ended = await repo.endedRisks(today, dealerIds);
  if (ended.length === 0) return 0;
  const programs = createProgramsRepository(deps.db);
  const ids = new Set(ended.map((e) => e.programId));
  const rows = (await programs.findPrograms()).filter((r) => ids.has(r.id));
  const versions = await programs.findVersions(rows.map((r) => r.id));
  const network = await createIncentivesContextRepository(deps.db).findDealers({
    kind: 'network',
  });
  const dealerById = new Map(network.map((d) => [d.id, d]));
  const outcomes: TierOutcome[] = [];
  for (const row of rows) {
    const published = versions.filter((v) => v.programId === row.id && v.status === 'published');
    if (published.length === 0) continue;
    const p = { row, versions: published };
    const mine = ended.filter((e) => e.programId === row.id);
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
        const inputs = await progressInputs(p, version, dealers, ctx, settlement.period);
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
          outcomes.push({
            programId: row.id,
            dealerId: e.dealerId,
            period,
            windowLabel: e.windowLabel,
            windowEnd: e.windowEnd,
            targetTier: e.tierReached + 1 < e.tierCount ? e.tierReached + 1 : -1,
            targetProbability: e.nextProbability,
            tierReached:
              final === null ? -1 : tiers.findIndex((t) => new Dec(t.fromText).eq(final)),
          });
        }
      }
    }
  }
  return deps.db.transaction((tx) => createProgramRiskRepository(tx).saveOutcomes(outcomes));
}
