// The shared conformance suite (tests/conformance/*.json, see its README),
// run through the WASM package in Node: each case is one test, so every
// failing case is reported. Money and numbers are compared as exact decimals
// on their text ("735" equals "735.00"); no value is ever turned into a JS
// number. Cases run through the lean runtime from the precompiled bundle;
// cases with a reform through the authoring module (the lean runtime has no
// compiler to apply one). A second pass checks that the WASM outcome equals,
// field by field, the outcome JSON of the `bangfu` CLI (the Rust core) for
// the same case, and a third that the lean runtime and the authoring module
// (from the rule files) give identical JSON and explanations.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, RuleSet, LeanRuleSet, loadRuleSet, bundleBytes } from './wasm-package.mjs';

const CASES_DIR = process.env.BANGFU_CONFORMANCE_DIR || join(REPO_ROOT, 'tests', 'conformance');

const suites = readdirSync(CASES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...JSON.parse(readFileSync(join(CASES_DIR, file), 'utf8')) }));

const ruleSets = new Map();
/** The rule set from its files, in the authoring module. */
function authored(folder) {
  if (!ruleSets.has(folder)) ruleSets.set(folder, loadRuleSet(folder));
  return ruleSets.get(folder);
}

const bundles = new Map();
/** The rule set from its bundle, in the lean runtime. */
function bundled(folder) {
  if (!bundles.has(folder)) {
    bundles.set(folder, LeanRuleSet.fromBundle(bundleBytes(folder)));
  }
  return bundles.get(folder);
}

function ruleSet(folder, reform) {
  return reform ? authored(folder).withOverrides(reform) : bundled(folder);
}

/** A decimal's text without leading zeros or trailing fraction zeros; null if not a decimal. */
export function normalizeDecimal(text) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return null;
  const whole = m[2].replace(/^0+(?=\d)/, '');
  const frac = (m[3] || '').replace(/0+$/, '');
  const digits = frac ? `${whole}.${frac}` : whole;
  return digits === '0' ? '0' : m[1] + digits;
}

/** The output named by a key of Outcome::get, from the outcome's JSON. */
function lookup(outcome, key) {
  // A member's result: `members[1].dibao.amount`.
  const member = /^(\w+)\[(\d+)\]\.(.*)$/.exec(key);
  let programs = outcome.programs;
  if (member) {
    const m = (outcome.members || []).find((x) => x.collection === member[1] && String(x.index) === member[2]);
    if (!m) return { found: false };
    programs = m.programs;
    key = member[3];
  }
  const dot = key.indexOf('.');
  const program = programs[key.slice(0, dot)];
  const rest = key.slice(dot + 1);
  if (!program) return { found: false };
  if (rest === 'eligible') return { found: true, value: program.eligible };
  if (rest === 'amount') return { found: program.amount !== null, value: program.amount };
  if (rest.startsWith('conditions.')) {
    const c = program.conditions.find((c) => c.id === rest.slice('conditions.'.length));
    return c ? { found: true, value: c.passed } : { found: false };
  }
  return rest in program.values ? { found: true, value: program.values[rest] } : { found: false };
}

function sameValue(want, got) {
  if (typeof want === 'boolean') return got === want;
  if (typeof want === 'string' && typeof got === 'string') {
    const [w, g] = [normalizeDecimal(want), normalizeDecimal(got)];
    return w !== null && g !== null ? w === g : want === got;
  }
  return false;
}

/** Fails when any value in the outcome is a JS number: money crosses as text. */
function assertNoNumbers(value, path = 'outcome') {
  // A member's position in its collection is a count, not a figure.
  if (/^outcome\.members\.\d+\.index$/.test(path)) return;
  assert.notEqual(typeof value, 'number', `${path} is a JS number`);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertNoNumbers(v, `${path}.${k}`);
  }
}

/** The case's input as handed to the module: an object, or JSON text for anything else. */
function inputOf(c) {
  return c.input && typeof c.input === 'object' && !Array.isArray(c.input) ? c.input : JSON.stringify(c.input);
}

function evaluate(suite, c) {
  const rules = ruleSet(suite.ruleset, c.reform);
  return rules.evaluate({ entity: c.entity, programs: c.programs }, inputOf(c), c.as_of);
}

