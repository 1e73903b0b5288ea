/**
 * Issue 12, item 11: every document the ledger vouches for is re-hashed by verify. Each kind is
 * edited in SQL in turn; verify names the entry, and passes again once the edit is undone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeAgreementForA } from './helpers/agreements';
import { ingestRows, PASSWORD, seedFixtures, txRow, USERS } from './helpers/fixtures';
import {
  createProgram,
  engines,
  json,
  login,
  startTestApp,
  type Client,
  type TestApp,
} from './helpers/test-app';

type Verify = {
  ok: boolean;
  firstBroken: { entityType: string; entityId: string; action: string; reason: string } | null;
};

describe.each(engines())('ledger:verify covers every document (%s)', (engine) => {
  let t: TestApp;
  let finance: Client;
  let agreementCode: string;
  let batchCode: string;

  const verify = async () => json<Verify>(await finance.get('/api/v1/ledger/verify'), 200);

  /** Runs `edit`, expects verify to name the entry, runs `undo`, expects verify to pass. */
  async function tamper(
    edit: string,
    undo: string,
    broken: { entityType: string; entityId: string; reason?: RegExp },
  ) {
    await t.db.query(edit);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({
      entityType: broken.entityType,
      entityId: broken.entityId,
    });
    if (broken.reason) expect(result.firstBroken!.reason).toMatch(broken.reason);
    await t.db.query(undo);
    expect((await verify()).ok).toBe(true);
  }

  beforeAll(async () => {
    t = await startTestApp(engine, {}, { today: '2026-04-20' });
    await seedFixtures(t.db);
    const agreement = await activeAgreementForA(t.services);
    agreementCode = agreement.code;
    await ingestRows(
      t.services,
      Array.from({ length: 12 }, (_, i) =>
        txRow({ occurredOn: `2026-03-${String(i + 1).padStart(2, '0')}`, externalId: `L-${i}` }),
      ),
    );
    await t.db.query('update transactions set received_at = occurred_on + 1');
    const channel = await login(t.url, USERS.channel, PASSWORD);
    finance = await login(t.url, USERS.finance, PASSWORD);
    await createProgram(channel, {
      code: 'LEDG',
      name: 'Ledger',
      currency: 'USD',
      startDate: '2026-01-01',
      endDate: '2026-12-31',
      measurementPeriod: 'month',
      payoutFrequency: 'month',
      measure: 'units',
      benefit: 'per_unit',
      tiers: [{ from: '0', value: '100' }],
    });
    await json(
      await finance.send('POST', '/api/v1/programs/LEDG/periods/close', { period: '2026-03' }),
      200,
    );
    await json(
      await finance.send('POST', '/api/v1/programs/LEDG/statements/DLR-ALPHA/approve', {
        period: '2026-03',
      }),
      200,
    );
    const batch = await json<{ code: string }>(
      await finance.send('POST', '/api/v1/payouts', { programCode: 'LEDG' }),
      201,
    );
    batchCode = batch.code;
    await json(await finance.send('POST', `/api/v1/payouts/${batchCode}/paid`), 200);
  }, 90_000);
  afterAll(async () => t?.close());

  it('records every kind and verifies the untouched chain', async () => {
    const entries = await json<{ entityType: string; entityId: string; action: string }[]>(
      await finance.get('/api/v1/ledger/entries'),
      200,
    );
    const kinds = entries.map((e) => `${e.entityType} ${e.entityId} ${e.action}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        `agreement_version ${agreementCode}/v1 approve`,
        'program_version LEDG/v1 published',
        'statement_snapshot LEDG/DLR-ALPHA/2026-03#1 closed',
        'statement_approval LEDG/DLR-ALPHA/2026-03#1 approved',
        `payout_batch ${batchCode} created`,
        `payout_batch ${batchCode} paid`,
      ]),
    );
    expect((await verify()).ok).toBe(true);
  });

  it("names an agreement whose live plan was edited (its lines, or the plan's sum)", async () => {
    const agreement = { entityType: 'agreement_version', entityId: `${agreementCode}/v1` };
    await tamper(
      `update agreement_lines set planned_quantities[1] = planned_quantities[1] + 5`,
      `update agreement_lines set planned_quantities[1] = planned_quantities[1] - 5`,
      { ...agreement, reason: /live agreement/ },
    );
    await tamper(
      `update agreements set planned_by_period[2] = planned_by_period[2] + 5`,
      `update agreements set planned_by_period[2] = planned_by_period[2] - 5`,
      { ...agreement, reason: /live plan/ },
    );
  });

  it('names a program version whose definition was edited', async () => {
    await tamper(
      `update program_versions set definition = jsonb_set(definition, '{tiers,0,value}', '"999"')`,
      `update program_versions set definition = jsonb_set(definition, '{tiers,0,value}', '"100"')`,
      { entityType: 'program_version', entityId: 'LEDG/v1', reason: /definition/ },
    );
  });

  it('names a statement snapshot edited after close', async () => {
    const { rows } = await t.db.query<{ amountDue: string }>(
      `select document->>'amountDue' as "amountDue" from statement_snapshots`,
    );
    await tamper(
      `update statement_snapshots set document = jsonb_set(document, '{amountDue}', '"99999.00"')`,
      `update statement_snapshots set document = jsonb_set(document, '{amountDue}', '"${rows[0]!.amountDue}"')`,
      { entityType: 'statement_snapshot', entityId: 'LEDG/DLR-ALPHA/2026-03#1' },
    );
  });

  it('names an approved statement whose amount or lines were edited', async () => {
    const approval = { entityType: 'statement_approval', entityId: 'LEDG/DLR-ALPHA/2026-03#1' };
    await tamper(
      `update incentive_statements set amount_due = amount_due + 1`,
      `update incentive_statements set amount_due = amount_due - 1`,
      approval,
    );
    await tamper(
      `update incentive_statement_lines set amount = amount + 1 where line_no = 3`,
      `update incentive_statement_lines set amount = amount - 1 where line_no = 3`,
      approval,
    );
  });

  it('names a payout batch whose items were edited', async () => {
    await tamper(
      `update payout_items set amount = amount + 1`,
      `update payout_items set amount = amount - 1`,
      { entityType: 'payout_batch', entityId: batchCode },
    );
  });
});
