// The rule playground (bindings-wasm/dist/playground/), headless: the page
// loads a rule set's files; an edit that introduces an error shows the
// diagnostic at its file, line and column, clicking it moves the caret
// there, and fixing it clears it; the worked examples run and report
// expected against got; a case evaluates with its explanation in Chinese
// and in English; axe finds no accessibility violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { launchBrowser } from './browser.mjs';
import { serveStatic } from './static-server.mjs';

const DIST = fileURLToPath(new URL('../../bindings-wasm/dist/', import.meta.url));

let server;
let browser;

before(async () => {
  assert.ok(existsSync(join(DIST, 'playground', 'index.html')), `${DIST}playground is missing: run bindings-wasm/build.sh first`);
  server = await serveStatic(DIST);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function openPlayground(ruleSet = null) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}playground/`);
  await page.waitForSelector('#playground[data-state="ready"]', { timeout: 20000 });
  assert.deepEqual(errors, []);
  if (ruleSet) {
    const checks = await checksDone(page);
    await page.selectOption('#ruleset', ruleSet);
    await page.waitForFunction((n) => Number(document.getElementById('playground').dataset.checks) > n, checks);
  }
  return page;
}

const checksDone = (page) => page.evaluate(() => Number(document.getElementById('playground').dataset.checks));

/** Replaces the open file's text as typing would, and waits for the check that follows. */
async function edit(page, text) {
  const checks = await checksDone(page);
  await page.fill('#source', text);
  await page.waitForFunction((n) => Number(document.getElementById('playground').dataset.checks) > n, checks);
}

async function audit(page, what) {
  const results = await new AxeBuilder({ page }).analyze();
  const lines = results.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(n.target)}`));
  assert.deepEqual(lines, [], `${what}: ${lines.length} accessibility violations`);
}

test('the page loads a rule set, and it checks clean', async () => {
  const page = await openPlayground();
  assert.match(await page.textContent('#status'), /规则集可以加载/);
  const files = await page.$$eval('#file option', (os) => os.map((o) => o.value));
  assert.ok(files.includes('ruleset.toml') && files.some((f) => f.startsWith('programs/')), files.join(' '));
  assert.equal(await page.inputValue('#file'), 'ruleset.toml');
  assert.ok((await page.inputValue('#source')).includes('[ruleset]'));
  await page.context().close();
});

test('an error is shown at its line and column, the caret goes there, and fixing it clears it', async () => {
  const page = await openPlayground('example-city');
  await page.selectOption('#file', 'programs/dibao.toml');
  const original = await page.inputValue('#source');
  const lines = original.split('\n');
  const index = lines.findIndex((l) => l.includes('formula = "sum(members, monthly_income)"'));
  assert.ok(index >= 0);
  lines[index] = lines[index].replace('sum(members, monthly_income)', 'sum(members, monthly_incme)');
  await edit(page, lines.join('\n'));
  assert.match(await page.textContent('#status'), /无法加载/);
  const item = page.locator('#diagnostics li[data-code="E0010"]').first();
  const loc = await item.getAttribute('data-loc');
  const [file, line, column] = loc.split(':');
  assert.equal(file, 'programs/dibao.toml');
  assert.equal(Number(line), index + 1);
  assert.ok(Number(column) > 1);
  assert.match(await item.textContent(), /未定义/); // what the code means, in Chinese
  // Another file is open; the diagnostic opens its file and puts the caret there.
  await page.selectOption('#file', 'ruleset.toml');
  await item.getByRole('button').click();
  assert.equal(await page.inputValue('#file'), 'programs/dibao.toml');
  const caret = await page.$eval('#source', (t) => [t.selectionStart, document.activeElement === t]);
  const text = await page.inputValue('#source');
  const lineStart = text.split('\n').slice(0, index).join('\n').length + 1;
  assert.deepEqual(caret, [lineStart + Number(column) - 1, true]);
  assert.ok(text.slice(caret[0]).startsWith('monthly_incme') || text.slice(caret[0]).includes('monthly_incme'), text.slice(caret[0], caret[0] + 40));
  // The run and case buttons wait for a rule set that loads.
  assert.equal(await page.isDisabled('#run-examples'), true);
  await edit(page, original);
  assert.match(await page.textContent('#status'), /规则集可以加载/);
  assert.equal(await page.locator('#diagnostics li[data-code="E0010"]').count(), 0);
  assert.equal(await page.isDisabled('#run-examples'), false);
  await page.context().close();
});

