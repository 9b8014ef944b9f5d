// End to end: the all-programs form (<bangfu-check entity="household">) in
// headless Chromium at phone size (360×740), in Chinese and English. The
// household and its members are described once; the answer lists every
// program of the household and of each member (extreme-poverty support, the
// meal subsidy), each with its verdict, amount, unit and how it is made up,
// exactly as the engine renders them. Also: the amount lines of the
// one-program forms.
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
let page;
const consoleErrors = [];
const lateRequests = [];

const household = () => page.locator('bangfu-check[entity="household"]');
const field = (scope, name) => scope.locator(`[data-field="${name}"]:not([type="radio"])`);
const member = (i) => household().locator('fieldset.member').nth(i);
const answer = (scope, name, yes) => scope.locator(`input[type="radio"][data-field="${name}"][value="${yes}"]`).check();
const article = (program, who) => household().locator(`article[data-program="${program}"][data-who="${who}"]`);

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
  page.on('request', (r) => lateRequests.push(r.url()));
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the form asks once for exactly what the programs shown read or demand', async () => {
  const asked = await household().evaluate((el) => {
    const names = (sel, keep = () => true) => [...new Set([...el.shadowRoot.querySelectorAll(sel)].filter(keep).map((n) => n.dataset.field))].sort();
    const inSection = (label) => names(`fieldset.member:first-of-type fieldset.section [data-field]`, (n) => n.closest('fieldset.section').querySelector('legend').textContent === label);
    return {
      top: names('form [data-field]:not([data-collection])', (n) => !n.closest('fieldset.group')),
      tekunOnly: inSection('仅用于“特困人员救助供养”'),
      temporaryOnly: names('form > fieldset.section [data-field]', (n) => n.closest('fieldset.section').querySelector('legend').textContent === '仅用于“临时救助”'),
      members: names('fieldset.member [data-field]'),
      meal: names('fieldset.group[data-group="meal"] [data-field]'),
      programs: [...el.shadowRoot.querySelectorAll('ul.programs li')].map((li) => li.textContent),
    };
  });
  // What the schemas list (the inputs each program reads, and those the input check demands).
  const expected = await household().evaluate((el) => {
    const schemas = el.rules.programs().map((p) => el.rules.schema(p.program));
    const union = (list) => [...new Set(list.map((f) => f.name))].sort();
    const own = schemas.filter((s) => s.entity === 'household');
    const person = schemas.filter((s) => s.entity === 'person');
    const meal = schemas.filter((s) => s.entity === 'meal');
    return {
      top: union(own.flatMap((s) => s.fields)).concat().sort(),
      members: union([...own.flatMap((s) => s.collections[0].fields), ...person.flatMap((s) => s.fields)]),
      meal: union(meal.flatMap((s) => s.fields)).filter((n) => n !== 'birth_date'),
      programs: [...own, ...person, ...meal].map((s) => s.label.zh),
    };
  });
  assert.deepEqual(asked.top, ['as_of', ...expected.top].sort());
  assert.deepEqual(asked.members, expected.members);
  assert.deepEqual(asked.meal, expected.meal);
  assert.deepEqual(asked.programs, expected.programs);
  // No canteen, operator or community program: those are not about a household.
  assert.ok(!asked.programs.includes('助老餐厅一次性开办补助'));
  assert.ok(asked.members.includes('disability_grade'), 'extreme-poverty support asks about disability, per member');
  // A question one program alone asks is shown under that program's name.
  assert.deepEqual(asked.tekunOnly, ['disability_grade', 'disability_kind', 'has_able_supporter', 'in_full_time_study', 'personal_financial_assets', 'supported_as_minor', 'tekun_excluded_income']);
  assert.deepEqual(asked.temporaryOnly, ['emergency_hardship', 'emergency_need']);
  assert.ok(!asked.top.includes('designated'));
});

