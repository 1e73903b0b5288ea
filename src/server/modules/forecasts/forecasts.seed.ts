/**
 * The demo network's forecast cycles: one cycle of the current month in its adjustment window
 * (with a few dealer adjustments and one override for the regional review), and one earlier cycle,
 * six months back, adjusted, reviewed, locked and published, whose first months now have actuals,
 * so the accuracy dashboard has something to show.
 *
 * The baselines are real (the same job as `POST /forecasts/cycles`); the dealer adjustments and the
 * region's overrides are simulated: a deterministic sample of dealers adjusts its biggest lines, and
 * in the earlier cycle a dealer's adjustment moves part of the way towards what then happened, with
 * noise (dealers know their market a little better than the statistics, not perfectly).
 */
import { mulberry32 as random } from '../../../shared/math';
import { addMonths, monthIndex } from '../../../shared/months';
import type { AdjustReason } from '../../../shared/schemas/forecasts';
import { SYSTEM_ACTOR, type Actor } from '../../auth/actor';
import type { Services } from '../../services';
import { BASELINE_JOB_KIND } from './forecasts.service';

export type SeedForecastsResult = { openCycleId: number | null; lockedCycleId: number | null };

type DemoPeople = {
  dealer: { code: string; actor: Actor } | null;
  region: { code: string; actor: Actor } | null;
  channel: Actor;
};

async function demoPeople(services: Services): Promise<DemoPeople> {
  const { rows } = await services.db.query<{
    id: number;
    email: string;
    name: string;
    dealerId: number | null;
    dealerCode: string | null;
    regionId: number | null;
    regionCode: string | null;
    regionPath: string | null;
  }>(
    `select u.id, u.email, u.name, d.id as "dealerId", d.code as "dealerCode", r.id as "regionId", r.code as "regionCode",
            r.path as "regionPath"
     from users u left join dealers d on d.id = u.dealer_id left join regions r on r.id = u.region_id
     where u.email in ('dealer@forecourt.test', 'region@forecourt.test', 'channel@forecourt.test')`,
  );
  const by = new Map(rows.map((r) => [r.email, r]));
  const d = by.get('dealer@forecourt.test');
  const r = by.get('region@forecourt.test');
  const c = by.get('channel@forecourt.test');
  const user = (id: number, name: string, role: Actor['role'], scope: Actor['scope']): Actor => ({
    kind: 'user',
    id,
    name,
    role,
    scope,
    csrfToken: null,
  });
  return {
    dealer:
      d?.dealerId && d.dealerCode
        ? {
            code: d.dealerCode,
            actor: user(d.id, d.name, 'dealer_principal', {
              kind: 'dealers',
              dealerIds: [d.dealerId],
              dealerCodes: [d.dealerCode],
              label: d.dealerCode,
            }),
          }
        : null,
    region:
      r?.regionId && r.regionCode && r.regionPath
        ? {
            code: r.regionCode,
            actor: user(r.id, r.name, 'regional_manager', {
              kind: 'region',
              regionId: r.regionId,
              regionCode: r.regionCode,
              path: r.regionPath,
            }),
          }
        : null,
    channel: c ? user(c.id, c.name, 'channel_manager', { kind: 'network' }) : SYSTEM_ACTOR,
  };
}

/** Active dealers, those of the demo region first, then a deterministic spread. */
async function activeDealers(services: Services, regionCode: string | null) {
  const { rows } = await services.db.query<{ code: string; name: string; inRegion: boolean }>(
    `select d.code, d.name, coalesce(strpos(r.path, '/' || $1 || '/') > 0, false) as "inRegion"
     from dealers d join regions r on r.id = d.region_id where d.status = 'active' order by d.code`,
    [regionCode ?? ''],
  );
  return rows;
}

async function openCycle(
  services: Services,
  actor: Actor,
  data: { cycleMonth: string; adjustUntil: string },
): Promise<number | null> {
  const cycle = await services.forecasts.createCycle({
    actor,
    data: { ...data, horizon: 12, historyMonths: 48 },
  });
  await services.jobs.settle(BASELINE_JOB_KIND);
  const done = await services.forecasts.getCycle({ actor, id: cycle.id });
  return done.status === 'adjusting' ? cycle.id : null;
}

type Adjustment = { modelLine: string; month: string; value: number; reason: AdjustReason };

