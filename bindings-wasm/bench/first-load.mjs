// Benchmark (not a test): time from page load to an interactive form in
// headless Chromium, for the demo site (bindings-wasm/dist: the lean runtime,
// the precompiled bundle, the widget). Each round opens the page in a fresh
// browser context (nothing cached) and waits until every widget on it is
// ready (its form rendered from the rule set's schema); the time is the
// page's own clock at that moment (milliseconds since navigation began).
//
//   bindings-wasm/build.sh && node bindings-wasm/bench/first-load.mjs [rounds] [--from-files]
//
// With --from-files, the same page as it loaded before bundles: the
// authoring module, and the rule files fetched as JSON text, parsed and
// checked in the page (a copy of dist/ in a temporary folder, with
// widget/rules.js changed to do so).
//
// Prints the median and the fastest round, and what the page fetched.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, ruleFiles } from '../tests/wasm-package.mjs';
import { launchBrowser } from '../../tests/e2e/browser.mjs';
import { serveStatic } from '../../tests/e2e/static-server.mjs';

const rounds = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) || 10);
const fromFiles = process.argv.includes('--from-files');
let dist = fileURLToPath(new URL('../dist/', import.meta.url));
let temp = null;
if (fromFiles) {
  temp = mkdtempSync(join(tmpdir(), 'bangfu-first-load-'));
  cpSync(dist, temp, { recursive: true });
  rmSync(join(temp, 'pkg'), { recursive: true });
  cpSync(join(REPO_ROOT, 'bindings-wasm', 'pkg-authoring'), join(temp, 'pkg'), { recursive: true });
  writeFileSync(
    join(temp, 'rules', 'cn-qingdao-chengyang.bangfu'),
    JSON.stringify(ruleFiles(join(REPO_ROOT, 'rules', 'cn-qingdao-chengyang'))),
  );
  // The loader from its source (the site's copy is minified).
  const loader = join(temp, 'widget', 'rules.js');
  const text = readFileSync(join(REPO_ROOT, 'bindings-wasm', 'widget', 'rules.js'), 'utf8')
    .replace('response.arrayBuffer()', 'response.text()')
    .replace('RuleSet.fromBundle(new Uint8Array(bytes))', 'RuleSet.fromFiles(JSON.parse(bytes))');
  writeFileSync(loader, text);
  dist = temp;
}
const server = await serveStatic(dist);
const browser = await launchBrowser();
const times = [];
try {
  for (let i = 0; i < rounds; i++) {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(
      () => [...document.querySelectorAll('bangfu-check')].every((w) => w.dataset.state === 'ready'),
      null,
      { timeout: 30000, polling: 'raf' },
    );
    times.push(await page.evaluate(() => performance.now()));
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
  if (temp) rmSync(temp, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
const fetched = [...new Set(server.requests)].join(', ');
const how = fromFiles ? 'authoring module, rule files checked in the page' : 'lean runtime, precompiled bundle';
console.log(`page load to an interactive form (3 widgets; ${how}), Chromium headless, ${rounds} rounds:`);
console.log(`  median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, fastest ${times[0].toFixed(0)} ms`);
console.log(`  fetched: ${fetched}`);
