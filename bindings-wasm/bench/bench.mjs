// Benchmark (not a test): evaluating one household from JS through the lean
// WASM runtime in Node, as the widget does — JS object in, outcome JSON out.
//
//   bindings-wasm/build.sh && node bindings-wasm/bench/bench.mjs [iterations]
//   BANGFU_LEAN_PKG=/path/to/another/pkg node bindings-wasm/bench/bench.mjs   # another build of the lean runtime
//
// Prints microseconds per call for: loading the rule set from its
// precompiled bundle (lean runtime), loading it from its rule files (the
// authoring module parses and checks them: what every page load did before
// bundles), evaluate() of dibao (full outcome with explanations and sources),
// evaluate() of every household program, explain() in Chinese, and
// schema(), and whatWouldChange("dibao") (a search, one call a round).
// Each is warmed up first and timed over many calls; the median
// of five rounds is reported.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT, LeanRuleSet, RuleSet, bundleBytes, ruleFiles } from '../tests/wasm-package.mjs';

const iterations = Number(process.argv[2] || 2000);
const bundle = bundleBytes();
const files = ruleFiles(join(REPO_ROOT, 'rules', 'cn-qingdao-chengyang'));
const rules = LeanRuleSet.fromBundle(bundle);
const ON = '2023-09-06';
const household = {
  registered_locally: true,
  financial_assets: '10000',
  members: [
    { birth_date: '1980-01-01', monthly_income: '800' },
    { birth_date: '1982-05-01', monthly_income: '800' },
    { birth_date: '2010-03-01', monthly_income: '800' },
  ],
};

// Wall-clock time, and the process's CPU time (user + system) over the same
// calls: on a machine shared with other work, CPU time is what one call
// costs, wall time also counts the waits for a core.
function time(name, n, f) {
  for (let i = 0; i < Math.min(n, 200); i++) f();
  const rounds = [];
  const cpu = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    rounds.push(((performance.now() - t0) * 1000) / n);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / n);
  }
  rounds.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(44)} ${rounds[2].toFixed(1).padStart(9)} µs/call  (n=${n} ×5, min ${rounds[0].toFixed(1)}; CPU ${cpu[2].toFixed(1)} µs/call)`,
  );
}

console.log(`bangfu-wasm ${rules.id} ${rules.version}; Node ${process.version}; ${iterations} iterations`);
time('RuleSet.fromBundle (lean: read the bundle)', Math.max(10, iterations / 20), () => LeanRuleSet.fromBundle(bundle).free());
time('RuleSet.fromFiles (authoring: parse + check)', Math.max(10, iterations / 100), () => RuleSet.fromFiles(files).free());
time('decide("dibao", household)', iterations, () => rules.decide('dibao', household, ON));
time('decide("household", household) all programs', iterations, () => rules.decide('household', household, ON));
time('evaluate("dibao", household)', iterations, () => rules.evaluate('dibao', household, ON));
time('evaluate("household", household) all programs', iterations, () => rules.evaluate('household', household, ON));
time('explain("dibao", household, "zh")', iterations, () => rules.explain('dibao', household, ON, 'zh'));
time('schema("dibao")', iterations, () => rules.schema('dibao'));
// What would change the answer: about a million points per `what_if` input
// (household assets, the largest member income), searched by the batch engine.
time('whatWouldChange("dibao", household)', 1, () => rules.whatWouldChange('dibao', household, ON));
