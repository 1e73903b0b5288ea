/**
 * High performers and the value of interventions (issue 14 §2–3): the ranking of the dealers in
 * scope (OEM roles), one dealer's decomposition against its peers (the dealer itself may read
 * its own), as JSON or CSV, and the comparison of dealers with interventions with comparable
 * dealers without. Pure parts in performance.ts, SQL in performance.repository.ts.
 */
import { AppError, notFound } from '../../../shared/errors';
import type {
  DealerDecomposition,
  InterventionValue,
  PerformanceRecord,
} from '../../../shared/schemas/insights-performance';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { runAsSystem } from '../../db/scope';
import { exportRow } from '../../http/csv-export';
import type { MarketService } from '../market/market.service';
import { createPerformanceRepository } from './performance.repository';
import {
  distinguish,
  interventionValue,
  tierInterventionValue,
  median,
  rankDealers,
  sizeBands,
  type DealerPerformance,
} from './performance';

/** Scopes whose value of interventions is kept (the network and the regions: a few). */
const VALUE_CACHE_SCOPES = 200;

function requireOem(actor: Actor) {
  if (actor.scope.kind === 'dealers')
    throw new AppError('FORBIDDEN', 'Comparisons across dealers are for OEM roles');
}

export function createPerformanceService(deps: {
  db: Db;
  market: MarketService;
  today: () => string;
}) {
  /** The value of interventions per scope (JSON), with the version it was computed at. */
  const valueCache = new Map<string, { version: string; value: Promise<InterventionValue> }>();
  /** The ranking of every dealer in the actor's scope (as the system: percentiles over them). */
  async function ranked(actor: Actor, from?: string, to?: string) {
    const eff = await deps.market.getEffectiveness({
      actor,
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
    });
    const rows = await runAsSystem(() =>
      createPerformanceRepository(deps.db).features(actor.scope, {
        from: eff.from,
        to: eff.to,
        today: deps.today(),
      }),
    );
    const dealers = rankDealers(
      rows,
      new Map(eff.items.map((i) => [i.dealerCode, i.effectiveness])),
    );
    return { eff, dealers };
  }

  return {
    async getHighPerformers({
      actor,
      from,
      to,
    }: {
      actor: Actor;
      from?: string;
      to?: string;
    }): Promise<PerformanceRecord> {
      requirePermission(actor, 'agreements:read');
      requireOem(actor);
      const { eff, dealers } = await ranked(actor, from, to);
      return { from: eff.from, to: eff.to, dealers, distinctions: distinguish(dealers) };
    },

    /**
     * One dealer against its peers: the dealer's region (OEM readers: the dealers of that region
     * in their scope; the dealer itself: its region's medians, read as the system).
     */
    async getDecomposition({
      actor,
      dealerCode,
      from,
      to,
    }: {
      actor: Actor;
      dealerCode: string;
      from?: string;
      to?: string;
    }): Promise<DealerDecomposition> {
      requirePermission(actor, 'agreements:read');
      const own = await deps.market.getEffectiveness({
        actor,
        dealer: dealerCode,
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
      });
      const mine = own.items[0];
      // An inactive dealer has no figures to decompose.
      if (!mine) throw notFound('Dealer', dealerCode);
      // Peers: the dealer's region, ranked as the system (only medians leave this function).
      const region = await deps.db.query<{ id: number; path: string }>(
        `select g.id, g.path from regions g where g.code = $1`,
        [mine.regionCode],
      );
      const regionActor: Actor = {
        ...actor,
        scope: {
          kind: 'region',
          regionId: region.rows[0]!.id,
          regionCode: mine.regionCode,
          path: region.rows[0]!.path,
        },
      };
      const { dealers } = await ranked(regionActor, own.from, own.to);
      const dealer = dealers.find((d) => d.dealerCode === mine.dealerCode);
      if (!dealer) throw notFound('Dealer', dealerCode);
      const peers = dealers.filter((d) => d.dealerCode !== mine.dealerCode);
      const med = (pick: (d: DealerPerformance) => number | string | null) => {
        const m = median(
          peers
            .map((d) => pick(d))
            .filter((v): v is number | string => v !== null)
            .map(Number),
        );
        return m === null ? null : Math.round(m * 1000) / 1000;
      };
      return {
        from: own.from,
        to: own.to,
        dealer,
        peers: {
          dealers: peers.length,
          effectiveness: med((d) => d.effectiveness),
          attainment: med((d) => d.attainment),
          probability: med((d) => d.probability),
          revenuePerUnit: med((d) => d.features.revenuePerUnit),
          pace: med((d) => d.features.pace),
          evShare: med((d) => d.features.evShare),
          incentivePerUnit: med((d) => d.features.incentivePerUnit),
        },
        segments: mine.segments,
      };
    },

    /** The decomposition as CSV: one row per figure, with the peers' median beside it. */
    decompositionCsv(d: DealerDecomposition): string {
      const lines = [exportRow(['section', 'item', 'value', 'peer_median', 'detail'])];
      const f = d.dealer.features;
      const figures: [string, string, string | number | null, number | null, string][] = [
        ['rank', 'score', d.dealer.score, null, `rank ${d.dealer.rank ?? '-'}`],
        [
          'rank',
          'effectiveness',
          d.dealer.effectiveness,
          d.peers.effectiveness,
          'sales ÷ expected',
        ],
        [
          'rank',
          'attainment',
          d.dealer.attainment,
          d.peers.attainment,
          'actual ÷ plan, complete periods',
        ],
        [
          'rank',
          'probability',
          d.dealer.probability,
          d.peers.probability,
          'of reaching its commitments',
        ],
        ['feature', 'revenue_per_unit', f.revenuePerUnit, d.peers.revenuePerUnit, 'mix'],
        ['feature', 'pace', f.pace, d.peers.pace, 'units vs prior 12 months − 1'],
        ['feature', 'ev_share', f.evShare, d.peers.evShare, 'BEV + PHEV'],
        [
          'feature',
          'incentive_per_unit',
          f.incentivePerUnit,
          d.peers.incentivePerUnit,
          'earned per unit',
        ],
      ];
      for (const row of figures) lines.push(exportRow(row));
      for (const s of d.segments)
        lines.push(
          exportRow([
            'segment',
            s.segment,
            s.expected,
            null,
            `sales ${s.sales}; market ${s.market}; region share ${s.regionShare ?? '-'} (${s.regionSales} of ${s.regionMarket})`,
          ]),
        );
      return `${lines.join('\n')}\n`;
    },

    /**
     * The value of interventions in the actor's scope. Its significance (thousands of
     * permutations and bootstrap draws) and its reads are computed once per scope and day, and
     * again when the interventions change (any process: their count and latest id) or the
     * network's risks are refreshed (the nightly run, `insight_refreshes`); requests meanwhile
     * share the result (concurrent ones the same computation).
     */
    async getInterventionValue({ actor }: { actor: Actor }): Promise<InterventionValue> {
      requirePermission(actor, 'agreements:read');
      requireOem(actor);
      const repo = createPerformanceRepository(deps.db);
      const today = deps.today();
      const version = `${today}|${await runAsSystem(() => repo.interventionValueVersion())}`;
      const key = JSON.stringify(actor.scope);
      const cached = valueCache.get(key);
      if (cached && cached.version === version) return cached.value;
      const value = (async () => {
        const [ended, windows, units] = await Promise.all([
          repo.endedAgreements(actor.scope, today),
          repo.endedTierWindows(actor.scope),
          runAsSystem(() => repo.annualUnits(today.slice(0, 7))),
        ]);
        const bands = sizeBands(units);
        return {
          ...interventionValue(ended, bands),
          programTiers: tierInterventionValue(windows, bands),
        };
      })();
      if (valueCache.size >= VALUE_CACHE_SCOPES) valueCache.clear();
      valueCache.set(key, { version, value });
      // a failure is not kept: the next request computes again
      value.catch(() => {
        if (valueCache.get(key)?.value === value) valueCache.delete(key);
      });
      return value;
    },
  };
}

export type PerformanceService = ReturnType<typeof createPerformanceService>;
