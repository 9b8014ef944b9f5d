// <bangfu-check>: a citizen's self-check form for one program of a bangfu
// rule set, generated from the program's input schema and answered by the
// bangfu WASM module in the page. No framework, no network after loading:
// the module and the rule bundle are fetched once, then every check runs
// locally and nothing typed into the form leaves the device.
//
//   <script type="module" src="widget/bangfu-check.js"></script>
//   <bangfu-check program="dibao" lang="zh"></bangfu-check>
//
// Attributes:
//   program  the program to check (required), e.g. dibao, tekun, meal_subsidy
//   lang     zh (default) or en; the form has its own 中文 / English switch
//   rules    URL of the rule bundle (default: ../rules/cn-qingdao-chengyang.json
//            beside this script)
//   as-of    the date whose rules apply, YYYY-MM-DD (default: today); the form
//            shows it as an editable field
//
// Events (bubbling, composed): `bangfu-ready` when the form is built,
// `bangfu-result` with {outcome} after each check, `bangfu-error` with
// {error} when loading fails.
//
// Money never becomes a JS number: amounts are checked as decimal text
// (at most two decimals) and compared with BigInt, sent as strings, and shown
// exactly as the module returns them.

import init, { RuleSet } from '../pkg/bangfu_wasm.js';

const DEFAULT_RULES = new URL('../rules/cn-qingdao-chengyang.json', import.meta.url).href;

// --- Loading: one module and one RuleSet per bundle URL, shared by every widget.

let wasmReady = null;
const ruleSets = new Map();

function loadRules(url) {
  if (!wasmReady) wasmReady = init();
  if (!ruleSets.has(url)) {
    const loading = wasmReady
      .then(() => fetch(url))
      .then((response) => {
        if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
        return response.text();
      })
      .then((text) => RuleSet.fromBundle(text));
    loading.catch(() => ruleSets.delete(url));
    ruleSets.set(url, loading);
  }
  return ruleSets.get(url);
}

// --- Words ------------------------------------------------------------------

const UI = {
  zh: {
    loading: '正在加载测算规则…',
    loadFailed: '测算工具加载失败，请刷新页面重试。',
    language: '语言',
    asOf: '测算日期',
    asOfHelp: '按这一天有效的政策测算，默认为今天。',
    submit: '开始测算',
    add: '添加成员',
    remove: (n) => `删除成员 ${n}`,
    member: (n) => `成员 ${n}`,
    yes: '是',
    no: '否',
    choose: '请选择',
    optional: '（选填）',
    eligible: '可能符合条件',
    notEligible: '可能不符合条件',
    resultFor: (label) => `测算结果：${label}`,
    amount: '测算金额',
    reasons: '判断依据',
    passed: '满足：',
    failed: '不满足：',
    parameters: '所用政策参数',
    status: { published: '已公布', derived: '推算', assumption: '假设' },
    source: '来源',
    formula: '公式',
    inForce: '有效期',
    assumptions: '注意：本结果依据以下假设，并非公布的数字',
    fullText: '完整说明（文字）',
    ruleset: '规则集',
    disclaimer: '本测算仅供参考：您填写的信息只在本机计算，不保存也不发送。最终结果以民政部门审核为准。',
    fix: (n) => `有 ${n} 处需要修改：`,
    failedCheck: '无法完成测算：',
    yuan: '元',
  },
  en: {
    loading: 'Loading the rules…',
    loadFailed: 'The self-check could not be loaded. Please reload the page.',
    language: 'Language',
    asOf: 'Date of the check',
    asOfHelp: 'The rules in force on this day apply; today by default.',
    submit: 'Check',
    add: 'Add a member',
    remove: (n) => `Remove member ${n}`,
    member: (n) => `Member ${n}`,
    yes: 'Yes',
    no: 'No',
    choose: 'Choose…',
    optional: ' (optional)',
    eligible: 'Likely eligible',
    notEligible: 'Likely not eligible',
    resultFor: (label) => `Result: ${label}`,
    amount: 'Estimated amount',
    reasons: 'Why',
    passed: 'Met: ',
    failed: 'Not met: ',
    parameters: 'Policy figures used',
    status: { published: 'published', derived: 'derived', assumption: 'assumption' },
    source: 'Source',
    formula: 'formula',
    inForce: 'in force',
    assumptions: 'Note: this answer rests on assumptions, not on published figures',
    fullText: 'Full explanation (text)',
    ruleset: 'Rule set',
    disclaimer: 'This is an estimate for your information. What you enter is computed on this device only; it is neither stored nor sent. The civil affairs office decides.',
    fix: (n) => `${n} ${n === 1 ? 'field needs' : 'fields need'} correcting:`,
    failedCheck: 'The check could not be completed: ',
    yuan: 'yuan',
  },
};

