/**
 * The five forms on the form kit's save (issue 19: dealer, SKU, model line, user, API key) in real
 * headless Chromium: each is first refused by the server with a problem that names a field, which
 * the form shows at that field, then saved; the saved record is read back from the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { SYSTEM_ACTOR } from '../../src/server/auth/actor';
import { launchChromium, newContext, signIn, startWebApp, type WebApp } from './web-app';
import { requireChromium } from './require-chromium';

const hasChromium = requireChromium('form kit browser tests');

/** The input labelled `label` (Mantine adds " *" to a required field's label). */
function field(dialog: Locator, label: string): Locator {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return dialog.getByLabel(new RegExp(`^${escaped}\\s*\\*?$`)).first();
}

/**
 * The error Mantine shows under the field labelled `label`: the element its aria-describedby names
 * `…-error`, or (a PasswordInput marks its wrapper, not the input) the error of its input wrapper.
 */
async function fieldError(dialog: Locator, label: string): Promise<string | null> {
  const input = field(dialog, label);
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/);
  const errorId = ids.find((id) => id.endsWith('-error'));
  if (errorId && (await input.getAttribute('aria-invalid')) === 'true')
    return dialog.locator(`[id="${errorId}"]`).textContent();
  const wrapper = input.locator('xpath=ancestor::*[contains(@class, "InputWrapper-root")][1]');
  const error = wrapper.locator('[class*="InputWrapper-error"]');
  return (await error.count()) > 0 ? error.first().textContent() : null;
}

async function pick(page: Page, dialog: Locator, label: string, option: string | RegExp) {
  await field(dialog, label).click();
  await page.getByRole('option', { name: option }).first().click();
}

