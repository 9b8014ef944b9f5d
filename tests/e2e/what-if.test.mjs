// End to end: the dibao widget says what would change the answer. A single
// person earning too much reads, under the answer, the income at which she
// may qualify, in Chinese and then in English; once eligible, nothing (the
// search is not run). Needs bindings-wasm/dist (bindings-wasm/build.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.mjs';
import { serveStatic } from './static-server.mjs';

const DIST = fileURLToPath(new URL('../../bindings-wasm/dist/', import.meta.url));

let server;
let browser;
let page;

const widget = () => page.locator('bangfu-check[program="dibao"]');
const field = (scope, name) => scope.locator(`[data-field="${name}"]:not([type="radio"])`);

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), `${DIST} is missing: run bindings-wasm/build.sh first`);
  server = await serveStatic(DIST);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
  page = await context.newPage();
  page.setDefaultTimeout(20000);
  await page.goto(server.url);
  await page.waitForFunction(
    () => [...document.querySelectorAll('bangfu-check')].every((w) => w.dataset.state === 'ready'),
    null,
    { timeout: 20000 },
  );
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the line that would change the answer reads in both languages', async () => {
  const w = widget();
  await field(w, 'as_of').fill('2023-09-06');
  await field(w, 'financial_assets').fill('10000');
  await w.locator('input[type="radio"][data-field="registered_locally"][value="true"]').check();
  const person = w.locator('fieldset.member').nth(0);
  await field(person, 'birth_date').fill('1980-01-01');
  await field(person, 'monthly_income').fill('1500');
  await w.locator('button[type="submit"]').click();
  const result = w.locator('section.result');
  await result.locator('.verdict').waitFor();
  assert.equal(await result.locator('.verdict').getAttribute('data-eligible'), 'false');
  const line = result.locator('[data-what-if] li[data-what-if-path="members[0].monthly_income"]');
  assert.equal(await line.textContent(), '如果第1位成员的“月收入”不超过 1,044.99 元，可能符合“城乡最低生活保障”的条件。');
  assert.match(await result.locator('[data-what-if] h4').textContent(), /什么会改变结果/);
  await w.getByRole('button', { name: 'English' }).click();
  assert.equal(
    await line.textContent(),
    'You may qualify for Minimum living guarantee (dibao) if member 1\'s “Monthly income” is at most 1,044.99 yuan.',
  );
  // Eligible: nothing to say (the search is not run).
  await field(person, 'monthly_income').fill('800');
  await w.locator('button[type="submit"]').click();
  assert.equal(await result.locator('.verdict').getAttribute('data-eligible'), 'true');
  assert.equal(await result.locator('[data-what-if]').count(), 0);
});
