/**
 * The world the route walks aim at (tests/routes-guarded, row-level-security, fuzz-routes):
 * dealer A's sales, feed key, user, active agreement with a pending amendment, a published
 * program and a forecast cycle with its baseline, so every parameterised route of
 * route-targets.ts reaches a real row of dealer A.
 */
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { activeAgreementForA, DRAFTER } from './agreements';
import { createDealerFeedKey, ingestRows, seedFixtures, USERS } from './fixtures';
import { seedAvailabilityForA } from './availability';
import type { TestApp } from './test-app';

export async function seedRouteTargets(
  t: TestApp,
  options: { rows: Record<string, unknown>[]; userOfA?: string },
) {
  await seedFixtures(t.db);
  await ingestRows(t.services, options.rows);
  const keyA = await createDealerFeedKey(t.services, 'DLR-ALPHA', 'A feed');
  const keyB = await createDealerFeedKey(t.services, 'DLR-BRAVO', 'B feed');
  const userA = await t.db.query<{ id: number }>(`select id from users where email = $1`, [
    options.userOfA ?? USERS.dealerA,
  ]);
  const agreement = await activeAgreementForA(t.services);
  const amended = await t.services.agreements.proposeRevision({
    actor: DRAFTER,
    id: agreement.id,
    data: {
      version: agreement.version,
      lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total: 150, spread: 'even' }],
    },
  });
  await t.services.incentives.createProgram({
    actor: DRAFTER,
    data: {
      code: 'PRG-A',
      name: 'A',
      currency: 'USD',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      measurementPeriod: 'month',
      payoutFrequency: 'month',
      measure: 'units',
      tiers: [{ from: '0', value: '100' }],
      benefit: 'per_unit',
    },
  });
  await t.services.incentives.publishProgram({ actor: DRAFTER, code: 'PRG-A' });
  await t.services.forecasts.createCycle({
    actor: SYSTEM_ACTOR,
    data: { cycleMonth: '2026-04', horizon: 3, historyMonths: 48 },
  });
  await t.services.jobs.settle('forecast-baseline');
  const { runCode } = await seedAvailabilityForA(t.services);
  /** the placeholders of route-targets.ts */
  const ids: Record<string, string> = {
    __USER_A__: String(userA.rows[0]!.id),
    __KEY_A__: String(keyA.id),
    __AGREEMENT_A__: String(agreement.id),
    __REVISION_A__: String(amended.pendingRevision!.id),
    __ALLOCATION_RUN__: runCode,
  };
  return { ids, keyA, keyB };
}

/** What a stream that never ends (server-sent events) sends in its first half second. */
export async function firstMoment(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const stop = setTimeout(() => void reader.cancel(), 500);
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  clearTimeout(stop);
  return text;
}