/**
 * A dealer's adjustments of its biggest lines in the first months. `towardsActual` (0–1) moves
 * the value that share of the way to the actual where one is known.
 */
async function adjustDealer(
  services: Services,
  input: {
    cycleId: number;
    dealerCode: string;
    actor: Actor;
    rand: () => number;
    lines: number;
    months: number;
    towardsActual: number;
  },
): Promise<Adjustment[]> {
  const grid = await services.forecasts.getDealerGrid({
    actor: input.actor,
    id: input.cycleId,
    dealerCode: input.dealerCode,
  });
  const biggest = [...grid.lines]
    .sort((a, b) => b.history.reduce((s, v) => s + v, 0) - a.history.reduce((s, v) => s + v, 0))
    .filter((l) => l.history.some((v) => v > 0))
    .slice(0, input.lines);
  const cells: Adjustment[] = [];
  for (const line of biggest) {
    for (const cell of line.cells.slice(0, input.months)) {
      const { rand } = input;
      let target: number;
      let reason: AdjustReason;
      if (cell.actual !== null && input.towardsActual > 0) {
        const noise = (rand() - 0.5) * Math.max(1, cell.baseline * 0.3);
        target = cell.baseline + input.towardsActual * (cell.actual - cell.baseline) + noise;
        reason = target >= cell.baseline ? 'local_demand' : 'competitor';
      } else {
        const pick = rand();
        const factor = pick < 0.45 ? 1.2 + rand() * 0.3 : pick < 0.75 ? 0.7 + rand() * 0.2 : 1.1;
        target = cell.baseline * factor + (pick < 0.45 ? 1 : 0);
        reason =
          pick < 0.25
            ? 'fleet_deal'
            : pick < 0.45
              ? 'local_demand'
              : pick < 0.75
                ? 'supply'
                : line.modelLine.powertrains.includes('BEV')
                  ? 'ev_adoption'
                  : 'competitor';
      }
      const value = Math.max(0, Math.round(target));
      if (value === Math.round(cell.consensus)) continue;
      cells.push({ modelLine: line.modelLine.code, month: cell.month, value, reason });
    }
  }
  if (cells.length > 0)
    await services.forecasts.adjustCells({
      actor: input.actor,
      id: input.cycleId,
      dealerCode: input.dealerCode,
      data: {
        cells: cells.map((c) => ({
          ...c,
          comment:
            c.reason === 'fleet_deal'
              ? 'Fleet tender with a local employer'
              : c.reason === 'supply'
                ? 'Allocation short for this line'
                : undefined,
        })),
      },
    });
  return cells;
}

/** The region overrides one cell of a dealer's (its line and month) with its own value. */
async function overrideCell(
  services: Services,
  actor: Actor,
  cycleId: number,
  dealerCode: string,
  cell: { modelLine: string; month: string; value: number; reason: string },
) {
  const { modelLine, month, value, reason } = cell;
  await services.forecasts.overrideCells({
    actor,
    id: cycleId,
    dealerCode,
    data: { cells: [{ modelLine, month, value, reason }] },
  });
}

/**
 * Opens the demo cycles and waits for their baselines (about 10–20 s each for the default demo
 * network). The current month's cycle first, so it shows up (with its job's progress) at once.
 */
