import { launchBrowser } from './browser.mjs';
import { serveStatic } from './static-server.mjs';
const server = await serveStatic('../../bindings-wasm/dist');
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
await page.goto(server.url);
await page.waitForFunction(() => [...document.querySelectorAll('bangfu-check')].every((w) => w.dataset.state === 'ready'));
const w = page.locator('bangfu-check[program="dibao"]');
const f = (s, n) => s.locator(`[data-field="${n}"]:not([type="radio"])`);
await f(w, 'as_of').fill('2023-09-06');
await w.locator('input[type=radio][data-field=registered_locally][value=true]').check();
await f(w, 'financial_assets').fill('10000');
await w.getByRole('button', { name: '添加成员' }).click();
for (const [i, v] of [['1980-01-01', '800'], ['1982-05-01', '800']].entries()) {
  await f(w.locator('fieldset.member').nth(i), 'birth_date').fill(v[0]);
  await f(w.locator('fieldset.member').nth(i), 'monthly_income').fill(v[1]);
}
await w.locator('button[type=submit]').click();
const box = await w.boundingBox();
const res = await w.locator('section.result').boundingBox();
await page.screenshot({ path: '/tmp/s-form.png', fullPage: true, clip: { x: 0, y: box.y, width: 360, height: 1300 } });
await page.screenshot({ path: '/tmp/s-res1.png', fullPage: true, clip: { x: 0, y: res.y - 10, width: 360, height: 1300 } });

await w.getByRole('button', { name: 'English' }).click();
const res2 = await w.locator('section.result').boundingBox();
await page.screenshot({ path: '/tmp/s-en.png', fullPage: true, clip: { x: 0, y: res2.y - 10, width: 360, height: 1300 } });
await browser.close(); await server.close();