test('every program of the household and of each member is answered, with amounts, units and how they are made up (zh)', async () => {
  const w = household();
  await field(w, 'as_of').fill(AS_OF);
  await answer(w, 'registered_locally', true);
  await field(w, 'financial_assets').fill('1000');
  await w.getByRole('button', { name: '添加成员' }).click();
  await field(member(0), 'birth_date').fill('1950-01-01');
  await field(member(0), 'monthly_income').fill('300');
  await answer(member(0), 'has_able_supporter', false);
  await field(member(1), 'birth_date').fill('1982-05-01');
  await field(member(1), 'monthly_income').fill('800');
  await field(w, 'meal_kind').selectOption('lunch');
  await answer(w, 'canteen_designated', true);
  await field(w, 'price').fill('12');
  await w.locator('button[type="submit"]').click();
  const result = w.locator('section.result');
  await result.locator('[data-overview]').waitFor();
  // Focus moves to the overview's heading.
  assert.equal(await page.evaluate(() => document.activeElement.shadowRoot.activeElement.textContent), '测算结果：8 个项目中，可能符合 3 个');
  assert.deepEqual(await result.locator('[data-overview] li').allTextContents(), [
    '家庭 · 城乡最低生活保障 — 990.00 元/月',
    '成员 1 · 特困人员救助供养 — 1568 元/月',
    '成员 1 · 老年人就餐补贴 — 6.00 元/餐',
  ]);
  const dibao = article('dibao', '家庭');
  assert.equal(await dibao.locator('.verdict').getAttribute('data-eligible'), 'true');
  assert.equal(await dibao.locator('[data-amount]').textContent(), '990.00');
  assert.equal(await dibao.locator('[data-unit]').textContent(), ' 元/月');
  assert.equal(await dibao.locator('[data-computation]').textContent(), '城乡低保标准 1045 元 × 家庭人口 2 − 家庭月收入 1100 元 = 990 元/月');
  const tekun = article('tekun', '成员 1');
  assert.equal(await tekun.locator('[data-amount]').textContent(), '1568');
  assert.equal(await tekun.locator('[data-computation]').textContent(),
    '城乡特困人员基本生活标准 1568 元（城乡低保标准 1045 元 × 特困人员基本生活标准相对低保标准的倍数 1.5，向上取整到 1） = 1568 元/月');
  const meal = article('meal_subsidy', '成员 1');
  assert.equal(await meal.locator('[data-amount]').textContent(), '6.00');
  assert.equal(await meal.locator('[data-unit]').textContent(), ' 元/餐');
  assert.equal(await meal.locator('[data-computation]').textContent(), '按年龄的补贴标准 6 元（70周岁以上档）、餐费 12 元中较小者 = 6 元/餐');
  // The second member: neither program, with the reason the engine gives.
  assert.equal(await article('tekun', '成员 2').locator('.verdict').getAttribute('data-eligible'), 'false');
  assert.equal(await article('meal_subsidy', '成员 2').locator('[data-amount]').count(), 0);
  assert.match(await article('meal_subsidy', '成员 2').locator('.reasons li.fail').first().textContent(), /未满60周岁/);
  // Household programs that are not likely, each with its reasons.
  for (const p of ['low_income_edge', 'serious_illness_poverty', 'temporary_assistance']) {
    assert.equal(await article(p, '家庭').locator('.verdict').getAttribute('data-eligible'), 'false', p);
    assert.ok(await article(p, '家庭').locator('.reasons li.fail').count() > 0, p);
  }
  // Assumptions are flagged in each program's folded policy figures.
  assert.match(await dibao.locator('details.figures summary').textContent(), /含 1 项假设/);
  assert.equal(await result.locator('details.full-text').count(), 3, 'the household and each member explained in full');
  assert.match(await result.locator('[data-hash]').textContent(), /^sha256:[0-9a-f]{64}$/);
  assert.equal(await result.locator('[data-as-of]').textContent(), AS_OF);
});

test('each member\'s answer is the engine\'s for that member', async () => {
  const same = await household().evaluate((el, asOf) => {
    const rows = el.answer.input.members;
    const person = el.rules.evaluate('person', rows[0], asOf);
    const meal = el.rules.evaluate('meal', { meal_kind: 'lunch', canteen_designated: true, price: '12', birth_date: rows[0].birth_date }, asOf);
    return JSON.stringify(el.answer.members[0].outcomes) === JSON.stringify([person, meal]);
  }, AS_OF);
  assert.ok(same);
});