// Validation messages, by the same codes as the module's input errors.
const MESSAGES = {
  zh: {
    missing: (p) => (p.type === 'bool' ? '请选择“是”或“否”。' : p.type === 'enum' ? '请选择一项。' : '请填写此项。'),
    invalid_money: () => '请输入金额，如 1045 或 1045.50（只用数字和小数点，最多两位小数）。',
    invalid_number: () => '请输入数字，如 3 或 2.5。',
    not_integer: () => '请输入整数。',
    too_small: (p) => `不能小于 ${p.min}。`,
    too_large: (p) => `不能大于 ${p.max}。`,
    invalid_date: () => '请输入完整、有效的日期（年-月-日）。',
    date_after_as_of: (p) => `日期不能晚于测算日期 ${p.asOf}。`,
    age_out_of_range: (p) => `按此日期，年龄超过 ${p.maxAge} 岁，请检查。`,
    unknown_choice: () => '请从列表中选择。',
    too_few_items: (p) => `至少需要 ${p.min} 名成员。`,
    too_many_items: (p) => `最多 ${p.max} 名成员。`,
  },
  en: {
    missing: (p) => (p.type === 'bool' ? 'Choose yes or no.' : p.type === 'enum' ? 'Choose one.' : 'This field is required.'),
    invalid_money: () => 'Enter an amount such as 1045 or 1045.50 (digits and one point, at most two decimals).',
    invalid_number: () => 'Enter a number such as 3 or 2.5.',
    not_integer: () => 'Enter a whole number.',
    too_small: (p) => `Must be at least ${p.min}.`,
    too_large: (p) => `Must be at most ${p.max}.`,
    invalid_date: () => 'Enter a complete, valid date (year-month-day).',
    date_after_as_of: (p) => `The date cannot be after the date of the check, ${p.asOf}.`,
    age_out_of_range: (p) => `This date means an age over ${p.maxAge}; please check it.`,
    unknown_choice: () => 'Choose from the list.',
    too_few_items: (p) => `At least ${p.min} member(s) needed.`,
    too_many_items: (p) => `At most ${p.max} members.`,
  },
};

const UNIT_WORDS = {
  yuan: '元', person: '人', month: '月', meal: '餐', canteen: '家餐厅', year: '年', operator: '个运营方',
  months: '个月', years: '年', households: '户', canteens: '家', persons: '人',
};

function unitText(unit, lang) {
  if (!unit) return '';
  if (lang === 'en') return ` ${unit}`;
  const words = unit.split('/').map((w) => UNIT_WORDS[w]);
  return words.every(Boolean) ? ` ${words.join('/')}` : ` ${unit}`;
}

// --- Decimal text, never floats ------------------------------------------------

const FULL_WIDTH = /[０-９．－]/g;

