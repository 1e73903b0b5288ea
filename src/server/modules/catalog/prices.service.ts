/**
 * A SKU's price history (issue 11, docs/incentives.md "Prices"). Every price is valid from its
 * date until the next one; the engine prices each transaction at the price valid on its
 * occurredOn. Prices are added only forward: a new price is valid from a date after today (the
 * server's date, UTC; the network has no time zone of its own), so what has been priced never
 * changes. A future price may be replaced (post the same validFrom again) until it applies.
 */
import { AppError, notFound } from '../../../shared/errors';
import { checkMinorUnit, formatMinor } from '../../../shared/money';
import type { SkuPriceCreate, SkuPriceList } from '../../../shared/schemas/catalog';
import type { Actor } from '../../auth/actor';
import type { Db, Queryable } from '../../db/db';
import { createPricesRepository } from './prices.repository';

function actorLabel(actor: Actor): string {
  return `${actor.kind === 'user' ? 'user' : 'key'}:${actor.id}:${actor.name}`;
}

function invalid(path: string, code: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${path}: ${message}`, {
    problems: [{ path, code, message }],
  });
}

/** 400 when an MSRP has more decimals than the network currency (JPY "4500000.5"). */
export const checkMsrpDecimals = checkMinorUnit;

export function createSkuPricesService(deps: { db: Db; today: () => string }) {
  const repoOf = (db: Queryable = deps.db) => createPricesRepository(db);

  async function skuId(code: string, db: Queryable = deps.db): Promise<number> {
    const id = await repoOf(db).findSkuId(code);
    if (id === null) throw notFound('SKU', code);
    return id;
  }

  async function findSkuPrices({
    code,
    db = deps.db,
  }: {
    actor: Actor;
    code: string;
    db?: Queryable;
  }): Promise<SkuPriceList> {
    const repo = repoOf(db);
    const id = await skuId(code, db);
    const [rows, currency] = await Promise.all([repo.findPrices(id), repo.findNetworkCurrency()]);
    const today = deps.today();
    const current = rows.filter((r) => r.validFrom <= today).at(-1) ?? rows[0];
    const items = rows.map((r, i) => {
      const next = rows[i + 1];
      return {
        validFrom: r.validFrom,
        validTo: next ? dayBefore(next.validFrom) : null,
        msrp: formatMinor(r.msrp, currency),
        isCurrent: r === current,
        createdBy: r.createdBy,
        createdAt: r.createdAt,
      };
    });
    return {
      sku: code,
      currency,
      today,
      msrp: current ? formatMinor(current.msrp, currency) : '',
      items,
    };
  }

  return {
    findSkuPrices,

    async addSkuPrice({
      actor,
      code,
      data,
    }: {
      actor: Actor;
      code: string;
      data: SkuPriceCreate;
    }): Promise<SkuPriceList> {
      return deps.db.transaction(async (tx) => {
        const repo = repoOf(tx);
        const id = await skuId(code, tx);
        const today = deps.today();
        if (data.validFrom <= today) {
          throw invalid(
            'body.validFrom',
            'not_after_today',
            `prices are added only forward: validFrom must be after today (${today}); past prices are never rewritten`,
          );
        }
        checkMsrpDecimals(data.msrp, await repo.findNetworkCurrency(), 'body.msrp');
        await repo.upsertPrice({
          skuId: id,
          validFrom: data.validFrom,
          msrp: data.msrp,
          by: actorLabel(actor),
          today,
        });
        return findSkuPrices({ actor, code, db: tx });
      });
    },
  };
}

function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export type SkuPricesService = ReturnType<typeof createSkuPricesService>;
