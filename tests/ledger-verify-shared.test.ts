/**
 * The ledger's verification is shared by the callers that ask while it runs (ledger.service.ts
 * `verifyFor`): a whole-chain check reads every entry and every document it records (about 30 s
 * on the reference network), and before, each caller, a dealer included, started its own, so a
 * few users asking together could keep the database busy for minutes (the route sweep of the
 * twentieth session, BENCHMARKS.md). Now one runs at a time per process; a call after it ends
 * starts a new one, so an alteration made since is found; and what a dealer is not told of a
 * broken entry never reaches the OEM's answer to the same run, nor the other way round.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR, type Actor } from '../src/server/auth/actor';
import type { Db } from '../src/server/db/db';
import { createLedgerService } from '../src/server/modules/ledger/ledger.service';
import { createTestDb, engines, type TestDb } from './helpers/test-app';

const DEALER: Actor = {
  ...SYSTEM_ACTOR,
  role: 'dealer_principal',
  scope: { kind: 'dealers', dealerIds: [1], dealerCodes: ['D1'], label: 'D1' },
};

describe.each(engines())('ledger verification shared by concurrent callers (%s)', (engine) => {
  let test: TestDb;
  /** the whole-chain reads (`… from ledger_entries where seq > $1 …`) since the last reset */
  let chainReads = 0;
  let ledger: ReturnType<typeof createLedgerService>;
  const documents = new Map<string, string>();

  beforeAll(async () => {
    test = await createTestDb(engine);
    const counting: Db = {
      ...test.db,
      query: (sql, params) => {
        if (/from ledger_entries where seq > \$1/.test(sql)) chainReads += 1;
        return test.db.query(sql, params);
      },
    };
    ledger = createLedgerService({ db: counting });
    ledger.registerPayloadSource('test_doc', async (_db, entry) => documents.get(entry.entityId));
    for (const id of ['a', 'b', 'c']) {
      const payload = { id, units: 10 };
      documents.set(id, JSON.stringify(payload));
      await test.db.transaction((tx) =>
        ledger.append(tx, {
          entityType: 'test_doc',
          entityId: id,
          action: 'recorded',
          payload,
          actor: 'test',
        }),
      );
    }
  }, 120_000);
  afterAll(async () => test?.drop());

  it('runs one verification for the callers that ask together, a new one after it ends', async () => {
    chainReads = 0;
    const together = await Promise.all(
      [SYSTEM_ACTOR, DEALER, SYSTEM_ACTOR, DEALER, DEALER].map((actor) =>
        ledger.verifyFor({ actor }),
      ),
    );
    expect(together.every((r) => r.ok && r.entries === 3)).toBe(true);
    const oneRun = chainReads;
    expect(oneRun).toBeGreaterThan(0);
    await ledger.verifyFor({ actor: DEALER });
    expect(chainReads).toBe(2 * oneRun);
  });

  it('finds an alteration made after a run, and withholds its details from the dealer only', async () => {
    documents.set('b', JSON.stringify({ id: 'b', units: 11 }));
    const [oem, dealer, oemAgain] = await Promise.all(
      [SYSTEM_ACTOR, DEALER, SYSTEM_ACTOR].map((actor) => ledger.verifyFor({ actor })),
    );
    expect(oem!.ok).toBe(false);
    expect(oem!.firstBroken).toMatchObject({ entityType: 'test_doc', entityId: 'b' });
    expect(oemAgain!.firstBroken).toEqual(oem!.firstBroken);
    expect(dealer!.ok).toBe(false);
    expect(dealer!.firstBroken).toMatchObject({ entityType: 'withheld', entityId: 'withheld' });
    expect(dealer!.firstBroken!.seq).toBe(oem!.firstBroken!.seq);
  });
});
