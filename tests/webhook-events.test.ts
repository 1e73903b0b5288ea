/**
 * Every event the outbox triggers write (migration 0022), on each engine: each status change of
 * the announcing tables leaves exactly its event with its dealer (or none, for network events)
 * and a versioned payload with links; other changes leave none. The rows are written with SQL
 * (the services' own paths are covered by their tests, which run through these triggers); the
 * feed's roll-up goes through the real ingest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestRows, seedFixtures, txRow } from './helpers/fixtures';
import { engines, startTestApp, type TestApp } from './helpers/test-app';

type Event = {
  event_type: string;
  dealer: string | null;
  entity_type: string;
  entity_id: string;
  payload: Record<string, unknown> & { version: number; links: Record<string, string> };
};

for (const engine of engines()) {
  describe(`outbox events (${engine})`, () => {
    let t: TestApp;
    let seen = 0;

    /** The events written since the last call. */
    async function newEvents(): Promise<Event[]> {
      const { rows } = await t.db.query<Event & { id: string }>(
        `select o.id::text, o.event_type, d.code as dealer, o.entity_type, o.entity_id, o.payload
           from outbox o left join dealers d on d.id = o.dealer_id
          where o.id > $1 order by o.id`,
        [seen],
      );
      if (rows.length) seen = Number(rows.at(-1)!.id);
      return rows.map(({ id: _id, ...e }) => e);
    }
    const sql = (text: string, params: unknown[] = []) => t.db.query(text, params);

    beforeAll(async () => {
      t = await startTestApp(engine);
      await seedFixtures(t.db);
      await newEvents();
    });
    afterAll(() => t?.close());

    it('announces statements closed, approved and paid, and payout batches built, exported and paid', async () => {
      await sql(
        `insert into programs (code, status, created_by_label) values ('PRG-EV', 'published', 'test')`,
      );
      const { rows } = await t.db.query<{ id: string }>(
        `insert into incentive_statements (program_id, version_no, dealer_id, period, window_label, status,
                earned, previously_settled, amount_due, currency, snapshot)
         values ((select id from programs where code = 'PRG-EV'), 1, (select id from dealers where code = 'DLR-ALPHA'),
                 '2026-03', 'March 2026', 'closed', 100, 0, 100, 'USD', '{}') returning id::text`,
      );
      const id = rows[0]!.id;
      expect(await newEvents()).toEqual([]); // the row alone is not the close: its snapshot is
      await sql(
        `insert into statement_snapshots (statement_id, dealer_id, seq, document, sha256, closed_by)
         select id, dealer_id, 1, '{}', 'abc', 'test' from incentive_statements where id = $1`,
        [id],
      );
      await sql(`update incentive_statements set amount_due = 101 where id = $1`, [id]);
      await sql(`update incentive_statements set status = 'approved' where id = $1`, [id]);
      await sql(
        `insert into payout_batches (code, gl_account, created_by) values ('PAY-EV', '4000', 'test')`,
      );
      await sql(`update payout_batches set exported_at = now() where code = 'PAY-EV'`);
      await sql(`update payout_batches set exported_at = now() where code = 'PAY-EV'`); // again: no event
      await sql(`update incentive_statements set status = 'paid' where id = $1`, [id]);
      await sql(`update payout_batches set status = 'paid', paid_at = now() where code = 'PAY-EV'`);
      const events = await newEvents();
      expect(events.map((e) => [e.event_type, e.dealer, e.entity_type])).toEqual([
        ['statement.closed', 'DLR-ALPHA', 'statement'],
        ['statement.approved', 'DLR-ALPHA', 'statement'],
        ['payout_batch.built', null, 'payout_batch'],
        ['payout_batch.exported', null, 'payout_batch'],
        ['statement.paid', 'DLR-ALPHA', 'statement'],
        ['payout_batch.paid', null, 'payout_batch'],
      ]);
      expect(events[0]!.payload).toMatchObject({
        version: 1,
        statementId: Number(id),
        programCode: 'PRG-EV',
        period: '2026-03',
        snapshotSeq: 1,
        sha256: 'abc',
        links: { statement: '/api/v1/programs/PRG-EV/statements/DLR-ALPHA?period=2026-03' },
      });
      expect(events[1]!.payload.amountDue).toBe('101.000000');
      expect(events[5]!.payload).toMatchObject({
        payoutBatchCode: 'PAY-EV',
        status: 'paid',
        links: { payoutBatch: '/api/v1/payouts/PAY-EV' },
      });
    });

    it('announces disputes opened and resolved, and claims decided', async () => {
      await sql(
        `insert into incentive_disputes (program_id, dealer_id, period, created_by)
         values ((select id from programs where code = 'PRG-EV'), (select id from dealers where code = 'DLR-BRAVO'), '2026-03', 'b')`,
      );
      await sql(`update incentive_disputes set status = 'rejected', resolution = 'no'`);
      await sql(
        `insert into incentive_claims (program_id, dealer_id, vin, sku_code, delivered_on, status, checks, submitted_by)
         values ((select id from programs where code = 'PRG-EV'), (select id from dealers where code = 'DLR-CHARLIE'),
                 '1HGCM82633A004352', 'AURA-LX-ICE', '2026-03-01', 'validated', '[]', 'c')`,
      );
      await sql(`update incentive_claims set status = 'approved'`);
      const events = await newEvents();
      expect(events.map((e) => [e.event_type, e.dealer])).toEqual([
        ['dispute.opened', 'DLR-BRAVO'],
        ['dispute.resolved', 'DLR-BRAVO'],
        ['claim.decided', 'DLR-CHARLIE'],
      ]);
      expect(events[2]!.payload).toMatchObject({ vin: '1HGCM82633A004352', status: 'approved' });
    });

    it('announces a forecast cycle locked and its demand plan published, as network events', async () => {
      await sql(
        `insert into forecast_cycles (cycle_month, horizon, history_months, adjust_until, status)
         values ('2026-11-01', 12, 36, '2026-11-10', 'review')`,
      );
      await sql(`update forecast_cycles set status = 'locked'`);
      await sql(`update forecast_cycles set row_version = row_version + 1`); // no event
      await sql(`update forecast_cycles set status = 'published'`);
      const events = await newEvents();
      expect(events.map((e) => [e.event_type, e.dealer])).toEqual([
        ['forecast_cycle.locked', null],
        ['demand_plan.published', null],
      ]);
      expect(events[1]!.payload).toMatchObject({
        cycleMonth: '2026-11',
        links: { demandPlan: expect.stringMatching(/\/demand-plan$/) },
      });
    });

    it('announces a feed batch rolled up, once per dealer of the batch', async () => {
      await ingestRows(t.services, [
        txRow({ dealerCode: 'DLR-ALPHA' }),
        txRow({ dealerCode: 'DLR-BRAVO' }),
        txRow({ dealerCode: 'DLR-ALPHA' }),
      ]);
      const events = await newEvents();
      expect(events.map((e) => [e.event_type, e.dealer]).sort()).toEqual([
        ['actuals.rolled_up', 'DLR-ALPHA'],
        ['actuals.rolled_up', 'DLR-BRAVO'],
      ]);
      expect(events[0]!.payload.links.monthlyActuals).toMatch(/^\/api\/v1\/dealers\/DLR-/);
    });

    it('announces allocation rounds per dealer with units, and each dealer decision', async () => {
      await sql(
        `insert into allocation_runs (code, month, model_line_id, supply, formula, created_by)
         values ('AL-EV', '2026-05-01', (select id from model_lines where code = 'ML-AURA'), '[]', '{}', 't')`,
      );
      await sql(
        `insert into allocation_results (run_id, round, dealer_id, sku_id, formula_units, units, inputs, explanation)
         select r.id, 0, d.id, s.id, u.units, u.units, '{}', 'x'
           from allocation_runs r
           cross join (values ('DLR-ALPHA', 'AURA-LX-ICE', 2), ('DLR-ALPHA', 'AURA-EX-BEV', 1),
                              ('DLR-BRAVO', 'AURA-LX-ICE', 3), ('DLR-CHARLIE', 'AURA-LX-ICE', 0))
                as u(dealer, sku, units)
           join dealers d on d.code = u.dealer join skus s on s.code = u.sku
          where r.code = 'AL-EV'`,
      );
      expect(await newEvents()).toEqual([]); // a draft run announces nothing
      await sql(`update allocation_runs set status = 'published' where code = 'AL-EV'`);
      await sql(
        `insert into allocation_rounds (run_id, round, supply, accept_until, published_by)
         values ((select id from allocation_runs where code = 'AL-EV'), 0, '[]', '2026-05-10', 't')`,
      );
      const published = await newEvents();
      // one per dealer with units (Charlie has none), about that dealer's units only
      expect(published.map((e) => [e.event_type, e.dealer, e.entity_type])).toEqual([
        ['allocation_run.published', 'DLR-ALPHA', 'allocation'],
        ['allocation_run.published', 'DLR-BRAVO', 'allocation'],
      ]);
      expect(published[0]!.payload).toMatchObject({
        version: 1,
        runCode: 'AL-EV',
        round: 0,
        month: '2026-05',
        modelLineCode: 'ML-AURA',
        acceptUntil: '2026-05-10',
        units: 3,
        skus: [
          { sku: 'AURA-EX-BEV', units: 1 },
          { sku: 'AURA-LX-ICE', units: 2 },
        ],
        links: { run: '/api/v1/allocation/runs/AL-EV' },
      });
      const run = `(select id from allocation_runs where code = 'AL-EV')`;
      const dealer = (code: string) => `(select id from dealers where code = '${code}')`;
      await sql(
        `update allocation_results set decision = 'accepted', accepted_units = 1
          where run_id = ${run} and dealer_id = ${dealer('DLR-ALPHA')}`,
      );
      await sql(
        `update allocation_results set decision = 'declined'
          where run_id = ${run} and dealer_id = ${dealer('DLR-BRAVO')}`,
      );
      await sql(`update allocation_results set returned = true where run_id = ${run}`); // no event
      const decided = await newEvents();
      expect(decided.map((e) => [e.event_type, e.dealer, e.payload.sku])).toEqual([
        ['allocation.accepted', 'DLR-ALPHA', 'AURA-EX-BEV'],
        ['allocation.accepted', 'DLR-ALPHA', 'AURA-LX-ICE'],
        ['allocation.declined', 'DLR-BRAVO', 'AURA-LX-ICE'],
      ]);
      expect(decided[1]!.payload).toMatchObject({ units: 2, acceptedUnits: 1 });
      // same entity as the publication: a dealer's decisions follow it in order
      expect(new Set([...published, ...decided].map((e) => e.entity_id)).size).toBe(2);
    });

    it('announces integrity flags opened, confirmed and dismissed, not a re-scan refresh', async () => {
      const flag = (key: string, dealer: string) =>
        sql(
          `insert into integrity_flags (dealer_id, kind, key, on_date, summary, evidence, amount_at_stake)
           values ((select id from dealers where code = $2), 'unwind_rate', $1, '2026-03-31', 's', '{}', 250)
           on conflict (key, dealer_id) do update set summary = excluded.summary, updated_at = now()`,
          [key, dealer],
        );
      await flag('k-1', 'DLR-ALPHA');
      await flag('k-2', 'DLR-BRAVO');
      await flag('k-1', 'DLR-ALPHA'); // refreshed by a re-scan: no event
      await sql(
        `update integrity_flags set status = 'confirmed', reason = 'seen' where key = 'k-1'`,
      );
      await sql(
        `update integrity_flags set status = 'dismissed', reason = 'fine' where key = 'k-2'`,
      );
      await sql(`update integrity_flags set updated_at = now()`); // no event
      const events = await newEvents();
      expect(events.map((e) => [e.event_type, e.dealer])).toEqual([
        ['integrity_flag.opened', 'DLR-ALPHA'],
        ['integrity_flag.opened', 'DLR-BRAVO'],
        ['integrity_flag.confirmed', 'DLR-ALPHA'],
        ['integrity_flag.dismissed', 'DLR-BRAVO'],
      ]);
      expect(events[0]!.payload).toMatchObject({
        version: 1,
        kind: 'unwind_rate',
        status: 'open',
        amountAtStake: '250.00',
        links: { flags: '/api/v1/insights/integrity?dealer=DLR-ALPHA' },
      });
      expect(events[3]!.payload).toMatchObject({ status: 'dismissed', reason: 'fine' });
    });
  });
}