describe.skipIf(!hasChromium)('the form kit saves in Chromium', () => {
  let app: WebApp;
  let browser: Browser;
  let page: Page;
  const query = async <R extends object>(sql: string, params: unknown[]) =>
    (await app.services.db.query<R>(sql, params)).rows;

  /** A region that exists while a form is filled and is gone when it is sent. */
  async function vanishingRegion(code: string) {
    await app.services.network.createRegion({
      actor: SYSTEM_ACTOR,
      data: { code, name: `Vanishing ${code}`, parentCode: null },
    });
    return {
      option: new RegExp(`Vanishing ${code} \\(${code}\\)`),
      remove: () => app.services.db.query(`delete from regions where code = $1`, [code]),
    };
  }

  async function openDialog(path: string, button: string, title: string) {
    await page.goto(path);
    await page.getByRole('button', { name: button }).click();
    const dialog = page.getByRole('dialog', { name: title });
    await dialog.waitFor();
    return dialog;
  }

  beforeAll(async () => {
    [app, browser] = await Promise.all([startWebApp(), launchChromium()]);
    const context = await newContext(browser, app.url);
    page = await signIn(context, app.accounts.admin, app.accounts.password);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('dealer: a taken code is shown at Code, then the dealer is created', async () => {
    const taken = app.accounts.dealer.dealerCode;
    const [region] = await query<{ code: string; name: string }>(
      `select code, name from regions order by code limit 1`,
      [],
    );
    const dialog = await openDialog('/dealers', 'New dealer', 'New dealer');
    await field(dialog, 'Code').fill(taken);
    await field(dialog, 'Name').fill('Kit Motors');
    await pick(page, dialog, 'Region', `${region!.name} (${region!.code})`);
    await field(dialog, 'State or province').fill('ca');
    await dialog.getByRole('button', { name: 'Create dealer' }).click();
    await expect.poll(() => fieldError(dialog, 'Code')).toBe(`Dealer ${taken} already exists`);

    await field(dialog, 'Code').fill('E2E-KIT1');
    await dialog.getByRole('button', { name: 'Create dealer' }).click();
    await page.waitForURL('**/dealers/E2E-KIT1');
    expect(
      await query(
        `select d.name, d.state_province as state, d.country, r.code as region
         from dealers d join regions r on r.id = d.region_id where d.code = $1`,
        ['E2E-KIT1'],
      ),
    ).toEqual([{ name: 'Kit Motors', state: 'CA', country: 'US', region: region!.code }]);
  });

  it('SKU: a BEV with tailpipe CO₂ is refused at its field, then the SKU is created', async () => {
    const [line] = await query<{ code: string; name: string }>(
      `select code, name from model_lines where status = 'active' order by code limit 1`,
      [],
    );
    const dialog = await openDialog('/catalog/skus', 'New SKU', 'New SKU');
    await field(dialog, 'Code').fill('E2E-SKU-BEV');
    await pick(page, dialog, 'Model line', line!.name);
    await field(dialog, 'Name').fill('Kit BEV');
    await field(dialog, 'Trim').fill('Base');
    await pick(page, dialog, 'Powertrain', 'BEV');
    await field(dialog, 'Segment').fill('compact');
    await dialog.getByLabel(/^MSRP/).first().fill('41250.00');
    await field(dialog, 'CO₂ g/km').fill('95');
    await field(dialog, 'Launch date').fill('2027-03-01');
    await dialog.getByRole('button', { name: 'Create SKU' }).click();
    await expect.poll(() => fieldError(dialog, 'CO₂ g/km')).toBe('A BEV has 0 g/km tailpipe CO2');

    await field(dialog, 'CO₂ g/km').fill('0');
    await dialog.getByRole('button', { name: 'Create SKU' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(
      await query(
        `select s.name, s.trim, s.powertrain, s.msrp::text as msrp, s.co2_g_per_km as co2,
                to_char(s.launch_date, 'YYYY-MM-DD') as launch, m.code as line
         from skus s join model_lines m on m.id = s.model_line_id where s.code = $1`,
        ['E2E-SKU-BEV'],
      ),
    ).toEqual([
      {
        name: 'Kit BEV',
        trim: 'Base',
        powertrain: 'BEV',
        msrp: '41250.00',
        co2: 0,
        launch: '2027-03-01',
        line: line!.code,
      },
    ]);
  });

  it('model line: a taken code is shown at Code, then the line is created', async () => {
    const [taken] = await query<{ code: string }>(
      `select code from model_lines order by code limit 1`,
      [],
    );
    const dialog = await openDialog('/catalog/model-lines', 'New model line', 'New model line');
    await field(dialog, 'Code').fill(taken!.code);
    await field(dialog, 'Name').fill('Kit Line');
    await field(dialog, 'Segment').fill('city car');
    await dialog.getByRole('button', { name: 'Create model line' }).click();
    await expect
      .poll(() => fieldError(dialog, 'Code'))
      .toBe(`Model line ${taken!.code} already exists`);

    await field(dialog, 'Code').fill('ML-E2E-KIT');
    await dialog.getByRole('button', { name: 'Create model line' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(
      await query(`select name, segment, status from model_lines where code = $1`, ['ML-E2E-KIT']),
    ).toEqual([{ name: 'Kit Line', segment: 'city car', status: 'active' }]);
  });

  it('user: a predictable password is refused at its field, then the user is created', async () => {
    const dialog = await openDialog('/admin/users', 'New user', 'New user');
    await field(dialog, 'Name').fill('Kit Analyst');
    await field(dialog, 'E-mail').fill('kit.analyst@forecourt.test');
    // Long enough for the form's own check; only the server knows it is a repetition.
    await field(dialog, 'Initial password').fill('aaaaaaaaaaaaaaaa');
    await pick(page, dialog, 'Role', 'Analyst');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await expect
      .poll(() => fieldError(dialog, 'Initial password'))
      .toBe('this password is a repetition or a sequence');

    await field(dialog, 'Initial password').fill('plum-harbor-quietly-47');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(
      await query(`select name, role, is_active as "isActive" from users where email = $1`, [
        'kit.analyst@forecourt.test',
      ]),
    ).toEqual([{ name: 'Kit Analyst', role: 'analyst', isActive: true }]);
  });

  it('API key: a region gone when the key is sent is shown at Region, then the key is created', async () => {
    const gone = await vanishingRegion('E2E-GONE');
    const [region] = await query<{ code: string; name: string }>(
      `select code, name from regions where code <> 'E2E-GONE' order by code limit 1`,
      [],
    );
    const dialog = await openDialog('/admin/api-keys', 'New API key', 'New API key');
    await field(dialog, 'Name').fill('Kit region feed');
    await pick(page, dialog, 'Role', 'Regional manager');
    await pick(page, dialog, 'Region', gone.option);
    await gone.remove();
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => fieldError(dialog, 'Region')).toBe('Region E2E-GONE does not exist');

    await pick(page, dialog, 'Region', `${region!.name} (${region!.code})`);
    await dialog.getByRole('button', { name: 'Create key' }).click();
    // The key is shown once; the stored row has its role and region.
    const shown = await page.getByTestId('new-api-key').textContent();
    expect(shown).toMatch(/^fc_[a-z0-9]{8}_/);
    expect(
      await query(
        `select k.role, r.code as region from api_keys k join regions r on r.id = k.region_id
         where k.name = $1`,
        ['Kit region feed'],
      ),
    ).toEqual([{ role: 'regional_manager', region: region!.code }]);
  });
});