test('the answer reads in English, amounts and how they are made up included', async () => {
  const w = household();
  await w.getByRole('button', { name: 'English' }).click();
  const result = w.locator('section.result');
  assert.equal(await result.locator('[data-overview] h3').textContent(), 'Result: likely eligible for 3 of 8 programs');
  assert.deepEqual(await result.locator('[data-overview] li').allTextContents(), [
    'Household · Minimum living guarantee (dibao) — 990.00 yuan a month',
    'Member 1 · Extreme-poverty support (tekun) — 1568 yuan a month',
    'Member 1 · Elderly meal subsidy — 6.00 yuan/meal',
  ]);
  assert.equal(await article('dibao', 'Household').locator('[data-computation]').textContent(),
    'Dibao standard (urban and rural) 1045 yuan × Members 2 − Household monthly income 1100 yuan = 990 yuan a month');
  assert.equal(await article('meal_subsidy', 'Member 1').locator('[data-computation]').textContent(),
    'the smaller of Subsidy rate for the diner\'s age 6 yuan (band age 70 and over) and Price of the meal 12 yuan = 6 yuan/meal');
  assert.match(await article('tekun', 'Member 1').locator('.computation').textContent(), /^How it is made up: Extreme-poverty \(tekun\) basic living standard 1568 yuan/);
  assert.equal(await w.locator('.card').getAttribute('lang'), 'en');
  await w.getByRole('button', { name: '中文' }).click();
});

test('a problem with a member program\'s field is the rule set\'s message, on that member, in both languages', async () => {
  const w = household();
  const grade = field(member(1), 'disability_grade');
  await grade.fill('9');
  await w.locator('button[type="submit"]').click();
  const err = async () => grade.evaluate((el) => {
    const root = el.getRootNode();
    const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/);
    return [el.getAttribute('aria-invalid'), ids.map((id) => root.getElementById(id)).find((n) => n?.classList.contains('err'))?.textContent];
  });
  assert.deepEqual(await err(), ['true', '不能大于 4。']);
  assert.match(await w.locator('.summary').textContent(), /成员 2 · 残疾等级: 不能大于 4。/);
  await w.getByRole('button', { name: 'English' }).click();
  assert.deepEqual(await err(), ['true', 'Must be at most 4.']);
  await w.getByRole('button', { name: '中文' }).click();
  await field(w, 'price').fill('');
  await grade.fill('0');
  await w.locator('button[type="submit"]').click();
  assert.match(await w.locator('.summary').textContent(), /餐费: 请填写此项。/);
  await field(w, 'price').fill('12');
  await w.locator('button[type="submit"]').click();
  await w.locator('[data-overview]').waitFor();
});

test('the one-program forms show the amount with its unit and how it is made up, in both languages', async () => {
  const t = page.locator('bangfu-check[program="tekun"]');
  await field(t, 'as_of').fill(AS_OF);
  await field(t, 'birth_date').fill('1950-01-01');
  await field(t, 'monthly_income').fill('300');
  await answer(t, 'has_able_supporter', false);
  await t.locator('button[type="submit"]').click();
  await t.locator('.verdict').waitFor();
  assert.match(await t.locator('.amount').textContent(), /1568 元\/月$/);
  assert.match(await t.locator('.computation').textContent(), /^计算：城乡特困人员基本生活标准 1568 元/);
  await t.getByRole('button', { name: 'English' }).click();
  assert.match(await t.locator('.amount').textContent(), /1568 yuan a month$/);
  assert.match(await t.locator('.computation').textContent(), /^How it is made up: Extreme-poverty \(tekun\) basic living standard 1568 yuan/);
  const m = page.locator('bangfu-check[program="meal_subsidy"]');
  await field(m, 'as_of').fill(AS_OF);
  await field(m, 'birth_date').fill('1958-03-01');
  await field(m, 'meal_kind').selectOption('dinner');
  await answer(m, 'canteen_designated', true);
  await field(m, 'price').fill('2.5');
  await m.locator('button[type="submit"]').click();
  await m.locator('.verdict').waitFor();
  assert.equal(await m.locator('[data-amount]').textContent(), '2.50');
  assert.equal(await m.locator('[data-computation]').textContent(), '按年龄的补贴标准 3 元（60-69周岁档）、餐费 2.5 元中较小者 = 2.5 元/餐');
  await m.getByRole('button', { name: 'English' }).click();
  assert.match(await m.locator('.amount').textContent(), /2\.50 yuan\/meal$/);
});

test('the all-programs form fits 360 px, sent nothing, and raised no script error', async () => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `the page is ${width}px wide at a 360px viewport`);
  assert.deepEqual(lateRequests, []);
  assert.deepEqual(consoleErrors, []);
});
