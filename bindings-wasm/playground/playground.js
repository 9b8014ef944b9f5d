// The rule playground: a rule set's files edited in the browser, checked
// on every change by the authoring module (the core's checker), each
// problem listed at its file, line and column; the worked examples run; a
// case evaluated and explained as the widget explains it. Nothing leaves
// the page.

import init, { RuleSet } from '../pkg-authoring/bangfu_wasm.js';
import { h } from '../widget/dom.js';
import { words } from '../widget/i18n.js';
import { programPart } from '../widget/result.js';
import { STYLE } from '../widget/style.js';
import { editor } from './editor.js';
import { wordsOf } from './words.js';

const $ = (id) => document.getElementById(id);
const main = $('playground');
const CHECK_DELAY_MS = 300;

const state = {
  lang: 'zh',
  files: {},
  cases: {},
  path: null,
  rules: null,
  report: null,
  examples: null,
  outcome: null,
  checks: 0,
};
const code = editor($('source'), $('gutter'));
const resultRoot = $('result').attachShadow({ mode: 'open' });

function t() {
  return wordsOf(state.lang);
}

function renderWords() {
  const w = t();
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = `${w.title} — bangfu`;
  for (const el of document.querySelectorAll('[data-w]')) el.textContent = w[el.dataset.w];
  for (const el of document.querySelectorAll('[data-w-label]')) el.setAttribute('aria-label', w[el.dataset.wLabel]);
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

async function openRuleSet(name) {
  const source = await fetchJson(`sources/${name}.json`);
  state.files = source.files;
  state.cases = source.cases || {};
  state.examples = null;
  state.outcome = null;
  const paths = Object.keys(state.files).sort();
  $('file').replaceChildren(...paths.map((p) => h('option', { value: p }, p)));
  showFile(paths.includes('ruleset.toml') ? 'ruleset.toml' : paths[0]);
  const samples = Object.keys(state.cases).sort();
  $('sample').replaceChildren(h('option', { value: '' }, t().none), ...samples.map((s) => h('option', { value: s }, s)));
  $('sample').value = samples[0] ?? '';
  showSample();
  check();
}

function showFile(path) {
  state.path = path;
  $('file').value = path;
  code.setText(state.files[path] ?? '');
}

function showSample() {
  const sample = state.cases[$('sample').value];
  $('case').value = sample === undefined ? '{}' : JSON.stringify(sample, null, 2);
}

let timer = null;
function checkSoon() {
  clearTimeout(timer);
  $('status').textContent = t().checking;
  $('status').className = 'status';
  timer = setTimeout(check, CHECK_DELAY_MS);
}

/** Checks the files as they are now; keeps the loaded rule set when they load. */
function check() {
  clearTimeout(timer);
  state.report = RuleSet.checkFiles(state.files);
  state.rules?.free();
  state.rules = null;
  if (state.report.loads) {
    try {
      state.rules = RuleSet.fromFiles(state.files);
    } catch (error) {
      state.report = { loads: false, errors: error.errors?.length ?? 1, warnings: 0, diagnostics: error.errors ?? [] };
    }
  }
  state.examples = null;
  state.checks += 1;
  main.dataset.checks = String(state.checks);
  renderReport();
  renderTargets();
  renderExamples();
}

function renderReport() {
  const w = t();
  const r = state.report;
  if (!r) return;
  const status = $('status');
  status.className = `status ${r.loads ? 'good' : 'bad'}`;
  status.textContent = r.loads ? w.loads(r.warnings) : w.doesNotLoad(r.errors, r.warnings);
  const items = r.diagnostics.map((d) => h('li', { 'data-code': d.code, 'data-loc': d.loc, 'data-severity': d.severity },
    h('span', { class: `sev-${d.severity}` }, w.severity[d.severity] ?? d.severity), ' ',
    h('code', {}, d.code), ' ', d.name, ' · ',
    d.line
      ? h('button', { type: 'button', class: 'link', 'aria-label': w.goTo(d.loc), onclick: () => goTo(d) }, d.loc)
      : h('span', {}, d.loc || ''),
    h('p', { class: 'summary' }, d.summary ? d.summary[state.lang] : ''),
    h('p', { class: 'detail', lang: 'en' }, d.message),
    d.source_line ? h('pre', { class: 'src' }, d.source_line) : null,
    d.help ? h('p', { class: 'help' }, `${w.help}: `, h('span', { lang: 'en' }, d.help)) : null));
  $('diagnostics').replaceChildren(...(items.length ? items : [h('li', {}, w.noDiagnostics)]));
}

function goTo(d) {
  if (d.file && d.file !== state.path && d.file in state.files) showFile(d.file);
  code.moveTo(d.line, d.column || 1);
}

function renderTargets() {
  const select = $('target');
  const before = select.value;
  if (!state.rules) {
    select.replaceChildren();
  } else {
    const programs = state.rules.programs();
    // Each entity once, named by its label in a program's schema.
    const entities = new Map();
    for (const p of programs) {
      if (!entities.has(p.entity)) entities.set(p.entity, state.rules.schema(p.program).entity_label[state.lang]);
    }
    select.replaceChildren(
      ...programs.map((p) => h('option', { value: p.program }, `${p.label[state.lang]} (${p.program})`)),
      ...[...entities].map(([e, label]) => h('option', { value: `entity:${e}` }, t().entity(label))));
    if ([...select.options].some((o) => o.value === before)) select.value = before;
  }
  const ready = Boolean(state.rules);
  for (const id of ['run-examples', 'evaluate', 'target']) $(id).disabled = !ready;
  if (!ready) $('examples-summary').textContent = t().examplesNeedRules;
}

function runExamples() {
  if (!state.rules) return;
  state.examples = state.rules.runExamples();
  renderExamples();
}

function renderExamples() {
  const w = t();
  const runs = state.examples;
  if (!runs) {
    $('examples').replaceChildren();
    if (state.rules) $('examples-summary').textContent = '';
    return;
  }
  const passed = runs.filter((r) => r.passed).length;
  $('examples-summary').textContent = runs.length ? w.examplesSummary(passed, runs.length - passed) : w.noExamples;
  $('examples').replaceChildren(...runs.map((r) => h('li', { 'data-example': r.id, 'data-passed': String(r.passed) },
    h('span', { class: r.passed ? 'verdict-pass' : 'verdict-fail' }, r.passed ? `✓ ${w.passed}` : `✗ ${w.failed}`), ' ',
    h('code', {}, r.id), ` · ${r.file}`,
    r.checks.length
      ? h('table', {},
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, w.key), h('th', { scope: 'col' }, w.expected), h('th', { scope: 'col' }, w.got))),
        h('tbody', {}, r.checks.map((c) => h('tr', { 'data-key': c.key },
          h('th', { scope: 'row' }, h('code', {}, c.key)),
          h('td', {}, c.expected),
          h('td', { class: c.passed ? 'pass' : 'fail' }, c.got ?? w.missing)))))
      : null,
    r.failures.filter((f) => !r.checks.some((c) => f.includes(`\`${c.key}\``)))
      .map((f) => h('p', { class: 'error', lang: 'en' }, f)))));
}

