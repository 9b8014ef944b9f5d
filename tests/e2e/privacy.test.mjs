// End to end: what the widget keeps, and the receipt. By default nothing is
// written to localStorage, sessionStorage or cookies, and a reload shows an
// empty form; "save on this device" keeps the values in this browser and
// unticking it deletes them. The print button prints the answer alone, as a
// receipt with the rule set's id, version and content hash, the date of the
// check, the day printed and what was entered. Headless Chromium at 360×740.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.mjs';
import { serveStatic } from './static-server.mjs';

const DIST = fileURLToPath(new URL('../../bindings-wasm/dist/', import.meta.url));
const AS_OF = '2023-09-06';

let server;
let browser;
let context;
let page;
const consoleErrors = [];

const widget = (attr) => page.locator(`bangfu-check[${attr}]`);
const field = (scope, name) => scope.locator(`[data-field="${name}"]:not([type="radio"])`);

async function open() {
  await page.goto(server.url);
  await page.waitForFunction(
    () => [...document.querySelectorAll('bangfu-check')].every((w) => w.dataset.state === 'ready'),
    null,
    { timeout: 15000 },
  );
}

/** Everything the page has stored: localStorage, sessionStorage, cookies. */
async function stored() {
  const storage = await page.evaluate(() => ({
    local: Object.fromEntries(Object.entries(localStorage)),
    session: Object.fromEntries(Object.entries(sessionStorage)),
  }));
  return { ...storage, cookies: await context.cookies() };
}

async function fillMeal(m) {
  await field(m, 'as_of').fill(AS_OF);
  await field(m, 'birth_date').fill('1950-01-01');
  await field(m, 'meal_kind').selectOption('lunch');
  await m.locator('input[type="radio"][data-field="canteen_designated"][value="true"]').check();
  await field(m, 'price').fill('12');
}

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), `${DIST} is missing: run bindings-wasm/build.sh first`);
  server = await serveStatic(DIST);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
  page = await context.newPage();
  page.setDefaultTimeout(5000);
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await open();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('by default nothing is stored, and a reload shows an empty form', async () => {
  const m = widget('program="meal_subsidy"');
  const save = m.getByLabel('在本设备上保存我填写的内容');
  assert.equal(await save.isChecked(), false);
  assert.match(await save.evaluate((el) => el.getRootNode().getElementById(el.getAttribute('aria-describedby')).textContent), /关闭页面后不留下任何内容/);
  await fillMeal(m);
  await m.locator('button[type="submit"]').click();
  await m.locator('.verdict').waitFor();
  const h = widget('entity="household"');
  await field(h, 'financial_assets').fill('1000');
  await h.locator('button[type="submit"]').click();
  assert.deepEqual(await stored(), { local: {}, session: {}, cookies: [] });
  await open();
  assert.equal(await field(widget('program="meal_subsidy"'), 'price').inputValue(), '');
  assert.equal(await field(widget('entity="household"'), 'financial_assets').inputValue(), '');
});

test('"save on this device" keeps the values in this browser until it is unticked', async () => {
  let h = widget('entity="household"');
  await field(h, 'financial_assets').fill('1000');
  await h.getByRole('button', { name: '添加成员' }).click();
  await field(h.locator('fieldset.member').nth(1), 'monthly_income').fill('800');
  await field(h, 'price').fill('12');
  await h.getByLabel('在本设备上保存我填写的内容').check();
  const { local, session } = await stored();
  assert.deepEqual(Object.keys(local), ['bangfu-check:cn-qingdao-chengyang:household']);
  assert.deepEqual(session, {});
  const saved = JSON.parse(local['bangfu-check:cn-qingdao-chengyang:household']);
  assert.equal(saved.values.financial_assets, '1000', 'money is kept as the text typed');
  assert.equal(saved.rows.members[1].monthly_income, '800');
  assert.equal(saved.groups.meal.price, '12');
  // Kept up to date while typing.
  await field(h, 'financial_assets').fill('2000');
  assert.equal(JSON.parse((await stored()).local['bangfu-check:cn-qingdao-chengyang:household']).values.financial_assets, '2000');
  await open();
  h = widget('entity="household"');
  assert.equal(await h.getByLabel('在本设备上保存我填写的内容').isChecked(), true);
  assert.equal(await field(h, 'financial_assets').inputValue(), '2000');
  assert.equal(await h.locator('fieldset.member').count(), 2);
  assert.equal(await field(h.locator('fieldset.member').nth(1), 'monthly_income').inputValue(), '800');
  assert.equal(await field(h, 'price').inputValue(), '12');
  // Other forms kept nothing.
  assert.equal(await field(widget('program="dibao"'), 'financial_assets').inputValue(), '');
  await h.getByLabel('在本设备上保存我填写的内容').uncheck();
  assert.deepEqual((await stored()).local, {});
  // The same choice, in English.
  await h.getByRole('button', { name: 'English' }).click();
  const save = h.getByLabel('Save what I enter on this device');
  assert.equal(await save.isChecked(), false);
  assert.match(await save.evaluate((el) => el.getRootNode().getElementById(el.getAttribute('aria-describedby')).textContent),
    /Unless ticked, nothing you enter is saved, and nothing is kept once the page is closed/);
  await open();
  assert.equal(await field(widget('entity="household"'), 'financial_assets').inputValue(), '');
});

