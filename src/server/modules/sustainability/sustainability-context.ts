/**
 * What the sustainability services share (issue 17): the repositories (the reader's and the
 * system's, since the premium is the whole fleet's), the current regulation of a market and the
 * OEM-only guard.
 */
import { AppError, notFound } from '../../../shared/errors';
import {
  regulationDocumentSchema,
  type EuFleetRegulation,
  type Regulation,
  type RegulationDocument,
} from '../../../shared/schemas/sustainability';
import type { Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { systemDb } from '../../db/scope';
import type { NetworkService } from '../network/network.service';
import type { YearSums } from './fleet-co2';
import {
  createSustainabilityRepository,
  type LineYearSums,
  type MarketFilter,
} from './sustainability.repository';

export type SustainabilityDeps = {
  db: Db;
  network: NetworkService;
  today: () => string;
};

export function marketFilterOf(doc: RegulationDocument): MarketFilter {
  return doc.kind === 'eu_fleet_co2'
    ? { countries: doc.countries }
    : { countries: ['US'], states: doc.states.map((s) => s.state) };
}

export function isoYear(date: string): number {
  return Number(date.slice(0, 4));
}

/** Sums of the window's years (actuals), by year. */
export function byYear(rows: LineYearSums[], years: number[]): YearSums[] {
  return years.map((year) => {
    const r = rows.filter((x) => x.year === year);
    return {
      year,
      units: r.reduce((a, x) => a + x.units, 0),
      sumCo2: r.reduce((a, x) => a + x.sumCo2, 0),
      sumMassKg: r.reduce((a, x) => a + x.sumMassKg, 0),
    };
  });
}

export function createSustainabilityContext(deps: SustainabilityDeps) {
  const repo = createSustainabilityRepository(deps.db);
  /** Network-wide aggregates (the premium is the whole fleet's). */
  const system = createSustainabilityRepository(systemDb(deps.db));

  function current(rows: Awaited<ReturnType<typeof repo.findRegulations>>, today: string) {
    return rows.find((r) => r.effectiveFrom <= today) ?? rows[rows.length - 1];
  }

  function toRegulation(
    r: Awaited<ReturnType<typeof repo.findRegulations>>[number],
    isCurrent: boolean,
  ): Regulation {
    return { ...r, isCurrent, document: regulationDocumentSchema.parse(r.document) };
  }

  async function regulationOf(market: string) {
    const rows = await repo.findRegulations(market);
    const r = current(rows, deps.today());
    if (!r) throw notFound('Regulation', market);
    return toRegulation(r, true);
  }

  async function euRegulation(market: string): Promise<EuFleetRegulation> {
    const reg = await regulationOf(market);
    if (reg.document.kind !== 'eu_fleet_co2')
      throw new AppError('BAD_REQUEST', `Market ${market} is not a fleet CO2 market`, {
        problems: [
          { path: 'querystring.market', code: 'not_fleet_market', message: 'a US ZEV market' },
        ],
      });
    return reg.document;
  }

  function requireOem(actor: Actor) {
    if (actor.scope.kind === 'dealers')
      throw new AppError(
        'FORBIDDEN',
        'The fleet view is the OEM’s; a dealer sees its own dashboard',
      );
  }

  return { deps, repo, system, current, toRegulation, regulationOf, euRegulation, requireOem };
}

export type SustainabilityContext = ReturnType<typeof createSustainabilityContext>;
