// End to end: the demo page (bindings-wasm/dist, built by bindings-wasm/build.sh)
// in headless Chromium at phone size (360×740), driven as a citizen would:
// fill a household, check, read the result and its reasons in Chinese and in
// English, make every validation message appear, use the form by keyboard
// alone, and make sure no request leaves the page once it has loaded.
//
// Set BANGFU_E2E_SCREENSHOTS=/some/dir to keep screenshots of each step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.mjs';
import { serveStatic } from './static-server.mjs';

const DIST = fileURLToPath(new URL('../../bindings-wasm/dist/', import.meta.url));
const SHOTS = process.env.BANGFU_E2E_SCREENSHOTS || '';
const AS_OF = '2023-09-06';

let server;
let browser;
let page;
const consoleErrors = [];
const lateRequests = [];

async function shot(name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

const widget = (program) => page.locator(`bangfu-check[program="${program}"]`);
const field = (w, name) => w.locator(`[data-field="${name}"]:not([type="radio"])`);
const member = (w, i) => w.locator('fieldset.member').nth(i);

/** Clicks the yes/no radio of a bool field. */
async function answer(scope, name, yes) {
  await scope.locator(`input[type="radio"][data-field="${name}"][value="${yes}"]`).check();
}

/** The error message bound to a control by aria-describedby, and its aria-invalid. */
async function describedError(control) {
  return control.evaluate((el) => {
    const root = el.getRootNode();
    const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    const err = ids.map((id) => root.getElementById(id)).find((n) => n && n.classList.contains('err'));
    return err ? { text: err.textContent.trim(), invalid: el.getAttribute('aria-invalid') } : null;
  });
}

async function expectError(control, text) {
  const got = await describedError(control);
  assert.ok(got, `no error message is bound to the control (expected "${text}")`);
  assert.equal(got.invalid, 'true');
  assert.equal(got.text, text);
}

async function submit(w) {
  await w.locator('button[type="submit"]').click();
}

before(async () => {
  assert.ok(existsSync(join(DIST, 'index.html')), `${DIST} is missing: run bindings-wasm/build.sh first`);
  server = await serveStatic(DIST);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
  page = await context.newPage();
  page.setDefaultTimeout(5000);
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(server.url);
  await page.waitForFunction(
    () => [...document.querySelectorAll('bangfu-check')].every((w) => w.dataset.state === 'ready'),
    null,
    { timeout: 15000 },
  );
  // From here on, nothing may be fetched: every check runs in the page.
  page.on('request', (r) => lateRequests.push(r.url()));
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the demo loads its four widgets from its own origin only, at phone width', async () => {
  assert.equal(await page.locator("bangfu-check").count(), 4);
  const origin = new URL(server.url).origin;
  for (const path of server.requests) assert.ok(path.startsWith('/'), path);
  const wasm = server.requests.filter((p) => p.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `the module is fetched once: ${server.requests.join(', ')}`);
  assert.equal(server.requests.filter((p) => p.endsWith('.bangfu')).length, 1, 'the rule bundle is fetched once');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width}px wide at a 360px viewport`);
  assert.ok(origin.startsWith('http://127.0.0.1:'));
  await shot('01-loaded');
});

test('a household is checked for dibao and the answer is explained in Chinese', async () => {
  const w = widget('dibao');
  // Labels are bound to their inputs.
  await w.getByLabel('家庭金融资产合计').fill('10000');
  await field(w, 'as_of').fill(AS_OF);
  await answer(w, 'registered_locally', true);
  await w.getByRole('button', { name: '添加成员' }).click();
  await w.getByRole('button', { name: '添加成员' }).click();
  const people = [
    ['1980-01-01', '800'],
    ['1982-05-01', '800'],
    ['2010-03-01', '800'],
  ];
  for (const [i, [birth, income]] of people.entries()) {
    await field(member(w, i), 'birth_date').fill(birth);
    await field(member(w, i), 'monthly_income').fill(income);
  }
  await submit(w);
  const result = w.locator('section.result');
  assert.equal(await result.getAttribute('aria-live'), 'polite');
  await result.locator('.verdict').waitFor();
  assert.equal(await result.locator('.verdict').getAttribute('data-eligible'), 'true');
  assert.match(await result.locator('h3').textContent(), /可能符合条件/);
  assert.equal(await result.locator('[data-amount]').textContent(), '735.00');
  assert.match(await result.locator('.amount').textContent(), /735\.00 元\/月/);
  assert.equal(
    await result.locator('[data-computation]').textContent(),
    '城乡低保标准 1045 元 × 家庭人口 3 − 家庭月收入 2400 元 = 735 元/月',
  );
  const reasons = await result.locator('.reasons li').allTextContents();
  assert.ok(reasons.some((r) => r.includes('家庭人均月收入 800 元低于低保标准 1045 元')), reasons.join('\n'));
  assert.ok(reasons.some((r) => r.includes('申请家庭具有本区户籍')), reasons.join('\n'));
  const standard = await result.locator('[data-parameter="dibao_standard"]').textContent();
  assert.match(standard, /城乡低保标准 = 1045/);
  assert.match(standard, /已公布/);
  assert.match(standard, /来源：|来源: /);
  assert.match(standard, /2023年城阳区持续改善民生/);
  assert.ok(await result.locator('.assumptions [data-assumption="dibao.amount"]').count(), 'the rounding assumption is flagged');
  assert.match(await result.locator('pre.explanation').textContent(), /城乡最低生活保障 — 符合条件/);
  assert.match(await result.locator('.stamp').textContent(), /cn-qingdao-chengyang 2024\.1/);
  assert.match(await result.locator('[data-hash]').textContent(), /^sha256:[0-9a-f]{64}$/);
  assert.equal(await result.locator('[data-as-of]').textContent(), AS_OF);
  await shot('02-dibao-zh');
});

test('the same answer reads in English after the language switch, values kept', async () => {
  const w = widget('dibao');
  await w.getByRole('button', { name: 'English' }).click();
  assert.equal(await w.getByRole('button', { name: 'English' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await w.getAttribute('lang'), 'en');
  const result = w.locator('section.result');
  assert.match(await result.locator('h3').textContent(), /Likely eligible/);
  assert.equal(await result.locator('[data-amount]').textContent(), '735.00');
  assert.equal(
    await result.locator('[data-computation]').textContent(),
    'Dibao standard (urban and rural) 1045 yuan × Members 3 − Household monthly income 2400 yuan = 735 yuan a month',
  );
  const reasons = await result.locator('.reasons li').allTextContents();
  assert.ok(reasons.some((r) => r.includes('Per-capita monthly income 800 yuan is below the dibao standard of 1045 yuan')), reasons.join('\n'));
  assert.match(await result.locator('[data-parameter="dibao_standard"]').textContent(), /Dibao standard \(urban and rural\) = 1045 yuan\/person\/month.*published/);
  assert.match(await result.locator('pre.explanation').textContent(), /Minimum living guarantee \(dibao\) — eligible/);
  assert.equal(await w.getByLabel('Household financial assets, total').inputValue(), '10000');
  await shot('03-dibao-en');
  // Not eligible once the income is high enough; the failing reason is shown.
  await field(member(w, 0), 'monthly_income').fill('5000');
  await submit(w);
  assert.equal(await result.locator('.verdict').getAttribute('data-eligible'), 'false');
  assert.match(await result.locator('h3').textContent(), /Likely not eligible/);
  assert.equal(await result.locator('[data-amount]').count(), 0);
  assert.ok((await result.locator('.reasons li.fail').allTextContents()).some((r) => r.includes('not below')));
  await w.getByRole('button', { name: '中文' }).click();
  assert.match(await result.locator('h3').textContent(), /可能不符合条件/);
});

test('members are added and removed, and renumbered', async () => {
  const w = widget('dibao');
  assert.equal(await w.locator('fieldset.member').count(), 3);
  await w.getByRole('button', { name: '删除成员 2' }).click();
  assert.equal(await w.locator('fieldset.member').count(), 2);
  assert.equal(await field(member(w, 1), 'birth_date').inputValue(), '2010-03-01');
  assert.deepEqual(await w.locator('fieldset.member > legend').allTextContents(), ['成员 1', '成员 2']);
  // Focus moves to the row that took the removed one's place.
  assert.equal(await page.evaluate(() => document.activeElement.shadowRoot?.activeElement?.dataset.field), 'birth_date');
  await w.getByRole('button', { name: '删除成员 2' }).click();
  assert.ok(await w.getByRole('button', { name: '删除成员 1' }).isDisabled(), 'the last member cannot be removed (too_few_items)');
  const add = w.getByRole('button', { name: '添加成员' });
  for (let i = 1; i < 20; i++) await add.click();
  assert.equal(await w.locator('fieldset.member').count(), 20);
  assert.ok(await add.isDisabled(), 'no more than the schema maximum (too_many_items)');
  for (let i = 20; i > 1; i--) await w.getByRole('button', { name: `删除成员 ${i}` }).click();
  assert.equal(await w.locator('fieldset.member').count(), 1);
});

test('every validation message appears, bound to its field, in both languages', async () => {
  const d = widget('dibao');
  const assets = field(d, 'financial_assets');
  const income = field(member(d, 0), 'monthly_income');
  const birth = field(member(d, 0), 'birth_date');
  const zh = [
    [assets, '', '请填写此项。'],
    [assets, '12.345', '请输入金额，如 1045 或 1045.50（最多两位小数）。'],
    [assets, '1,000', '请输入金额，如 1045 或 1045.50（最多两位小数）。'],
    [income, '-1', '不能小于 0。'],
    [income, '8e2', '请输入金额，如 1045 或 1045.50（最多两位小数）。'],
    [birth, '2030-01-01', `不能晚于测算日期 ${AS_OF}。`],
    [birth, '1850-01-01', '按此日期，年龄超过 150 岁，请检查。'],
  ];
  for (const [control, value, message] of zh) {
    await control.fill(value);
    await submit(d);
    await expectError(control, message);
  }
  // The summary lists the problems and links to the field.
  const summary = d.locator('.summary');
  assert.match(await summary.locator('h3').textContent(), /有 \d+ 处需要修改/);
  // Full-width digits from a Chinese input method are accepted.
  await assets.fill('１０００');
  await income.fill('800');
  await birth.fill('1980-01-01');
  await submit(d);
  assert.equal(await describedError(assets), null);
  assert.equal(await d.locator('section.result .verdict').count(), 1, await d.locator('section.result').textContent());

  // A date typed only in part (the year) is an invalid date.
  await birth.fill('');
  await birth.focus();
  await page.keyboard.type('1980');
  await submit(d);
  await expectError(birth, '请输入完整、有效的日期（年-月-日）。');
  await shot('04-dibao-errors-zh');

  const t = widget('tekun');
  await t.getByRole('button', { name: 'English' }).click();
  const grade = field(t, 'disability_grade');
  const en = [
    [grade, '1.5', 'Enter a whole number.'],
    [grade, '5', 'Must be at most 4.'],
    [grade, 'abc', 'Enter a whole number such as 3.'],
    [grade, '-1', 'Must be at least 0.'],
    [field(t, 'monthly_income'), '', 'This field is required.'],
    [field(t, 'monthly_income'), '0.001', 'Enter an amount such as 1045 or 1045.50 (at most two decimals).'],
    [field(t, 'birth_date'), '2100-01-01', `Cannot be after the date of the check, ${await field(t, 'as_of').inputValue()}.`],
    [field(t, 'as_of'), '', 'This field is required.'],
  ];
  for (const [control, value, message] of en) {
    await control.fill(value);
    await submit(t);
    await expectError(control, message);
  }
  await shot('05-tekun-errors-en');

  const m = widget('meal_subsidy');
  await submit(m);
  await expectError(field(m, 'meal_kind'), '请选择一项。');
  await expectError(m.locator('input[type="radio"][data-field="canteen_designated"][value="true"]'), '请选择“是”或“否”。');
  await expectError(field(m, 'birth_date'), '请填写此项。');
  await expectError(field(m, 'price'), '请填写此项。');
  await m.getByRole('button', { name: 'English' }).click();
  await expectError(field(m, 'meal_kind'), 'Choose one.');
  await expectError(m.locator('input[type="radio"][data-field="canteen_designated"][value="false"]'), 'Choose yes or no.');
  await m.getByRole('button', { name: '中文' }).click();
  await shot('06-meal-errors-zh');
});

test('a validation message comes from the rule set, follows the language switch, and names the date of the check', async () => {
  const d = widget('dibao');
  const birth = field(member(d, 0), 'birth_date');
  const income = field(member(d, 0), 'monthly_income');
  await field(d, 'as_of').fill(AS_OF);
  await birth.fill('2030-01-01');
  await income.fill('-5');
  await submit(d);
  await expectError(birth, `不能晚于测算日期 ${AS_OF}。`);
  await expectError(income, '不能小于 0。');
  assert.match(await d.locator('.summary h3').textContent(), /有 2 处需要修改/);
  // The messages the widget shows are the schema's, from the rule set's one catalogue.
  const schemaMessage = await d.evaluate((el) =>
    el.schema.collections[0].fields.find((f) => f.name === 'monthly_income').messages.too_small);
  assert.deepEqual(schemaMessage, { zh: '不能小于 0。', en: 'Must be at least 0.' });
  await d.getByRole('button', { name: 'English' }).click();
  await expectError(birth, `Cannot be after the date of the check, ${AS_OF}.`);
  await expectError(income, 'Must be at least 0.');
  assert.match(await d.locator('.summary h3').textContent(), /2 fields need correcting/);
  assert.match(await d.locator('.summary').textContent(), /Member 1 · Monthly income[^:]*: Must be at least 0\./);
  // Corrected while typing, in the language shown.
  await income.fill('800');
  assert.equal(await describedError(income), null);
  await birth.fill('2023-09-07');
  await expectError(birth, `Cannot be after the date of the check, ${AS_OF}.`);
  await birth.fill('1980-01-01');
  assert.equal(await describedError(birth), null);
  await d.getByRole('button', { name: '中文' }).click();
  await shot('07-dibao-message-languages');
});

test('the meal subsidy form works by keyboard alone', async () => {
  const m = widget('meal_subsidy');
  // Dates are native date inputs, typed segment by segment in the browser's
  // own order; the test sets them directly and does the rest by keyboard.
  await field(m, 'as_of').fill(AS_OF);
  await field(m, 'birth_date').fill('1958-03-01');
  await field(m, 'meal_kind').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown'); // 请选择 → 早餐 → 午餐
  assert.equal(await field(m, 'meal_kind').inputValue(), 'lunch');
  await page.keyboard.press('Tab'); // → yes / no
  await page.keyboard.press('Space');
  assert.ok(await m.locator('input[type="radio"][data-field="canteen_designated"][value="true"]').isChecked());
  await page.keyboard.press('Tab'); // → price
  assert.equal(await page.evaluate(() => document.activeElement.shadowRoot.activeElement.dataset.field), 'price');
  await page.keyboard.type('12');
  await page.keyboard.press('Enter');
  const result = m.locator('section.result');
  await result.locator('.verdict').waitFor();
  assert.equal(await result.locator('[data-amount]').textContent(), '3.00');
  // Focus moves to the result's heading, inside the aria-live region.
  assert.equal(await page.evaluate(() => document.activeElement.shadowRoot.activeElement.tagName), 'H3');
  // Adding a member by keyboard puts the focus in the new row.
  const d = widget('dibao');
  await d.getByRole('button', { name: '添加成员' }).focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.shadowRoot.activeElement.closest('fieldset.member').querySelector('legend').textContent), '成员 2');
  await shot('08-meal-keyboard');
});

test('no request left the page after it loaded, and no script error', async () => {
  assert.deepEqual(lateRequests, []);
  assert.deepEqual(consoleErrors, []);
});
