/**
 * Shared set-ups of the insights tests: an Aura sales history, the H1 Aura tier program and an
 * approved Aura agreement.
 */
import { PASSWORD, txRow, USERS } from './fixtures';
import type { Queryable } from '../../src/server/db/db';
import { json, login, type Client } from './test-app';

/** A units program over January–June 2026 on the Aura line: tiers at 20, 55 and 90 units. */
export const H1_AURA_PROGRAM = {
  code: 'H1-AURA',
  name: 'Aura first half',
  currency: 'USD',
  startDate: '2026-01-01',
  endDate: '2026-06-30',
  measurementPeriod: 'program',
  payoutFrequency: 'program',
  measure: 'units',
  qualifying: { modelLines: ['ML-AURA'] },
  tiers: [
    { from: '20', value: '100.00' },
    { from: '55', value: '150.00' },
    { from: '90', value: '200.00' },
  ],
  benefit: 'per_unit',
};

/** Aura units of month m (0 = 2024-01): 8 … 12, varying (so the forecast has errors). */
export const auraPerMonth = (m: number) => 10 + ((m * 7) % 5) - 2;

/**
 * Feed rows month by month from 2024-01 (`months` months): `of(month, m)` gives month m's rows
 * ('YYYY-MM', m = 0 for 2024-01), `times(n, row)` n rows of a month.
 */
export function monthlyRows<R>(months: number, of: (month: string, m: number) => R[]): R[] {
  const rows: R[] = [];
  for (let m = 0; m < months; m += 1)
    rows.push(...of(`${2024 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`, m));
  return rows;
}

export const times = <R>(n: number, row: (i: number) => R): R[] =>
  Array.from({ length: Math.max(0, n) }, (_, i) => row(i));

/** A dealer's Aura sales of the first `months` months from 2024-01 (27: 2024-01 … 2026-03). */
export function auraHistory(dealerCode: string, prefix: string, months = 27) {
  return monthlyRows(months, (month, m) =>
    times(auraPerMonth(m), (i) =>
      txRow({
        dealerCode,
        occurredOn: `${month}-${String(i + 1).padStart(2, '0')}`,
        externalId: `${prefix}-${m}-${i}`,
      }),
    ),
  );
}

type Agreement = { id: number; code: string; version: number };

/** A 2026 agreement on Aura (`total` units) drafted, accepted by the dealer and approved. */
export async function approvedAuraAgreement(
  who: { channel: Client; admin: Client; dealer: Client },
  dealerCode: string,
  total: number,
): Promise<Agreement> {
  const move = async (c: Client, a: Agreement, transition: string) =>
    json<Agreement>(
      await c.send('POST', `/api/v1/agreements/${a.id}/${transition}`, { version: a.version }),
      200,
    );
  const draft = await json<Agreement>(
    await who.channel.send('POST', '/api/v1/agreements', {
      dealerCode,
      startMonth: '2026-01',
      months: 12,
      lines: [{ target: { kind: 'model_line', code: 'ML-AURA' }, total }],
    }),
    201,
  );
  const accepted = await move(who.dealer, await move(who.channel, draft, 'propose'), 'accept');
  return move(who.admin, accepted, 'approve');
}

/** The fixtures' users, logged in (in the order asked). */
export function loginAll<const K extends readonly (keyof typeof USERS)[]>(
  url: string,
  users: K,
): Promise<{ [I in keyof K]: Client }> {
  return Promise.all(users.map((u) => login(url, USERS[u], PASSWORD))) as Promise<{
    [I in keyof K]: Client;
  }>;
}

/**
 * A table's write counters (dead rows, updates, HOT updates, inserts, deletes) from
 * pg_stat_user_tables, flushed first where the engine can: the bloat tests' measure.
 */
export async function tableWriteStats(db: Queryable, table: string) {
  await db.query(`select pg_stat_force_next_flush()`).catch(() => undefined);
  const { rows } = await db.query<Record<string, number>>(
    `select n_dead_tup::int as dead, n_tup_upd::int as updated, n_tup_hot_upd::int as hot,
       n_tup_ins::int as inserted, n_tup_del::int as deleted
     from pg_stat_user_tables where relname = $1`,
    [table],
  );
  return rows[0];
}
