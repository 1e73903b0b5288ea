/** Settlement steps shared by the settled-money tests. */
import { PASSWORD, seedFixtures, txRow, USERS } from './fixtures';
import { json, login, startTestApp, type Client, type Engine } from './test-app';

/** A monthly per-unit program of 100 per Aura unit, January to June 2026. */
export function monthlyUnitsProgram(code: string, extra: Record<string, unknown> = {}) {
  return {
    code,
    name: code,
    currency: 'USD',
    startDate: '2026-01-01',
    endDate: '2026-06-30',
    measurementPeriod: 'month',
    payoutFrequency: 'month',
    graceDays: 10,
    qualifying: { modelLines: ['ML-AURA'] },
    measure: 'units',
    tiers: [{ from: '0', value: '100' }],
    benefit: 'per_unit',
    ...extra,
  };
}

/** Closes a period and approves one dealer's statement of it (finance). */
export async function closeAndApprove(
  finance: Client,
  code: string,
  dealer: string,
  period: string,
) {
  await json(await finance.send('POST', `/api/v1/programs/${code}/periods/close`, { period }), 200);
  await json(
    await finance.send('POST', `/api/v1/programs/${code}/statements/${dealer}/approve`, {
      period,
    }),
    200,
  );
}

/**
 * Posts one Aura delivery per `[externalId, day]` (or `[externalId, day, vin]`), received that
 * day, for `dealer` (admin).
 */
export async function deliverOn(
  admin: Client,
  dealer: string,
  rows: ([string, string] | [string, string, string])[],
) {
  await json(
    await admin.send(
      'POST',
      '/api/v1/transactions',
      rows.map(([externalId, day, vin]) =>
        txRow({
          externalId,
          occurredOn: day,
          receivedAt: day,
          dealerCode: dealer,
          ...(vin === undefined ? {} : { vin }),
        }),
      ),
    ),
    200,
  );
}

/**
 * Posts the unwind of `dealer`'s sale `sale` (its VIN too), dated `day` and received that day (or
 * on `receivedOn`, a late report).
 */
export async function unwindOn(
  admin: Client,
  dealer: string,
  sale: string,
  day: string,
  vin: string | null = null,
  receivedOn: string = day,
) {
  await json(
    await admin.send('POST', '/api/v1/transactions', [
      txRow({
        kind: 'unwind',
        quantity: -1,
        amount: '-31000.00',
        externalId: `${sale}-UNWIND`,
        originalExternalId: sale,
        occurredOn: day,
        receivedAt: receivedOn,
        dealerCode: dealer,
        vin,
      }),
    ]),
    200,
  );
}

/**
 * The settled-money tests' app: served on `engine` with today 2026-12-01, the fixtures seeded,
 * and the admin, finance and the two dealers' users signed in (`serveWeb`: the web app too, for
 * browser tests).
 */
export async function startSettlementApp(engine: Engine, options: { serveWeb?: boolean } = {}) {
  const t = await startTestApp(engine, {}, { today: '2026-12-01', ...options });
  await seedFixtures(t.db);
  const admin = await login(t.url, USERS.admin, PASSWORD);
  const finance = await login(t.url, USERS.finance, PASSWORD);
  const dealerA = await login(t.url, USERS.dealerA, PASSWORD);
  const dealerB = await login(t.url, USERS.dealerB, PASSWORD);
  return { t, admin, finance, dealerA, dealerB };
}

/** A claim as the API answers it: its status, its sale and its checks. */
export type SubmittedClaim = {
  id: number;
  status: string;
  transactionId: string | null;
  checks: { check: string; ok: boolean; message: string }[];
};

/** Submits one claim of an AURA-LX-ICE delivery of `vin` on `day` in program `code` (as `who`). */
export async function submitClaim(
  who: Client,
  code: string,
  dealerCode: string,
  vin: string,
  day: string,
): Promise<SubmittedClaim> {
  const body = { dealerCode, vin, sku: 'AURA-LX-ICE', deliveredOn: day };
  const res = await who.send('POST', `/api/v1/programs/${code}/claims`, body);
  return (await json<{ items: SubmittedClaim[] }>(res, 201)).items[0]!;
}