let caseCount = 0;
for (const suite of suites) {
  describe(`conformance ${suite.file}`, () => {
    for (const c of suite.cases) {
      caseCount++;
      test(c.id, () => {
        if (c.expect_error) {
          let thrown = null;
          try {
            evaluate(suite, c);
          } catch (error) {
            thrown = error;
          }
          assert.ok(thrown, `expected an error ${JSON.stringify(c.expect_error)}, got an outcome`);
          assert.ok(thrown instanceof Error, 'errors are JS Error objects');
          assert.equal(thrown.name, 'BangfuError');
          assert.equal(typeof thrown.code, 'string');
          assert.ok(Array.isArray(thrown.errors) && thrown.errors.length > 0, 'errors lists every problem');
          const { code, loc } = c.expect_error;
          const hit = thrown.errors.some((e) => e.code === code && (loc === undefined || e.loc === loc));
          assert.ok(hit, `no error with code ${code}${loc ? ` at ${loc}` : ''}: ${JSON.stringify(thrown.errors)}`);
          return;
        }
        const outcome = evaluate(suite, c);
        assertNoNumbers(outcome);
        const problems = [];
        for (const [key, want] of Object.entries(c.expect || {})) {
          if (typeof want === 'number') problems.push(`${key}: the case writes a JSON number; write money as a string`);
          const got = lookup(outcome, key);
          if (!got.found) problems.push(`${key}: not in the outcome`);
          else if (!sameValue(want, got.value)) problems.push(`${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got.value)}`);
        }
        for (const [key, want] of Object.entries(c.explanation || {})) {
          const [program, , id] = key.split('.');
          const cond = outcome.programs[program]?.conditions.find((x) => x.id === id);
          if (!cond) problems.push(`${key}: no such condition`);
          else {
            for (const lang of ['zh', 'en']) {
              if (want[lang] !== undefined && cond.explanation[lang] !== want[lang]) {
                problems.push(`${key}.${lang}: expected ${JSON.stringify(want[lang])}, got ${JSON.stringify(cond.explanation[lang])}`);
              }
            }
          }
        }
        const listed = new Set(outcome.assumptions.map((a) => a.name));
        for (const name of c.assumptions || []) {
          if (!listed.has(name)) problems.push(`assumption ${name} not listed (listed: ${[...listed].join(', ')})`);
        }
        for (const name of c.not_assumptions || []) {
          if (listed.has(name)) problems.push(`assumption ${name} listed, but does not apply`);
        }
        assert.deepEqual(problems, []);
      });
    }
  });
}

test('the suite is not empty', () => {
  assert.ok(caseCount > 0, `no cases found in ${CASES_DIR}`);
});

// --- Same answers as the Rust core, through its CLI ----------------------------

function cliBinary() {
  const out = execFileSync('cargo', ['build', '--quiet', '--locked', '-p', 'bangfu-cli', '--message-format=json'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const artifacts = out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const bin = artifacts.find((a) => a.reason === 'compiler-artifact' && a.target?.kind?.includes('bin') && a.executable);
  if (!bin) throw new Error('cargo build -p bangfu-cli produced no executable');
  return bin.executable;
}

describe('WASM outcomes equal the CLI outcomes', () => {
  const bin = cliBinary();
  for (const suite of suites) {
    for (const c of suite.cases) {
      if (c.expect_error) continue;
      test(`${suite.file}: ${c.id}`, () => {
        const args = ['eval', join(REPO_ROOT, suite.ruleset), '-', '--on', c.as_of, '--entity', c.entity];
        for (const p of c.programs || []) args.push('--program', p);
        for (const [name, value] of Object.entries(c.reform || {})) args.push('--set', `${name}=${value}`);
        const cli = JSON.parse(execFileSync(bin, args, { input: JSON.stringify(c.input), encoding: 'utf8' }));
        assert.deepEqual(evaluate(suite, c), cli);
      });
    }
  }
});

describe('the lean runtime answers as the authoring module', () => {
  for (const suite of suites) {
    for (const c of suite.cases) {
      if (c.reform) continue;
      test(`${suite.file}: ${c.id}`, () => {
        const target = { entity: c.entity, programs: c.programs };
        const run = (rules, lang) => {
          try {
            return rules.evaluate(target, inputOf(c), c.as_of, lang);
          } catch (error) {
            return { code: error.code, loc: error.loc, errors: error.errors, message: error.message };
          }
        };
        for (const lang of [undefined, 'zh', 'en']) {
          assert.deepEqual(run(bundled(suite.ruleset), lang), run(authored(suite.ruleset), lang));
        }
      });
    }
  }
});

test('a bundle loads the same rule set as its files, in both modules', () => {
  const fromFiles = authored('rules/cn-qingdao-chengyang');
  for (const fromBundle of [LeanRuleSet.fromBundle(bundleBytes()), RuleSet.fromBundle(bundleBytes())]) {
    assert.equal(fromBundle.hash, fromFiles.hash);
    assert.equal(fromBundle.id, 'cn-qingdao-chengyang');
    assert.match(fromBundle.hash, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(fromBundle.programs(), fromFiles.programs());
    for (const p of fromFiles.programs()) assert.deepEqual(fromBundle.schema(p.program), fromFiles.schema(p.program));
  }
});

test('the lean runtime has no rule-file loading or reforms', () => {
  assert.equal(typeof LeanRuleSet.fromFiles, 'undefined');
  assert.equal(typeof LeanRuleSet.fromBundle(bundleBytes()).withOverrides, 'undefined');
  assert.equal(typeof RuleSet.fromFiles, 'function');
});
