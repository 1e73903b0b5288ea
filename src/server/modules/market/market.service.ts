/**
 * The market (issue 14 §3): the all-brand registrations feed by area × segment × month (JSON,
 * NDJSON or CSV; all or nothing; idempotent: a key sent again with the same units changes
 * nothing, with other units replaces them; problems located by row and field), dealers' areas of
 * responsibility, and sales effectiveness. Market data is reference data written by the network
 * (a dealer-scoped key may not send it); a dealer reads only its own areas' market and its own
 * effectiveness.
 */
import type { Readable } from 'node:stream';
import { createProblemList, forEachValidRecord } from '../../http/streamed-records';
import { AppError, notFound } from '../../../shared/errors';
import { addMonths } from '../../../shared/months';
import {
  MARKET_COLUMNS,
  OPTIONAL_MARKET_COLUMNS,
  type Effectiveness,
} from '../../../shared/schemas/market';
import { requirePermission, type Actor } from '../../auth/actor';
import type { Db } from '../../db/db';
import { runAsSystem } from '../../db/scope';
import type { IngestFormat, RawRecord } from '../transactions/ingest-parsers';
import { computeEffectiveness } from './effectiveness';
import { validateMarketRow } from './market-row';
import { createMarketRepository, type MarketWrite } from './market.repository';

const CHUNK = 5000;

export function createMarketService(deps: { db: Db; today: () => string }) {
  const repo = () => createMarketRepository(deps.db);

  /** The dealer in the actor's scope (404 otherwise: its existence is not revealed). */
  async function dealerOf(actor: Actor, code: string) {
    const d = await repo().dealerInScope(actor.scope, code);
    if (!d) throw notFound('Dealer', code);
    return d;
  }

  return {
    async ingest({
      actor,
      format,
      body,
      byteLimit,
      source,
    }: {
      actor: Actor;
      format: IngestFormat;
      body: Readable | AsyncIterable<RawRecord>;
      byteLimit: number;
      source?: string;
    }) {
      requirePermission(actor, 'market:write');
      if (actor.scope.kind !== 'network')
        throw new AppError(
          'FORBIDDEN',
          'The market feed is the network’s: send it with a network key',
        );
      const problems = createProblemList();
      const add = problems.add;
      const rows: MarketWrite[] = [];
      const seen = new Map<string, { row: number; units: number }>();
      const received = await forEachValidRecord({
        format,
        body,
        byteLimit,
        columns: { all: MARKET_COLUMNS, optional: OPTIONAL_MARKET_COLUMNS },
        problems,
        validate: validateMarketRow,
        onRow: (row, rowNumber) => {
          const record = { row: rowNumber };
          const key = `${row.area}\u0000${row.segment}\u0000${row.month}`;
          const earlier = seen.get(key);
          if (earlier) {
            if (earlier.units !== row.units)
              add({
                row: record.row,
                field: 'units',
                code: 'conflicting_duplicate',
                message: `row ${earlier.row} has the same area, segment and month with ${earlier.units} units`,
              });
            return;
          }
          seen.set(key, { row: record.row, units: row.units });
          if (problems.count === 0) rows.push(row);
        },
      });
      if (problems.count > 0) throw problems.rejection();
      if (received === 0)
        throw new AppError('VALIDATION_FAILED', 'The batch has no rows', {
          problems: [{ path: 'body', code: 'empty', message: 'the batch has no rows' }],
        });
      let areas = 0;
      let changed = 0;
      await deps.db.transaction(async (tx) => {
        const r = createMarketRepository(tx);
        for (let i = 0; i < rows.length; i += CHUNK) {
          const result = await r.upsert(rows.slice(i, i + CHUNK), source ?? 'api');
          areas += result.areas;
          changed += result.changed;
        }
      });
      return { received, areas, changed, unchanged: rows.length - changed };
    },

    async findRegistrations({
      actor,
      filter,
    }: {
      actor: Actor;
      filter: {
        area?: string;
        segment?: string;
        from?: string;
        to?: string;
        dealer?: string;
        limit: number;
      };
    }) {
      requirePermission(actor, 'network:read');
      let dealerIds: number[] | undefined;
      if (filter.dealer) dealerIds = [(await dealerOf(actor, filter.dealer)).id];
      // A dealer (or group) sees the market of its own areas only.
      if (actor.scope.kind === 'dealers') {
        const own = actor.scope.dealerIds;
        dealerIds = dealerIds ? dealerIds.filter((id) => own.includes(id)) : [...own];
      }
      return repo().registrations({ ...filter, ...(dealerIds ? { dealerIds } : {}) });
    },

    async getDealerAreas({ actor, dealerCode }: { actor: Actor; dealerCode: string }) {
      requirePermission(actor, 'network:read');
      const d = await dealerOf(actor, dealerCode);
      return { dealerCode: d.code, areas: await repo().dealerAreas(d.id) };
    },

    async setDealerAreas({
      actor,
      dealerCode,
      areas,
    }: {
      actor: Actor;
      dealerCode: string;
      areas: string[];
    }) {
      requirePermission(actor, 'network:write');
      const d = await dealerOf(actor, dealerCode);
      const codes = [...new Set(areas)];
      const known = await repo().knownAreas(codes);
      const problems = areas
        .map((code, i) => ({ code, i }))
        .filter(({ code }) => !known.has(code))
        .map(({ code, i }) => ({
          path: `body.areas.${i}`,
          code: 'unknown_area',
          message: `area ${code} is not in the market feed`,
        }));
      if (problems.length > 0)
        throw new AppError('VALIDATION_FAILED', problems[0]!.message, { problems });
      await deps.db.transaction((tx) => createMarketRepository(tx).replaceDealerAreas(d.id, codes));
      return { dealerCode: d.code, areas: await repo().dealerAreas(d.id) };
    },

    /**
     * Sales effectiveness of the dealers in scope (or one), over `from`–`to` (default: the 12
     * months ending with the latest month of the market feed).
     */
    async getEffectiveness({
      actor,
      from,
      to,
      dealer,
    }: {
      actor: Actor;
      from?: string;
      to?: string;
      dealer?: string;
    }): Promise<Effectiveness> {
      requirePermission(actor, 'network:read');
      const d = dealer ? await dealerOf(actor, dealer) : null;
      const end = to ?? (await repo().latestMonth()) ?? addMonths(deps.today().slice(0, 7), -1);
      const start = from ?? addMonths(end, -11);
      if (start > end)
        throw new AppError('VALIDATION_FAILED', 'querystring.from: after to', {
          problems: [
            { path: 'querystring.from', code: 'invalid_range', message: 'from is after to' },
          ],
        });
      // As the system: the region's share sums other dealers' sales; the rows are the scope's.
      const rows = await runAsSystem(() => repo().effectiveness(actor.scope, start, end, d?.id));
      // Read as the system: a dealer scope is cut again here (its own rows only).
      const scope = actor.scope;
      const own =
        scope.kind === 'dealers' ? rows.filter((r) => scope.dealerIds.includes(r.dealerId)) : rows;
      return { from: start, to: end, items: computeEffectiveness(own) };
    },
  };
}

export type MarketService = ReturnType<typeof createMarketService>;
