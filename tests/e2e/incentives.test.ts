/**
 * Incentives in real headless Chromium against the real server, the built web app and the demo
 * programs (src/server/modules/incentives/incentives.seed.ts, published in beforeAll): a dealer sees its programs with
 * progress and gets a what-if answer from the engine; the OEM opens a statement and its PDF link
 * returns the PDF, drafts a program in the form (a server problem shows at its field) and
 * publishes it, and finds past payout batches listed; on a phone (390 px) the pages do not
 * scroll sideways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { seedIncentivePrograms } from '../../src/server/modules/incentives/incentives.seed';
import { launchChromium, newContext, signIn, startWebApp, type WebApp } from './web-app';
import { followLink, pageTrail } from './interact';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('incentive browser tests');
const FINANCE = 'finance@forecourt.test';

/** "$3,900" as the page writes whole amounts (en-US). */
function usd(amount: string): string {
  const n = Number(amount);
  return Number.isInteger(n)
    ? `$${n.toLocaleString('en-US')}`
    : `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

describe.skipIf(!hasChromium)('incentives in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  let bevProgram: string;
  let bevLine: string;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    // The demo seed leaves the programs out under NODE_ENV=test: publish them here.
    expect(await seedIncentivePrograms(app.services)).toBe(5);
    const programs = await app.services.incentives.findPrograms({ actor: SYSTEM_ACTOR });
    expect(programs.length).toBeGreaterThanOrEqual(4);
    expect(programs.every((p) => p.status === 'published')).toBe(true);
    bevProgram = programs.find((p) => p.code.endsWith('-BEV-STAIR'))!.code;
    const { rows } = await app.services.db.query<{ name: string }>(
      `select m.name from model_lines m join skus s on s.model_line_id = m.id
       where s.powertrain = 'BEV' and m.status = 'active' order by m.code limit 1`,
    );
    bevLine = rows[0]!.name;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows a dealer its programs with progress, and answers a what-if with the engine', async () => {
    const context = await newContext(browser, app.url);
    try {
      const { dealer } = app.accounts;
      const page = await signIn(context, dealer.email, app.accounts.password);
      await followLink(
        page,
        page.getByRole('link', { name: 'My incentives', exact: true }),
        '**/incentives',
      );
      const cards = page.getByTestId('program-progress');
      await cards.first().waitFor();

      const expected = await app.services.incentives.getDealerIncentives({
        actor: SYSTEM_ACTOR,
        dealerCode: dealer.dealerCode,
      });
      expect(expected.programs.length).toBeGreaterThanOrEqual(4);
      expect(await cards.count()).toBe(expected.programs.length);
      const bev = expected.programs.find((p) => p.programCode === bevProgram)!;
      const bevCard = page.locator(
        `[data-testid="program-progress"][data-program="${bevProgram}"]`,
      );
      expect(await bevCard.getByTestId('earned').textContent()).toContain(usd(bev.earned));
      // The demo dealer is between two tiers of the BEV program: the card says what the next needs.
      expect(bev.nextTier).not.toBeNull();
      const needed = bev.needed!.units!;
      expect(await bevCard.getByTestId('next-step').textContent()).toContain(
        `${needed} more BEV${needed === 1 ? '' : 's'} this quarter earn you ${usd(bev.nextTierAdds!)} more`,
      );
      await bevCard.getByTestId('tier-ladder').waitFor();
      // Progress across the quarter against the tier lines.
      await bevCard.getByTestId('progress-chart').locator('.recharts-line-curve').first().waitFor();
      expect(
        await bevCard.getByTestId('progress-chart').locator('.recharts-reference-line').count(),
      ).toBeGreaterThan(0);

      // What-if: 5 more BEVs of a BEV model line in the BEV program.
      const form = page.getByTestId('what-if');
      await form.getByLabel('Program').click();
      await page.getByRole('option', { name: 'Quarterly BEV bonus' }).click();
      await form.getByLabel('More units').fill('5');
      await form.getByLabel('Model line').click();
      await form.getByLabel('Model line').fill(bevLine);
      await page.getByRole('option', { name: new RegExp(`^${bevLine} `) }).click();
      await form.getByLabel('Powertrain').click();
      await page.getByRole('option', { name: /BEV/ }).click();
      await form.getByRole('button', { name: 'Calculate' }).click();
      const answer = page.getByTestId('what-if-answer');
      await answer.waitFor();
      const modelLine = (
        await app.services.db.query<{ code: string }>(
          'select code from model_lines where name = $1',
          [bevLine],
        )
      ).rows[0]!.code;
      const engine = await app.services.incentives.whatIf({
        actor: SYSTEM_ACTOR,
        dealerCode: dealer.dealerCode,
        data: { programCode: bevProgram, quantity: 5, modelLine, powertrain: 'BEV' },
      });
      expect(Number(engine.addedEarned)).toBeGreaterThan(0);
      const text = (await answer.textContent()) ?? '';
      expect(text).toContain(`would add ${usd(engine.addedEarned)}`);
      expect(text).toContain(`${usd(engine.before.earned)} → ${usd(engine.after.earned)}`);
    } finally {
      await context.close();
    }
  });

  it('lets the OEM open a program, a dealer statement and its PDF', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, FINANCE, app.accounts.password);
      await followLink(
        page,
        page.getByRole('link', { name: 'Incentives', exact: true }),
        '**/programs',
      );
      // The page, whatever period it shows: stop 30's CI found it at ?period=2027-Q1 (not the
      // current period) after the click, and the glob, which must match the query too, never did.
      await followLink(
        page,
        page.getByRole('link', { name: 'Quarterly BEV bonus' }),
        (url) => url.pathname === `/programs/${bevProgram}`,
      );
      if (new URL(page.url()).search) {
        // Not a failure, but not what a person sees either: the trail names the press that chose it.
        console.warn(`the program page opened at ${page.url()}`, JSON.stringify(pageTrail(page)));
      }
      const rows = page.getByTestId('statements-table').locator('tbody tr');
      await rows.first().waitFor();
      expect(await rows.count()).toBeGreaterThan(0);
      await page.getByTestId('accruals-chart').locator('.recharts-bar-rectangle').first().waitFor();

      const { dealerCode, dealerName } = app.accounts.dealer;
      await followLink(
        page,
        page.getByTestId('statements-table').getByRole('link', { name: dealerName, exact: true }),
        new RegExp(`/programs/${bevProgram}/statements/${dealerCode}\\?period=`),
      );
      const period = new URL(page.url()).searchParams.get('period')!;
      const statement = await app.services.incentives.getStatement({
        actor: SYSTEM_ACTOR,
        code: bevProgram,
        dealerCode,
        period,
      });
      await page.getByTestId('statement-lines').waitFor();
      expect(await page.getByTestId('statement-lines').locator('tbody tr').count()).toBe(
        statement.lines.filter((l) => l.kind === 'benefit').length,
      );
      expect(await page.getByTestId('kpi-amount-due').textContent()).toContain(
        `$${Number(statement.amountDue).toLocaleString('en-US', { minimumFractionDigits: 2 })}`,
      );
      expect(await page.getByTestId('lines-check').textContent()).toContain('the amount earned');

      const href = await page.getByTestId('statement-pdf').getAttribute('href');
      expect(href).toBe(
        `/api/v1/programs/${bevProgram}/statements/${dealerCode}/pdf?period=${encodeURIComponent(period)}`,
      );
      const pdf = await context.request.get(`${app.url}${href}`);
      expect(pdf.status()).toBe(200);
      expect(pdf.headers()['content-type']).toBe('application/pdf');
      expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    } finally {
      await context.close();
    }
  });

  it("keeps another dealer's statement from a dealer", async () => {
    const context = await newContext(browser, app.url);
    try {
      const { dealer, otherDealer } = app.accounts;
      const page = await signIn(context, dealer.email, app.accounts.password);
      await page.goto(`/programs/${bevProgram}/statements/${otherDealer.dealerCode}`);
      await page.getByTestId('statement-not-found').waitFor();
      expect((await page.locator('body').textContent()) ?? '').not.toContain(
        otherDealer.dealerName,
      );
      const pdf = await context.request.get(
        `${app.url}/api/v1/programs/${bevProgram}/statements/${otherDealer.dealerCode}/pdf`,
      );
      expect(pdf.status()).toBe(404);
    } finally {
      await context.close();
    }
  });

  it('lets finance close a past period, approve a statement, pay it in a batch', async () => {
    const context = await newContext(browser, app.url);
    try {
      const { dealerCode, dealerName } = app.accounts.dealer;
      const page = await signIn(context, FINANCE, app.accounts.password);
      await page.goto('/incentives/payouts');
      await page.getByRole('combobox', { name: 'Program' }).first().click();
      await page.getByRole('option', { name: 'Quarterly BEV bonus' }).click();
      await page.getByRole('combobox', { name: 'Settlement period' }).click();
      // The second quarter of the fiscal year has ended: it can be closed.
      await page.getByRole('option', { name: /^Q2 FY/ }).click();
      await page.getByRole('button', { name: 'Close period' }).click();
      // the confirmation states the totals before closing
      await page.getByTestId('bulk-confirm-totals').waitFor();
      await page.getByTestId('bulk-confirm-button').click();
      await page.getByText(/^Closed Q2 FY\d+: \d+ statements/).waitFor();

      await followLink(
        page,
        page.getByRole('link', { name: 'Approve them on the program page' }),
        /period=\d{4}-Q2/,
      );
      const row = page.locator(
        `[data-testid="statements-table"] tr[data-dealer-code="${dealerCode}"]`,
      );
      await row.getByRole('button', { name: 'Approve' }).click();
      await row.locator('[data-status="approved"]').waitFor();

      await page.goto('/incentives/payouts');
      await page.getByRole('combobox', { name: 'Program' }).nth(1).click();
      await page.getByRole('option', { name: 'Quarterly BEV bonus' }).click();
      await page.getByRole('button', { name: 'Build batch' }).click();
      // the confirmation states the batch preview's totals
      await page.getByTestId('batch-confirm-totals').waitFor();
      await page.getByRole('button', { name: /^Build batch of \d+ payments$/ }).click();
      const batch = page.getByTestId('payout-batch');
      await batch.waitFor();
      expect(await batch.textContent()).toContain(dealerName);
      const exportHref = await batch.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
      const csv = await context.request.get(`${app.url}${exportHref}`);
      expect(csv.status()).toBe(200);
      expect(await csv.text()).toContain(dealerCode);
      await batch.getByRole('button', { name: 'Mark paid' }).click();
      await batch.getByText('paid', { exact: true }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('takes a dealer claim and a dispute through to the OEM decision', async () => {
    const { dealer } = app.accounts;
    const programs = await app.services.incentives.findPrograms({ actor: SYSTEM_ACTOR });
    const launch = programs.find((p) => p.code.endsWith('-LAUNCH'))!;
    const launchLine = launch.code.split('-').slice(1, -1).join('-');
    const sale = (
      await app.services.db.query<{ vin: string; sku: string; on: string }>(
        `select t.vin, s.code as sku, to_char(t.occurred_on, 'YYYY-MM-DD') as on
         from transactions t join skus s on s.id = t.sku_id join model_lines m on m.id = s.model_line_id
         join dealers d on d.id = t.dealer_id
         where d.code = $1 and m.code = $2 and s.powertrain = 'BEV' and t.kind = 'retail_delivery'
           and t.vin is not null and t.occurred_on >= $3::date
         order by t.occurred_on desc limit 1`,
        [dealer.dealerCode, launchLine, launch.startDate],
      )
    ).rows[0]!;
    expect(sale).toBeDefined();

    const dealerContext = await newContext(browser, app.url);
    const oemContext = await newContext(browser, app.url);
    try {
      const page = await signIn(dealerContext, dealer.email, app.accounts.password);
      await page.goto(`/incentives/claims?program=${launch.code}`);
      await page.getByLabel('VIN').fill(sale.vin);
      await page.getByLabel('SKU').fill(sale.sku);
      await page.getByLabel('Delivered on').fill(sale.on);
      await page.getByRole('button', { name: 'Submit', exact: true }).click();
      const results = page.getByTestId('claim-results');
      await results.waitFor();
      expect(await results.textContent()).toContain('passed the checks');
      expect(await results.locator('li').count()).toBeGreaterThan(0);

      // A dispute on line 1 of the dealer's BEV statement.
      await page.goto(`/programs/${bevProgram}/statements/${dealer.dealerCode}`);
      await page
        .getByTestId('statement-lines')
        .getByRole('button', { name: 'Dispute' })
        .first()
        .click();
      await page
        .getByLabel('What is wrong?')
        .fill('This VIN was a fleet sale, paid at the wrong rate');
      await page.getByRole('button', { name: 'Send dispute' }).click();
      await page.getByRole('dialog').waitFor({ state: 'hidden' });
      await page.goto('/incentives/disputes');
      const disputeRow = page.getByTestId('disputes-table').locator('tbody tr').first();
      await disputeRow.waitFor();
      expect(await disputeRow.textContent()).toContain('0 days');

      // The OEM approves the claim and answers the dispute with an adjustment.
      const oem = await signIn(oemContext, 'channel@forecourt.test', app.accounts.password);
      await oem.goto(`/incentives/claims?program=${launch.code}`);
      const claimRow = oem.getByTestId('claims-table').locator('tbody tr', { hasText: sale.vin });
      await claimRow.getByRole('button', { name: 'Approve' }).click();
      await oem.getByRole('dialog').getByLabel('Reason').fill('Delivery confirmed in the DMS');
      await oem.getByRole('dialog').getByRole('button', { name: 'Approve' }).click();
      await claimRow.getByText('approved', { exact: true }).waitFor();

      await oem.goto('/incentives/disputes');
      await oem.getByTestId('disputes-table').locator('tbody tr').first().click();
      const thread = oem.getByTestId('dispute-thread');
      await thread.getByText('This VIN was a fleet sale').waitFor();
      await thread.getByLabel('Amount (negative for a debit)').fill('150.00');
      await thread.getByLabel('Reason').fill('Fleet rate difference credited');
      await thread.getByRole('button', { name: 'Resolve' }).click();
      await thread.getByText('Adjusted', { exact: true }).waitFor();
      expect(await thread.textContent()).toContain('Fleet rate difference credited');
    } finally {
      await dealerContext.close();
      await oemContext.close();
    }
  });

  it('lets the OEM draft a program in the form, see a problem at its field, save and publish it', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, app.accounts.admin, app.accounts.password);
      await page.goto(`${app.url}/programs`);
      await followLink(page, page.getByRole('link', { name: 'New program' }), '**/programs/new');
      const form = page.getByTestId('program-form');
      await form.getByLabel('Code').fill('E2E-STAIR');
      await form.getByLabel(/^Name/).fill('E2E stair');
      await form.getByLabel('Budget (USD)').fill('250000.00');
      // Tier 2 below tier 1: the server answers with the field path tiers.1.from.
      await form.getByLabel('Tier 2 from').fill('0.5');
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.getByTestId('definition-problems').waitFor();
      const tier2 = form.getByLabel('Tier 2 from');
      await expect.poll(() => tier2.getAttribute('aria-invalid')).toBe('true');
      const errorId = (await tier2.getAttribute('aria-describedby'))!
        .split(' ')
        .find((id) => id.endsWith('-error'))!;
      expect(await page.locator(`[id="${errorId}"]`).textContent()).toContain('ascending order');
      expect(await form.getByLabel('Tier 1 from').getAttribute('aria-invalid')).not.toBe('true');

      // The JSON tab shows the same definition.
      await page.getByRole('tab', { name: 'Advanced (JSON)' }).click();
      const json = JSON.parse(await page.getByLabel('Definition (JSON)').inputValue()) as {
        code: string;
        budget: string;
        tiers: { from: string }[];
      };
      expect(json).toMatchObject({ code: 'E2E-STAIR', budget: '250000.00' });
      expect(json.tiers[1]!.from).toBe('0.5');
      await page.getByRole('tab', { name: 'Form' }).click();

      // Fix the tier, add a fourth, and read the tiers back in words.
      await form.getByLabel('Tier 2 from').fill('5');
      expect(await form.getByLabel('Tier 2 from').getAttribute('aria-invalid')).not.toBe('true');
      await form.getByRole('button', { name: 'Add tier' }).click();
      await form.getByLabel('Tier 4 from').fill('20');
      await form.getByLabel('Tier 4 pays').fill('1200.00');
      expect(await page.getByTestId('tier-summary').textContent()).toContain(
        'from 20 units: $1,200 per unit on all units',
      );
      await page.getByRole('button', { name: 'Save draft' }).click();
      await page.waitForURL((url) => url.pathname === '/programs/E2E-STAIR');
      await page.getByRole('link', { name: 'Edit draft' }).waitFor();
      await page.getByRole('button', { name: 'Publish' }).click();
      // publishing asks first, naming the simulated cost where the forecast gives one (issue 13)
      await page.getByTestId('publish-confirm').waitFor();
      await page.getByTestId('publish-confirm-button').click();
      await expect
        .poll(async () => {
          const p = await app.services.incentives.findPrograms({ actor: SYSTEM_ACTOR });
          return p.find((x) => x.code === 'E2E-STAIR')?.status;
        })
        .toBe('published');
      const saved = await app.services.incentives.getProgram({
        actor: SYSTEM_ACTOR,
        code: 'E2E-STAIR',
      });
      expect(saved.definition).toMatchObject({
        name: 'E2E stair',
        budget: '250000.00',
        tiers: [
          { from: '1', value: '300.00' },
          { from: '5', value: '600.00' },
          { from: '10', value: '900.00' },
          { from: '20', value: '1200.00' },
        ],
      });
    } finally {
      await context.close();
    }
  });

  it('lists payout batches and the periods of a program with their state', async () => {
    const context = await newContext(browser, app.url);
    try {
      const page = await signIn(context, FINANCE, app.accounts.password);
      const batches = await app.services.incentiveLists.findPayoutBatches({
        actor: { ...SYSTEM_ACTOR, role: 'finance' },
        filter: { limit: 50, offset: 0 },
      });
      await page.goto('/incentives/payouts');
      const rows = page.getByTestId('payout-batches').locator('tbody tr');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(Math.min(10, batches.total));
      if (batches.total > 0) {
        const newest = batches.items[0]!;
        await rows.first().click();
        await page.getByTestId('payout-batch').getByText(newest.code).waitFor();
      }
      await page.goto(`/programs/${bevProgram}`);
      await page.getByTestId('period-facts').waitFor();
      expect(await page.getByTestId('period-facts').textContent()).toMatch(
        /sales arriving until .* count/,
      );
    } finally {
      await context.close();
    }
  });

  it('fits a phone: the program editor is one column and does not scroll sideways', async () => {
    const context = await newContext(browser, app.url, 'phone');
    try {
      const page = await signIn(context, app.accounts.admin, app.accounts.password);
      await page.goto('/programs/new');
      const form = page.getByTestId('program-form');
      await form.getByLabel('Tier 1 from').waitFor();
      const code = (await form.getByLabel('Code').boundingBox())!;
      const name = (await form.getByLabel(/^Name/).boundingBox())!;
      expect(name.y).toBeGreaterThan(code.y + code.height);
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
  });

  it('fits a phone: the incentives and statement pages do not scroll sideways', async () => {
    const context = await newContext(browser, app.url, 'phone');
    try {
      const { dealer } = app.accounts;
      const page = await signIn(context, dealer.email, app.accounts.password);
      await page.goto('/incentives');
      await page.getByTestId('program-progress').first().waitFor();
      await page
        .getByTestId('progress-chart')
        .first()
        .locator('.recharts-line-curve')
        .first()
        .waitFor();
      await page.getByTestId('what-if').waitFor();
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0);

      await page.goto(`/programs/${bevProgram}/statements/${dealer.dealerCode}`);
      await page.getByTestId('statement-lines').waitFor();
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
  });
});