test('the worked examples run and report expected against got', async () => {
  const page = await openPlayground('example-city');
  await page.click('#run-examples');
  const all = await page.locator('#examples li').count();
  assert.ok(all > 0);
  assert.equal(await page.locator('#examples li[data-passed="true"]').count(), all);
  assert.match(await page.textContent('#examples-summary'), new RegExp(`${all} 个通过，0 个未通过`));
  // A figure changed: the examples that rest on it fail, with what was expected and what came out.
  await page.selectOption('#file', 'parameters/standards.toml');
  await edit(page, (await page.inputValue('#source')).replace('value = "1000"', 'value = "900"'));
  await page.click('#run-examples');
  const failed = page.locator('#examples li[data-passed="false"]');
  assert.ok((await failed.count()) > 0);
  const row = failed.first().locator('tbody tr').filter({ has: page.locator('td.fail') }).first();
  const [expected, got] = await row.locator('td').allTextContents();
  assert.notEqual(expected, got);
  await page.selectOption('#lang', 'en');
  assert.match(await page.textContent('#examples-summary'), /passed, [1-9]\d* failed/);
  await page.context().close();
});

test('a case evaluates with its explanation, in Chinese and in English', async () => {
  const page = await openPlayground('cn-qingdao-chengyang');
  await page.selectOption('#sample', 'household-dibao.json');
  await page.selectOption('#target', 'dibao');
  await page.fill('#as-of', '2023-09-06');
  await page.click('#evaluate');
  const result = page.locator('#result');
  await result.locator('[data-program="dibao"]').waitFor();
  assert.equal(await result.locator('[data-amount]').first().textContent(), '735.00');
  const zh = await result.locator('[data-explanation]').textContent();
  assert.match(zh, /^城乡最低生活保障 — 符合条件，金额 735 元/);
  await page.selectOption('#lang', 'en');
  await result.locator('[data-explanation]').filter({ hasText: /eligible/i }).waitFor();
  const en = await result.locator('[data-explanation]').textContent();
  // In English (a source quoted in its own words stays in Chinese).
  assert.match(en, /^Minimum living guarantee \(dibao\) — eligible, amount 735 yuan/);
  // A case that is not JSON is refused in the page's language.
  await page.fill('#case', '{');
  await page.click('#evaluate');
  assert.match(await result.locator('[role="alert"]').textContent(), /not valid JSON/);
  await page.context().close();
});

test('no accessibility violation, in Chinese and in English, with problems, examples and a result shown', async () => {
  const page = await openPlayground('example-city');
  await audit(page, 'loaded');
  await page.selectOption('#file', 'programs/dibao.toml');
  const original = await page.inputValue('#source');
  await edit(page, original.replace('sum(members, monthly_income)', 'sum(members, monthly_incme)'));
  await audit(page, 'with a diagnostic');
  await edit(page, original);
  await page.click('#run-examples');
  await page.selectOption('#target', 'dibao');
  await page.fill('#as-of', '2025-06-01');
  await page.fill('#case', JSON.stringify({ registered_locally: true, members: [{ birth_date: '1950-01-01', monthly_income: '300' }] }));
  await page.click('#evaluate');
  await audit(page, 'with examples and a result (zh)');
  await page.selectOption('#lang', 'en');
  await audit(page, 'with examples and a result (en)');
  await page.context().close();
});