/** Full-width digits, point and minus (from Chinese input methods) as ASCII. */
function asciiDigits(text) {
  return text.replace(FULL_WIDTH, (c) => (c === '．' ? '.' : c === '－' ? '-' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Compares two decimal strings exactly: -1, 0 or 1. */
export function compareDecimal(a, b) {
  const frac = (s) => (s.split('.')[1] || '').length;
  const scale = Math.max(frac(a), frac(b));
  const scaled = (s) => {
    const negative = s.startsWith('-');
    const [whole, part = ''] = s.replace('-', '').split('.');
    const v = BigInt(whole + part.padEnd(scale, '0'));
    return negative ? -v : v;
  };
  const x = scaled(a);
  const y = scaled(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

// --- Dates -------------------------------------------------------------------

function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** [y, m, d] of a real calendar day written YYYY-MM-DD (years 1800–2200), or null. */
function parseDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (y < 1800 || y > 2200 || !days || d < 1 || d > days) return null;
  return [y, mo, d];
}

/** Completed years between two dates given as [y, m, d]. */
function ageOn(birth, on) {
  const before = on[1] < birth[1] || (on[1] === birth[1] && on[2] < birth[2]);
  return on[0] - birth[0] - (before ? 1 : 0);
}

// --- Checking one field against its schema -------------------------------------

/**
 * Checks the raw value of a field. `raw` is the text typed (or true/false, or
 * a choice id); `badInput` is a date input's own verdict on partial dates.
 * Returns null or {code, params}.
 */
export function checkField(field, raw, asOf, badInput = false) {
  const params = { type: field.type, min: field.min, max: field.max, asOf, maxAge: field.max_age };
  const fail = (code) => ({ code, params });
  if (badInput) return fail(field.type === 'date' ? 'invalid_date' : 'invalid_number');
  const empty = raw === '' || raw === null || raw === undefined;
  if (empty) return field.required ? fail('missing') : null;
  switch (field.type) {
    case 'money':
    case 'number':
    case 'integer': {
      const text = asciiDigits(String(raw).trim());
      if (!DECIMAL.test(text)) {
        if (field.type === 'integer' && /^-?\d*\.\d+$/.test(text)) return fail('not_integer');
        return fail(field.type === 'money' ? 'invalid_money' : 'invalid_number');
      }
      if (field.type === 'money' && (text.split('.')[1] || '').length > 2) return fail('invalid_money');
      if (field.type === 'integer' && text.includes('.')) return fail('not_integer');
      if (text.replace(/^-/, '').split('.')[0].length > 15) return fail('too_large');
      if (field.min !== null && compareDecimal(text, field.min) < 0) return fail('too_small');
      if (field.max !== null && compareDecimal(text, field.max) > 0) return fail('too_large');
      return null;
    }
    case 'date': {
      const date = parseDate(String(raw));
      if (!date) return fail('invalid_date');
      const on = parseDate(asOf);
      if (on && field.not_after_as_of && String(raw) > asOf) return fail('date_after_as_of');
      if (on && field.max_age !== null && ageOn(date, on) > field.max_age) return fail('age_out_of_range');
      return null;
    }
    case 'enum':
      return (field.choices || []).some((c) => c.id === raw) ? null : fail('unknown_choice');
    case 'bool':
      return raw === true || raw === false ? null : fail('missing');
    default:
      return null;
  }
}

/** The JSON value sent for a field, or undefined to leave it out (its default applies). */
function inputValue(field, raw) {
  if (raw === '' || raw === null || raw === undefined) return undefined;
  switch (field.type) {
    case 'money':
    case 'number':
    case 'integer':
      return asciiDigits(String(raw).trim());
    default:
      return raw;
  }
}

// --- DOM helpers ---------------------------------------------------------------

/** An element with attributes (false/null/undefined skipped) and children (text is escaped). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value' || k === 'checked') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const STYLE = `
:host { display: block; max-width: 40rem; color: #1b1b1b; font: 16px/1.5 system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
* { box-sizing: border-box; }
.card { border: 1px solid #c9ccd1; border-radius: 8px; padding: 1rem; background: #fff; }
header { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-start; justify-content: space-between; }
h2 { font-size: 1.25rem; margin: 0; flex: 1 1 12rem; }
h3 { font-size: 1.125rem; margin: 0 0 .5rem; }
h4 { font-size: 1rem; margin: 1rem 0 .25rem; }
.desc, .help { color: #4a4f57; font-size: .9375rem; margin: .25rem 0; }
.langs { display: flex; gap: .25rem; }
button { font: inherit; min-height: 44px; padding: .5rem 1rem; border-radius: 6px; border: 1px solid #1d4ed8; background: #fff; color: #1d4ed8; cursor: pointer; }
button[aria-pressed="true"], button.primary { background: #1d4ed8; color: #fff; }
button:disabled { border-color: #9aa0a6; color: #6b7178; background: #f1f3f4; cursor: not-allowed; }
.langs button { padding: .5rem .75rem; }
:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.field { margin: 1rem 0; }
label, legend { font-weight: 600; display: block; }
fieldset { border: 0; margin: 0; padding: 0; min-width: 0; }
.members > ol { list-style: none; margin: 0; padding: 0; }
.member { border: 1px solid #c9ccd1; border-radius: 6px; padding: .75rem; margin: .75rem 0; }
.member > legend { padding: 0 .25rem; }
input, select { font: inherit; width: 100%; min-height: 44px; padding: .5rem; border: 1px solid #6b7178; border-radius: 6px; background: #fff; color: inherit; }
.suffixed { display: flex; align-items: center; gap: .5rem; }
.suffix { color: #4a4f57; white-space: nowrap; }
.choices { display: flex; gap: 1.5rem; margin-top: .25rem; }
.choices label { font-weight: 400; display: flex; align-items: center; gap: .5rem; min-height: 44px; }
.choices input { width: 1.25rem; min-height: 1.25rem; margin: 0; }
[aria-invalid="true"] { border: 2px solid #b3261e; }
.err { color: #b3261e; font-weight: 600; margin: .25rem 0 0; }
.err::before { content: "⚠ "; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: 1rem; }
.result { margin-top: 1rem; }
.result:empty { display: none; }
.verdict { border-radius: 6px; padding: .75rem; border: 2px solid; }
.verdict.yes { border-color: #15803d; background: #f0fdf4; }
.verdict.no { border-color: #9a3412; background: #fff7ed; }
.amount { font-size: 1.25rem; font-weight: 700; margin: .25rem 0 0; }
.reasons, .params, .assumptions ul, .summary ul { margin: .25rem 0; padding-left: 1.25rem; }
.reasons li { margin: .25rem 0; }
.mark { font-weight: 700; }
.pass .mark { color: #15803d; }
.fail .mark { color: #b3261e; }
.params li { margin: .5rem 0; overflow-wrap: anywhere; }
.badge { display: inline-block; font-size: .8125rem; padding: 0 .375rem; border-radius: 4px; border: 1px solid #6b7178; margin-left: .25rem; }
.badge.assumption { border-color: #9a3412; color: #9a3412; background: #fff7ed; }
.cite { color: #4a4f57; font-size: .875rem; display: block; }
.assumptions { border-left: 4px solid #d97706; background: #fffbeb; padding: .5rem .75rem; margin-top: 1rem; }
.assumptions h4 { margin-top: 0; }
.summary { border-left: 4px solid #b3261e; background: #fef2f2; padding: .5rem .75rem; }
.summary a { color: #b3261e; }
.stamp { color: #4a4f57; font-size: .8125rem; overflow-wrap: anywhere; }
.disclaimer { font-size: .875rem; color: #4a4f57; }
details { margin-top: 1rem; }
summary { cursor: pointer; padding: .625rem 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .8125rem; background: #f6f7f8; padding: .5rem; border-radius: 6px; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

// --- The element ---------------------------------------------------------------

let widgetCount = 0;

export class BangfuCheck extends HTMLElement {
  static get observedAttributes() {
    return ['program', 'lang', 'rules', 'as-of'];
  }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.uid = `bf${++widgetCount}`;
    this.rules = null;
    this.schema = null;
    this.state = null;
    this.outcome = null;
    this.failure = null;
    this.nextRowKey = 1;
  }

  get lang() {
    return this.getAttribute('lang') === 'en' ? 'en' : 'zh';
  }

  set lang(value) {
    this.setAttribute('lang', value === 'en' ? 'en' : 'zh');
  }

  connectedCallback() {
    if (!this.started) {
      this.started = true;
      this.load();
    }
  }

  attributeChangedCallback(name, before, after) {
    if (!this.started || before === after) return;
    if (name === 'lang') this.render();
    else this.load();
  }

  t() {
    return UI[this.lang];
  }

  async load() {
    this.setAttribute('data-state', 'loading');
    this.renderStatus(this.t().loading, false);
    try {
      this.rules = await loadRules(this.getAttribute('rules') || DEFAULT_RULES);
      this.schema = this.rules.schema(this.getAttribute('program') || '');
    } catch (error) {
      this.setAttribute('data-state', 'error');
      this.renderStatus(`${this.t().loadFailed} (${error.code || ''} ${error.message})`, true);
      this.dispatchEvent(new CustomEvent('bangfu-error', { detail: { error }, bubbles: true, composed: true }));
      return;
    }
    this.state = this.initialState();
    this.outcome = null;
    this.failure = null;
    this.render();
    this.setAttribute('data-state', 'ready');
    this.dispatchEvent(new CustomEvent('bangfu-ready', { bubbles: true, composed: true }));
  }

  renderStatus(text, isError) {
    this.shadowRoot.replaceChildren(
      h('style', {}, STYLE),
      h('div', { class: 'card', role: isError ? 'alert' : 'status' }, text),
    );
  }

  // State: raw values (text, true/false, choice ids) and errors, by field id.

  initialState() {
    const values = new Map();
    const asOf = this.getAttribute('as-of') || today();
    values.set(this.fid('as_of'), asOf);
    for (const f of this.schema.fields) values.set(this.fid(f.name), defaultRaw(f));
    const rows = {};
    for (const c of this.schema.collections) {
      rows[c.name] = [];
      for (let i = 0; i < Math.max(1, c.min); i++) this.addRow(c, rows[c.name], values);
    }
    return { values, rows, errors: new Map(), badInput: new Set() };
  }

  addRow(collection, rows, values) {
    const key = this.nextRowKey++;
    rows.push(key);
    for (const f of collection.fields) values.set(this.fid(f.name, collection.name, key), defaultRaw(f));
    return key;
  }

  fid(name, collection = null, key = null) {
    return collection ? `${this.uid}-${collection}-${key}-${name}` : `${this.uid}-${name}`;
  }

  asOfField() {
    return {
      name: 'as_of', type: 'date', required: true, min: null, max: null, not_after_as_of: false, max_age: null,
      label: { zh: UI.zh.asOf, en: UI.en.asOf }, help: { zh: UI.zh.asOfHelp, en: UI.en.asOfHelp },
    };
  }

  // --- Rendering -------------------------------------------------------------

  render() {
    if (!this.schema || !this.state) return;
    const focusedId = this.shadowRoot.activeElement?.id;
    const lang = this.lang;
    const t = this.t();
    const s = this.schema;
    const title = `${this.uid}-title`;
    const form = h('form', { novalidate: true, 'aria-labelledby': title, onsubmit: (e) => this.submit(e) },
      this.renderField(this.asOfField(), this.fid('as_of')),
      s.fields.map((f) => this.renderField(f, this.fid(f.name))),
      s.collections.map((c) => this.renderCollection(c)),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: `${this.uid}-submit` }, t.submit)),
    );
    this.resultRegion = h('section', { class: 'result', 'aria-live': 'polite', id: `${this.uid}-result` });
    this.fillResult();
    const card = h('div', { class: 'card', lang: lang === 'zh' ? 'zh-CN' : 'en' },
      h('header', {},
        h('h2', { id: title }, s.label[lang]),
        h('div', { class: 'langs', role: 'group', 'aria-label': `${UI.zh.language} / ${UI.en.language}` },
          h('button', { type: 'button', lang: 'zh-CN', id: `${this.uid}-lang-zh`, 'aria-pressed': String(lang === 'zh'), onclick: () => this.switchLang('zh') }, '中文'),
          h('button', { type: 'button', lang: 'en', id: `${this.uid}-lang-en`, 'aria-pressed': String(lang === 'en'), onclick: () => this.switchLang('en') }, 'English'),
        ),
      ),
      s.description[lang] ? h('p', { class: 'desc' }, s.description[lang]) : null,
      form,
      this.resultRegion,
    );
    this.shadowRoot.replaceChildren(h('style', {}, STYLE), card);
    if (focusedId) this.shadowRoot.getElementById(focusedId)?.focus();
  }

  switchLang(lang) {
    this.lang = lang;
    this.shadowRoot.getElementById(`${this.uid}-lang-${lang}`)?.focus();
  }

  renderField(field, id, collection = null) {
    const lang = this.lang;
    const t = this.t();
    const { values, errors } = this.state;
    const raw = values.get(id);
    const error = errors.get(id);
    const helpId = field.help[lang] ? `${id}-help` : null;
    const errId = error ? `${id}-err` : null;
    const describedBy = [helpId, errId].filter(Boolean).join(' ') || null;
    const unit = field.type === 'money' ? t.yuan : field.unit ? unitText(field.unit, lang).trim() : null;
    const labelText = field.label[lang] + (field.required ? '' : t.optional);
    const help = helpId ? h('p', { class: 'help', id: helpId }, field.help[lang]) : null;
    const errorLine = error ? h('p', { class: 'err', id: errId }, this.message(error, field)) : null;
    // Fields are checked when the form is submitted; after that, a field with
    // a message is checked again as it is corrected, so the message goes away
    // (or changes) while typing. Nothing is checked on blur: a message
    // appearing then would move the button under the pointer.
    const onValue = (value, badInput = false) => {
      values.set(id, value);
      if (badInput) this.state.badInput.add(id);
      else this.state.badInput.delete(id);
      if (this.state.errors.has(id)) this.revalidate(field, id);
    };
    const common = { id, name: id, 'aria-describedby': describedBy, 'aria-invalid': error ? 'true' : null, 'data-field': field.name, 'data-collection': collection };

    if (field.type === 'bool') {
      const radio = (v, text) =>
        h('label', {},
          h('input', { ...common, id: v ? id : `${id}-no`, type: 'radio', value: String(v), checked: raw === v, onchange: () => onValue(v) }),
          text);
      return h('fieldset', { class: 'field', 'data-for': id },
        h('legend', {}, labelText), help,
        h('div', { class: 'choices' }, radio(true, t.yes), radio(false, t.no)),
        errorLine);
    }

    let control;
    if (field.type === 'enum') {
      control = h('select', { ...common, onchange: (e) => onValue(e.target.value) },
        field.required && field.default === null ? h('option', { value: '' }, t.choose) : null,
        (field.choices || []).map((c) => h('option', { value: c.id, selected: raw === c.id }, c.label[lang])));
      control.value = raw ?? '';
    } else if (field.type === 'date') {
      const max = field.not_after_as_of ? values.get(this.fid('as_of')) : null;
      control = h('input', {
        ...common, type: 'date', value: raw ?? '', max: parseDate(max || '') ? max : null, min: '1800-01-01',
        // A partly typed date has value "" and validity.badInput, and fires no
        // input event: read both on every event, and again on submit.
        oninput: (e) => onValue(e.target.value, e.target.validity.badInput),
        onchange: (e) => onValue(e.target.value, e.target.validity.badInput),
      });
    } else {
      control = h('input', {
        ...common, type: 'text', value: raw ?? '', autocomplete: 'off', spellcheck: 'false',
        inputmode: field.type === 'integer' ? 'numeric' : 'decimal',
        oninput: (e) => onValue(e.target.value),
      });
    }
    return h('div', { class: 'field', 'data-for': id },
      h('label', { for: id }, labelText), help,
      unit ? h('div', { class: 'suffixed' }, control, h('span', { class: 'suffix', 'aria-hidden': 'true' }, unit)) : control,
      errorLine);
  }

  renderCollection(c) {
    const lang = this.lang;
    const t = this.t();
    const rows = this.state.rows[c.name];
    const collId = this.fid(c.name);
    const error = this.state.errors.get(collId);
    const items = rows.map((key, i) =>
      h('li', {},
        h('fieldset', { class: 'member', 'data-row': String(key) },
          h('legend', {}, t.member(i + 1)),
          c.fields.map((f) => this.renderField(f, this.fid(f.name, c.name, key), c.name)),
          h('button', {
            type: 'button', id: `${this.uid}-${c.name}-${key}-remove`, disabled: rows.length <= Math.max(1, c.min),
            onclick: () => this.removeRow(c, key),
          }, t.remove(i + 1)))));
    return h('fieldset', { class: 'field members', id: collId, tabindex: '-1', 'aria-describedby': error ? `${collId}-err` : null },
      h('legend', {}, c.label[lang]),
      h('ol', {}, items),
      h('button', { type: 'button', id: `${this.uid}-${c.name}-add`, disabled: rows.length >= c.max, onclick: () => this.addMember(c) }, t.add),
      error ? h('p', { class: 'err', id: `${collId}-err` }, this.message(error, c)) : null);
  }

  addMember(c) {
    const key = this.addRow(c, this.state.rows[c.name], this.state.values);
    this.state.errors.delete(this.fid(c.name));
    this.render();
    const first = c.fields[0];
    if (first) this.shadowRoot.getElementById(this.fid(first.name, c.name, key))?.focus();
  }

  removeRow(c, key) {
    const rows = this.state.rows[c.name];
    const at = rows.indexOf(key);
    if (at < 0 || rows.length <= Math.max(1, c.min)) return;
    rows.splice(at, 1);
    for (const f of c.fields) {
      const id = this.fid(f.name, c.name, key);
      this.state.values.delete(id);
      this.state.errors.delete(id);
    }
    this.render();
    const next = rows[Math.min(at, rows.length - 1)];
    const target = c.fields[0] ? this.shadowRoot.getElementById(this.fid(c.fields[0].name, c.name, next)) : null;
    (target || this.shadowRoot.getElementById(`${this.uid}-${c.name}-add`))?.focus();
  }

  message(error, field) {
    const m = MESSAGES[this.lang][error.code];
    if (m) return m({ type: field.type, min: field.min, max: field.max, maxAge: field.max_age, ...error.params });
    return error.msg || error.code;
  }

  // --- Checking --------------------------------------------------------------

  /** Every field with its id, raw value and schema, in form order. */
  *entries() {
    yield { field: this.asOfField(), id: this.fid('as_of') };
    for (const f of this.schema.fields) yield { field: f, id: this.fid(f.name) };
    for (const c of this.schema.collections) {
      for (const key of this.state.rows[c.name]) {
        for (const f of c.fields) yield { field: f, id: this.fid(f.name, c.name, key), collection: c.name, key };
      }
    }
  }

  asOf() {
    return this.state.values.get(this.fid('as_of')) || '';
  }

  revalidate(field, id) {
    const before = this.state.errors.get(id);
    const error = checkField(field, this.state.values.get(id), this.asOf(), this.state.badInput.has(id));
    if (error) this.state.errors.set(id, error);
    else this.state.errors.delete(id);
    if (!sameError(before, error)) this.updateFieldError(field, id);
  }

  /** Shows or clears the message of one field without rebuilding the form. */
  updateFieldError(field, id) {
    const box = this.shadowRoot.querySelector(`[data-for="${id}"]`);
    if (!box) return;
    box.querySelector('.err')?.remove();
    const error = this.state.errors.get(id);
    const controls = box.querySelectorAll('input, select');
    const helpId = box.querySelector('.help')?.id;
    if (error) box.append(h('p', { class: 'err', id: `${id}-err` }, this.message(error, field)));
    for (const el of controls) {
      el.setAttribute('aria-describedby', [helpId, error ? `${id}-err` : null].filter(Boolean).join(' '));
      if (!el.getAttribute('aria-describedby')) el.removeAttribute('aria-describedby');
      if (error) el.setAttribute('aria-invalid', 'true');
      else el.removeAttribute('aria-invalid');
    }
  }

  submit(event) {
    event.preventDefault();
    const { values, errors, badInput } = this.state;
    for (const el of this.shadowRoot.querySelectorAll('input[type="date"]')) {
      values.set(el.id, el.value);
      if (el.validity.badInput) badInput.add(el.id);
      else badInput.delete(el.id);
    }
    errors.clear();
    for (const { field, id } of this.entries()) {
      const error = checkField(field, values.get(id), this.asOf(), badInput.has(id));
      if (error) errors.set(id, error);
    }
    this.outcome = null;
    this.failure = null;
    if (errors.size === 0) {
      const input = this.buildInput();
      try {
        this.outcome = this.rules.evaluate(this.schema.program, input, this.asOf());
        this.lastCase = { input, asOf: this.asOf() };
      } catch (error) {
        this.absorb(error);
      }
    }
    this.render();
    if (errors.size > 0) {
      const first = errors.keys().next().value;
      this.shadowRoot.getElementById(first)?.focus();
    } else {
      const heading = this.resultRegion.querySelector('h3');
      heading?.focus();
      if (this.outcome) {
        this.dispatchEvent(new CustomEvent('bangfu-result', { detail: { outcome: this.outcome }, bubbles: true, composed: true }));
      }
    }
  }

  buildInput() {
    const input = {};
    const { values, rows } = this.state;
    for (const f of this.schema.fields) {
      const v = inputValue(f, values.get(this.fid(f.name)));
      if (v !== undefined) input[f.name] = v;
    }
    for (const c of this.schema.collections) {
      input[c.name] = rows[c.name].map((key) => {
        const member = {};
        for (const f of c.fields) {
          const v = inputValue(f, values.get(this.fid(f.name, c.name, key)));
          if (v !== undefined) member[f.name] = v;
        }
        return member;
      });
    }
    return input;
  }

  /** Places the module's errors on the fields their `loc` names. */
  absorb(error) {
    const errors = this.state.errors;
    let placed = 0;
    for (const e of error.errors || []) {
      const id = this.idOfLoc(e.loc || '');
      if (id && !errors.has(id)) {
        errors.set(id, { code: e.code, msg: e.msg, params: {} });
        placed++;
      }
    }
    if (placed === 0) this.failure = error;
  }

  idOfLoc(loc) {
    const m = /^(\w+)\[(\d+)\]\.(\w+)$/.exec(loc);
    if (m) {
      const key = this.state.rows[m[1]]?.[Number(m[2])];
      return key === undefined ? null : this.fid(m[3], m[1], key);
    }
    if (loc === 'date') return this.fid('as_of');
    if (this.schema.fields.some((f) => f.name === loc) || this.schema.collections.some((c) => c.name === loc)) return this.fid(loc);
    return null;
  }

  // --- The result --------------------------------------------------------------

  fillResult() {
    const region = this.resultRegion;
    const lang = this.lang;
    const t = this.t();
    const errors = this.state.errors;
    if (errors.size > 0) {
      const labels = [...this.entries()]
        .filter(({ id }) => errors.has(id))
        .map(({ field, id, collection, key }) => {
          const row = collection ? `${t.member(this.state.rows[collection].indexOf(key) + 1)} · ` : '';
          return { id, text: `${row}${field.label[lang]}: ${this.message(errors.get(id), field)}` };
        });
      for (const c of this.schema.collections) {
        const id = this.fid(c.name);
        if (errors.has(id)) labels.push({ id, text: `${c.label[lang]}: ${this.message(errors.get(id), c)}` });
      }
      region.append(h('div', { class: 'summary' },
        h('h3', { tabindex: '-1' }, t.fix(labels.length)),
        h('ul', {}, labels.map(({ id, text }) =>
          h('li', {}, h('a', { href: `#${id}`, onclick: (e) => { e.preventDefault(); this.shadowRoot.getElementById(id)?.focus(); } }, text))))));
      return;
    }
    if (this.failure) {
      region.append(h('div', { class: 'summary', role: 'alert' },
        h('h3', { tabindex: '-1' }, t.failedCheck), h('p', {}, this.failure.message)));
      return;
    }
    const o = this.outcome;
    const p = o && o.programs[this.schema.program];
    if (!p) return;
    const verdict = p.eligible ? t.eligible : t.notEligible;
    const parts = [
      h('div', { class: `verdict ${p.eligible ? 'yes' : 'no'}`, 'data-eligible': String(p.eligible) },
        h('h3', { tabindex: '-1' }, t.resultFor(verdict)),
        p.eligible && p.amount !== null
          ? h('p', { class: 'amount' }, `${t.amount}: `, h('span', { 'data-amount': p.amount }, p.amount), ` ${t.yuan}`)
          : null),
      h('h4', {}, t.reasons),
      h('ul', { class: 'reasons' }, p.conditions.map((c) =>
        h('li', { class: c.passed ? 'pass' : 'fail', 'data-condition': c.id },
          h('span', { class: 'mark', 'aria-hidden': 'true' }, c.passed ? '✓ ' : '✗ '),
          h('span', { class: 'sr' }, c.passed ? t.passed : t.failed),
          c.explanation[lang]))),
      this.renderParameters(o, p),
      this.renderAssumptions(p),
      h('details', {}, h('summary', {}, t.fullText), h('pre', { class: 'explanation' }, this.explainText())),
      h('p', { class: 'stamp' }, `${t.ruleset} ${o.ruleset.id} ${o.ruleset.version} · ${o.ruleset.hash} · ${t.asOf} ${o.as_of}`),
      h('p', { class: 'disclaimer' }, t.disclaimer),
    ];
    region.append(...parts.flat().filter(Boolean));
  }

  renderParameters(o, p) {
    const lang = this.lang;
    const t = this.t();
    const used = p.parameters.map((name) => [name, o.parameters[name]]).filter(([, u]) => u);
    if (used.length === 0) return null;
    return [
      h('h4', {}, t.parameters),
      h('ul', { class: 'params' }, used.map(([name, u]) => {
        const value = typeof u.value === 'boolean' ? (u.value ? t.yes : t.no) : u.value;
        const src = u.source || {};
        const span = `${u.from} – ${u.until || ''}`;
        return h('li', { 'data-parameter': name },
          `${u.label[lang]} = ${value}${unitText(u.unit, lang)}`,
          h('span', { class: `badge ${u.status}` }, t.status[u.status] || u.status),
          h('span', { class: 'cite' }, `${t.inForce}: ${span}`),
          u.formula ? h('span', { class: 'cite' }, `${t.formula}: ${u.formula}`) : null,
          h('span', { class: 'cite' }, `${t.source}: ${src.document || ''}${src.date ? ` (${src.date})` : ''}${src.quote ? ` “${src.quote}”` : ''}`));
      })),
    ];
  }

  renderAssumptions(p) {
    if (!p.assumptions.length) return null;
    return h('div', { class: 'assumptions', role: 'note' },
      h('h4', {}, h('span', { 'aria-hidden': 'true' }, '⚠ '), this.t().assumptions),
      h('ul', {}, p.assumptions.map((a) => h('li', { 'data-assumption': a.name }, `${a.name}: ${a.note}`))));
  }

  explainText() {
    if (!this.lastCase) return '';
    try {
      return this.rules.explain(this.schema.program, this.lastCase.input, this.lastCase.asOf, this.lang);
    } catch (error) {
      return error.message;
    }
  }
}

function defaultRaw(field) {
  if (field.default === null || field.default === undefined) return field.type === 'bool' ? null : '';
  return field.default;
}

function sameError(a, b) {
  return (!a && !b) || (a && b && a.code === b.code);
}

if (!customElements.get('bangfu-check')) customElements.define('bangfu-check', BangfuCheck);
