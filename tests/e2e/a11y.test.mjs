// Accessibility audit: axe-core (@axe-core/playwright) over the whole demo
// page — its four widgets, inside their shadow roots — at phone width
// (360 px) and desktop width (1280 px), in Chinese and in English, with the
// forms empty, with every validation message shown, and with answers shown.
// Every rule axe runs by default (WCAG 2.x A and AA, and best practices)
// must pass: zero violations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { launchBrowser } from './browser.mjs';
import { serveStatic } from './static-server.mjs';

const DIST = fileURLToPath(new URL('../../bindings-wasm/dist/', import.meta.url));
const AS_OF = '2023-09-06';
const WIDTHS = [360, 1280];
const LANGS = [['zh', '中文'], ['en', 'English']];

let server;
let browser;

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), `${DIST} is missing: run bindings-wasm/build.sh first`);
  server = await serveStatic(DIST);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** The demo at `width`, every widget ready. */
async function openPage(width) {
  const context = await browser.newContext({ viewport: { width, height: 800 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(5000);
  await page.goto(server.url);
  await page.waitForFunction(
    () => [...document.querySelectorAll('bangfu-check')].every((w) => w.dataset.state === 'ready'),
    null,
    { timeout: 15000 },
  );
  return page;
}

async function setLanguage(page, [, button]) {
  for (const w of await page.locator('bangfu-check').all()) await w.getByRole('button', { name: button, exact: true }).click();
}

/** Runs axe on the page; fails with every violation listed. Checks that it looked inside the widgets. */
async function audit(page, what) {
  const results = await new AxeBuilder({ page }).analyze();
  const lines = results.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(n.target)}\n    ${n.failureSummary.replace(/\n/g, '\n    ')}`));
  assert.deepEqual(lines, [], `${what}: ${lines.length} accessibility violations`);
  const inShadow = results.passes.flatMap((p) => p.nodes).filter((n) => Array.isArray(n.target[0]) || n.target.length > 1);
  assert.ok(inShadow.length > 20, `${what}: axe checked only ${inShadow.length} elements inside the widgets`);
}

async function fillAnswers(page) {
  const h = page.locator('bangfu-check[entity="household"]');
  const field = (scope, name) => scope.locator(`[data-field="${name}"]:not([type="radio"])`);
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
  // The folded policy figures and full explanations are audited open too.
  await h.evaluate((el) => el.shadowRoot.querySelectorAll('details').forEach((d) => { d.open = true; }));
  const m = page.locator('bangfu-check[program="meal_subsidy"]');
  await field(m, 'as_of').fill(AS_OF);
  await field(m, 'birth_date').fill('1950-01-01');
  await field(m, 'meal_kind').selectOption('breakfast');
  await m.locator('input[type="radio"][data-field="canteen_designated"][value="false"]').check();
  await field(m, 'price').fill('12');
  await m.locator('button[type="submit"]').click();
  await m.locator('.verdict').waitFor();
}

for (const width of WIDTHS) {
  for (const lang of LANGS) {
    test(`no accessibility violation at ${width}px in ${lang[0]}: empty, with errors, with answers`, async () => {
      const page = await openPage(width);
      try {
        await setLanguage(page, lang);
        assert.equal(await page.locator('bangfu-check').first().evaluate((el) => el.shadowRoot.querySelector('.card').lang), lang[0] === 'zh' ? 'zh-CN' : 'en');
        await audit(page, 'empty forms');
        for (const w of await page.locator('bangfu-check').all()) await w.locator('button[type="submit"]').click();
        assert.ok(await page.locator('bangfu-check[entity="household"] .summary li').count() > 3);
        await audit(page, 'validation errors');
        await fillAnswers(page);
        await audit(page, 'answers');
      } finally {
        await page.context().close();
      }
    });
  }
}