test('the answer prints alone as a receipt with the rule set\'s stamp, the dates and what was entered', async () => {
  await page.evaluate(() => {
    window.printCalls = 0;
    window.print = () => { window.printCalls++; };
  });
  const m = widget('program="meal_subsidy"');
  assert.equal(await m.getByRole('button', { name: '打印或另存为 PDF' }).count(), 0, 'no receipt before an answer');
  await fillMeal(m);
  await m.locator('button[type="submit"]').click();
  await m.locator('.verdict').waitFor();
  await m.getByRole('button', { name: '打印或另存为 PDF' }).click();
  assert.equal(await page.evaluate(() => window.printCalls), 1);
  assert.equal(await m.getAttribute('data-printing'), '');

  await page.emulateMedia({ media: 'print' });
  const visible = (locator) => locator.evaluate((el) => getComputedStyle(el).visibility === 'visible' && getComputedStyle(el).display !== 'none' && el.getClientRects().length > 0);
  assert.equal(await visible(m.locator('form')), false, 'the form is not printed');
  assert.equal(await visible(m.locator('button[id$="-print"]')), false);
  assert.equal(await visible(m.locator('.langs')), false);
  assert.equal(await visible(widget('program="dibao"')), false, 'the rest of the page is not printed');
  assert.equal(await visible(page.locator('h1')), false);
  const receipt = m.locator('[data-receipt]');
  assert.equal(await visible(receipt), true);
  assert.match(await receipt.textContent(), /测算回执/);
  assert.match(await receipt.textContent(), /打印日期: \d{4}-\d{2}-\d{2}/);
  assert.match(await receipt.textContent(), /餐费12 元/);
  assert.match(await receipt.textContent(), /餐次午餐/);
  assert.equal(await visible(m.locator('.verdict')), true);
  const stamp = m.locator('[data-stamp]');
  assert.equal(await visible(stamp), true);
  assert.match(await stamp.textContent(), /规则集cn-qingdao-chengyang 2024\.1/);
  assert.match(await stamp.locator('[data-hash]').textContent(), /^sha256:[0-9a-f]{64}$/);
  assert.equal(await stamp.locator('[data-as-of]').textContent(), AS_OF);
  const pdf = await page.pdf({ format: 'A4' });
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');

  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  assert.equal(await m.getAttribute('data-printing'), null);
  await page.emulateMedia({ media: 'screen' });
  assert.equal(await visible(m.locator('form')), true);
  assert.equal(await visible(receipt), false, 'the receipt head is for print only');
});

test('the household\'s receipt opens its folded policy figures for print, in English too', async () => {
  const h = widget('entity="household"');
  await h.getByRole('button', { name: 'English' }).click();
  await field(h, 'as_of').fill(AS_OF);
  await h.locator('input[type="radio"][data-field="registered_locally"][value="true"]').check();
  await field(h, 'financial_assets').fill('1000');
  await field(h, 'birth_date').fill('1950-01-01');
  await field(h, 'monthly_income').fill('300');
  await field(h, 'meal_kind').selectOption('lunch');
  await h.locator('input[type="radio"][data-field="canteen_designated"][value="true"]').check();
  await field(h, 'price').fill('12');
  await h.locator('button[type="submit"]').click();
  await h.locator('[data-overview]').waitFor();
  assert.equal(await h.locator('details.figures[open]').count(), 0);
  await h.getByRole('button', { name: 'Print or save as PDF' }).click();
  assert.equal(await h.locator('details.figures:not([open])').count(), 0);
  assert.match(await h.locator('[data-receipt]').textContent(), /Self-check receipt.*Printed on: \d{4}-\d{2}-\d{2}.*What you entered/);
  assert.match(await h.locator('[data-stamp]').textContent(), /Rule setcn-qingdao-chengyang 2024\.1Content hashsha256:[0-9a-f]{64}Date of the check2023-09-06/);
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  assert.equal(await h.locator('details.figures[open]').count(), 0);
  assert.deepEqual(consoleErrors, []);
});