function evaluate() {
  if (!state.rules) return;
  const w = t();
  const value = $('target').value;
  const target = value.startsWith('entity:') ? { entity: value.slice('entity:'.length) } : value;
  let input;
  try {
    input = JSON.parse($('case').value);
  } catch (error) {
    showResult([h('p', { class: 'error', role: 'alert' }, w.invalidJson(error.message))]);
    return;
  }
  try {
    const outcome = state.rules.evaluate(target, input, $('as-of').value, state.lang);
    state.outcome = outcome;
    const widgetWords = words(state.lang);
    const parts = Object.keys(outcome.programs).map((name) =>
      h('div', { class: 'card', 'data-program': name }, programPart(outcome, name, { lang: state.lang, t: widgetWords, level: 3, compact: true })));
    showResult([
      parts,
      (outcome.not_in_force || []).map((n) => h('p', { 'data-not-in-force': n.program }, n.explanation[state.lang])),
      h('details', { open: true }, h('summary', {}, w.explanation), h('pre', { class: 'explanation', 'data-explanation': '' }, outcome.explanation)),
    ]);
  } catch (error) {
    state.outcome = null;
    const problems = (error.errors || []).map((e) => h('li', {}, e.loc ? `${e.loc}: ` : '', e.msg ?? e.message ?? ''));
    showResult([h('div', { role: 'alert', class: 'error', 'data-error': error.code ?? '' },
      h('p', { lang: 'en' }, error.message), problems.length ? h('ul', { lang: 'en' }, problems) : null)]);
  }
}

function showResult(parts) {
  resultRoot.replaceChildren(h('style', {}, `${STYLE}
    .explanation { white-space: pre-wrap; background: #f9fafb; padding: .5rem; border: 1px solid #e3e5e8; }
    .error { color: #b3261e; } .card { margin: .75rem 0; }`), h('div', { class: 'out' }, parts));
}

function setLanguage(lang) {
  state.lang = lang;
  $('lang').value = lang;
  renderWords();
  renderReport();
  renderTargets();
  renderExamples();
  if (state.outcome) evaluate();
}

async function start() {
  renderWords();
  $('as-of').value = new Date().toISOString().slice(0, 10);
  try {
    await init();
    const index = await fetchJson('sources/index.json');
    $('ruleset').replaceChildren(...index.map((name) => h('option', { value: name }, name)));
    $('lang').addEventListener('change', () => setLanguage($('lang').value));
    $('ruleset').addEventListener('change', () => openRuleSet($('ruleset').value));
    $('file').addEventListener('change', () => showFile($('file').value));
    $('sample').addEventListener('change', showSample);
    $('source').addEventListener('input', () => {
      state.files[state.path] = $('source').value;
      checkSoon();
    });
    $('run-examples').addEventListener('click', runExamples);
    $('evaluate').addEventListener('click', evaluate);
    await openRuleSet(index[0]);
    main.dataset.state = 'ready';
  } catch (error) {
    $('status').textContent = `${t().loadFailed} (${error.message})`;
    main.dataset.state = 'failed';
  }
}

start();
