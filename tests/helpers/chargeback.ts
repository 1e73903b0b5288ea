/**
 * Setup shared by the chargeback and settlement tests (insights-chargeback*, chargeback-then-unwind,
 * recalculation-route, bulk-settlement): the app with the fixtures, the users signed in, rows
 * stored as received the day after they happened, a monthly per-unit program over 2026, and a
 * period settled (closed, then each dealer's statement approved).
 */
import { ingestRows, PASSWORD, seedFixtures, USERS } from './fixtures';
import { json, login, startTestApp, type Client, type Engine, type TestApp } from './test-app';

/** A VIN tagged for the test reading it: `1TAG000…` and a five-digit number. */
export const taggedVin = (tag: string, n: number) =>
  `1${tag}`.padEnd(12, '0') + String(n).padStart(5, '0');

/** The app on `engine` with `today` and the fixtures seeded. */
export async function startWithFixtures(engine: Engine, today: string): Promise<TestApp> {
  const t = await startTestApp(engine, {}, { today });
  await seedFixtures(t.db);
  return t;
}

/** Signs the fixtures' users in at once, in the order given. */
export function signIn<const U extends readonly (keyof typeof USERS)[]>(
  t: TestApp,
  ...users: U
): Promise<{ [K in keyof U]: Client }> {
  return Promise.all(users.map((u) => login(t.url, USERS[u], PASSWORD))) as Promise<{
    [K in keyof U]: Client;
  }>;
}

/** Stores rows as arrived the day after they happened (rows stored earlier keep theirs). */
export async function ingestNextDay(t: TestApp, rows: Record<string, unknown>[]) {
  await ingestRows(t.services, rows);
  await t.db.query(
    `update transactions set received_at = occurred_on + 1 where received_at > occurred_on + 1`,
  );
}

/**
 * The chargeback tests' start: the app with the fixtures, `rows` stored as received the day after
 * they happened, and `users` signed in (in that order).
 */
export async function startChargebackApp<const U extends readonly (keyof typeof USERS)[]>(
  engine: Engine,
  today: string,
  rows: Record<string, unknown>[],
  ...users: U
): Promise<{ t: TestApp; clients: { [K in keyof U]: Client } }> {
  const t = await startWithFixtures(engine, today);
  await ingestNextDay(t, rows);
  return { t, clients: await signIn(t, ...users) };
}

/** A monthly per-unit program over 2026 in USD, 100 a unit unless `extra` says otherwise. */
export function monthlyProgram(code: string, extra: Record<string, unknown> = {}) {
  return {
    code,
    name: code,
    currency: 'USD',
    startDate: '2026-01-01',
    endDate: '2026-12-31',
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    measure: 'units',
    benefit: 'per_unit',
    tiers: [{ from: '0', value: '100' }],
    ...extra,
  };
}

/** Closes `period` of program `code` and approves each of `dealers`' statements (finance). */
export async function settlePeriod(
  finance: Client,
  code: string,
  period: string,
  dealers: string[],
) {
  await json(await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period }), 200);
  for (const dealer of dealers)
    await json(
      await finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, {
        period,
      }),
      200,
    );
}