export async function seedForecasts(services: Services): Promise<SeedForecastsResult> {
  const today = services.today();
  const current = today.slice(0, 7);
  const people = await demoPeople(services);
  const { rows: range } = await services.db.query<{ first: string | null; last: string | null }>(
    `select to_char(min(month), 'YYYY-MM') as first, to_char(max(month), 'YYYY-MM') as last
     from monthly_actuals where kind = 'retail_delivery'`,
  );
  const first = range[0]?.first ?? null;
  const last = range[0]?.last ?? null;
  if (!first || !last) return { openCycleId: null, lockedCycleId: null };
  const dealers = await activeDealers(services, people.region?.code ?? null);
  const rand = random(20261);
  // Dealers without a demo login adjust as "<dealer> sales" (the edit history names them).
  const salesOf = (d: { name: string }): Actor => ({
    ...SYSTEM_ACTOR,
    role: 'dealer_sales',
    name: `${d.name} sales`,
  });
  const windowEnd = new Date(`${today}T00:00:00Z`);
  windowEnd.setUTCDate(windowEnd.getUTCDate() + 30);

  // 1. This month's cycle, in its adjustment window.
  const openCycleId = await openCycle(services, people.channel, {
    cycleMonth: current,
    adjustUntil: windowEnd.toISOString().slice(0, 10),
  });
  if (openCycleId !== null) {
    const inRegion = dealers.filter((d) => d.inRegion && d.code !== people.dealer?.code);
    const adjusting = [
      ...(people.dealer ? [{ code: people.dealer.code, actor: people.dealer.actor }] : []),
      ...inRegion.slice(0, 4).map((d) => ({ code: d.code, actor: salesOf(d) })),
    ];
    for (const [i, d] of adjusting.entries()) {
      const cells = await adjustDealer(services, {
        cycleId: openCycleId,
        dealerCode: d.code,
        actor: d.actor,
        rand,
        lines: i === 0 ? 2 : 3,
        months: 3,
        towardsActual: 0,
      });
      // The region overrides one adjustment of the second dealer and accepts the third's.
      const reviewer = people.region?.actor ?? people.channel;
      if (i === 1 && cells[0])
        await overrideCell(services, reviewer, openCycleId, d.code, {
          ...cells[0],
          value: Math.max(0, Math.round(cells[0].value * 0.7) - 1),
          reason: 'Regional allocation for this line is capped this quarter',
        });
      if (i === 2 && cells.length > 0)
        await services.forecasts.acceptCells({
          actor: reviewer,
          id: openCycleId,
          dealerCode: d.code,
          data: { comment: 'Matches the order bank' },
        });
    }
  }

  // 2. A cycle six months back, adjusted, reviewed and locked; its months up to now have actuals.
  let lockedCycleId: number | null = null;
  const earlier = addMonths(current, -6);
  if (monthIndex(earlier) - monthIndex(first) >= 12 && earlier <= last) {
    lockedCycleId = await openCycle(services, people.channel, {
      cycleMonth: earlier,
      adjustUntil: today,
    });
    if (lockedCycleId !== null) {
      // About a third of the dealers adjust; their adjustments move part of the way to what
      // happened. The region overrides a few cells, half the way back to the baseline.
      const sample = dealers.filter(() => rand() < 0.35);
      for (const d of sample) {
        const cells = await adjustDealer(services, {
          cycleId: lockedCycleId,
          dealerCode: d.code,
          actor: salesOf(d),
          rand,
          lines: 3,
          months: 6,
          towardsActual: 0.35 + rand() * 0.3,
        });
        const pick = rand();
        if (cells.length > 0 && pick < 0.5)
          await services.forecasts.acceptCells({
            actor: people.region?.actor && d.inRegion ? people.region.actor : people.channel,
            id: lockedCycleId,
            dealerCode: d.code,
            data: {},
          });
        else if (cells[0] && pick < 0.7) {
          // The region pulls one adjustment half way back towards its own view (the baseline).
          const grid = await services.forecasts.getDealerGrid({
            actor: people.channel,
            id: lockedCycleId,
            dealerCode: d.code,
          });
          const cell = grid.lines
            .find((l) => l.modelLine.code === cells[0]!.modelLine)
            ?.cells.find((c) => c.month === cells[0]!.month);
          if (cell)
            await overrideCell(
              services,
              people.region?.actor && d.inRegion ? people.region.actor : people.channel,
              lockedCycleId,
              d.code,
              {
                ...cells[0],
                value: Math.max(0, Math.round((cells[0].value + cell.baseline) / 2)),
                reason: 'Regional view: the order bank does not support the full change',
              },
            );
        }
      }
      await services.forecasts.transition({
        actor: people.channel,
        id: lockedCycleId,
        transition: 'lock',
      });
      await services.forecasts.transition({
        actor: people.channel,
        id: lockedCycleId,
        transition: 'publish',
      });
    }
  }
  return { openCycleId, lockedCycleId };
}

/**
 * Starts `seedForecasts` in the background once the server has had a moment to start listening
 * (the baselines take longer than the rest of the demo seed). Errors are reported, not thrown.
 */
export function seedForecastsInBackground(
  services: Services,
  options: { delayMs?: number; onError?: (error: unknown) => void } = {},
): void {
  const timer = setTimeout(() => {
    seedForecasts(services).catch(
      options.onError ??
        ((error: unknown) =>
          process.stderr.write(
            `demo forecast cycles were not created: ${(error as Error).message}\n`,
          )),
    );
  }, options.delayMs ?? 3000);
  // A CLI that seeds and exits does not wait for it.
  timer.unref();
}
