// <bangfu-check>, the element: builds a form from the rule set's schemas (one
// program's, or a household's with every program of it and of its members:
// model.js), checks each field with the rule set's own check as it is
// submitted and corrected, evaluates the case and shows the answer. State is
// the fields' values as entered and the problems found, by field id; the
// form is re-rendered from it, and a field's message is updated in place
// while it is being corrected. Nothing is stored unless the person ticks
// "save on this device" (storage.js).

import { h } from './dom.js';
import { renderCollection, renderField, renderGroup } from './fields.js';
import { AS_OF, caseValue, fieldText, initialValue, today } from './form.js';
import { evaluateHousehold } from './household.js';
import { language, words } from './i18n.js';
import { householdModel, programModel } from './model.js';
import { printReceipt, receiptHead } from './receipt.js';
import { householdParts, outcomeParts } from './result.js';
import { changeParts, changesLater } from './change.js';
import { DEFAULT_RULES, loadRules } from './rules.js';
import { forget, loadSaved, save, storageKey } from './storage.js';
import { STYLE } from './style.js';

let widgetCount = 0;

export class BangfuCheck extends HTMLElement {
  static get observedAttributes() {
    return ['program', 'entity', 'lang', 'rules', 'as-of'];
  }

  constructor() {
    super();
    this.attachShadow({ mode: 'open' });
    this.uid = `bf${++widgetCount}`;
    this.rules = null;
    this.schema = null;
    this.model = null;
    this.state = null;
    this.answer = null;
    this.failure = null;
    this.nextRowKey = 1;
  }

  get lang() {
    return language(this.getAttribute('lang'));
  }

  set lang(value) {
    this.setAttribute('lang', language(value));
  }

  /** The outcome shown: one program's, or the household's (members' in `answer.members`). */
  get outcome() {
    return this.answer?.outcome ?? this.answer?.household ?? null;
  }

  connectedCallback() {
    if (!this.started) {
      this.started = true;
      this.load();
    }
  }

  attributeChangedCallback(name, before, after) {
    if (!this.started || before === after) return;
    if (name !== 'lang') {
      this.load();
    } else if (this.state) {
      this.recheckErrors();
      this.render();
    }
  }

  t() {
    return words(this.lang);
  }

  async load() {
    this.setAttribute('data-state', 'loading');
    this.renderStatus(this.t().loading, false);
    try {
      this.rules = await loadRules(this.getAttribute('rules') || DEFAULT_RULES);
      const program = this.getAttribute('program');
      const entity = this.getAttribute('entity');
      if (!program && entity) {
        this.schema = null;
        this.model = householdModel(this.rules, entity, words);
      } else {
        this.schema = this.rules.schema(program || '');
        this.model = programModel(this.schema);
      }
    } catch (error) {
      this.setAttribute('data-state', 'error');
      this.renderStatus(`${this.t().loadFailed} (${error.code || ''} ${error.message})`, true);
      this.dispatchEvent(new CustomEvent('bangfu-error', { detail: { error }, bubbles: true, composed: true }));
      return;
    }
    this.storeKey = storageKey(this.rules.id, this.model.program ?? this.model.entity);
    this.state = this.initialState();
    const saved = loadSaved(this.storeKey);
    if (saved) this.restore(saved);
    this.answer = null;
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

  // --- State: values as entered and problems, by field id ---------------------

  initialState() {
    const values = new Map();
    values.set(this.fid(AS_OF), this.getAttribute('as-of') || today());
    for (const g of this.model.groups) for (const e of this.groupEntries(g)) values.set(e.id, initialValue(e.field));
    const rows = {};
    for (const c of this.model.collections) {
      rows[c.name] = [];
      for (let i = 0; i < Math.max(1, c.min); i++) this.addRow(c, rows[c.name], values);
    }
    return { values, rows, errors: new Map(), badInput: new Set(), keep: false };
  }

  addRow(collection, rows, values) {
    const key = this.nextRowKey++;
    rows.push(key);
    for (const { field } of collection.fields) values.set(this.fid(field.name, collection.name, key), initialValue(field));
    return key;
  }

  fid(name, collection = null, key = null) {
    return collection ? `${this.uid}-${collection}-${key}-${name}` : `${this.uid}-${name}`;
  }

  /** The evaluation date's field: the schema's, with the widget's note that it defaults to today. */
  asOfField() {
    const t = (lang) => words(lang).asOfHelp;
    return { ...this.model.asOf, help: { zh: t('zh'), en: t('en') } };
  }

  asOfEntry() {
    return { field: this.asOfField(), check: { program: this.model.checkProgram, collection: null }, id: this.fid(AS_OF), collection: null };
  }

  /** The fields of a group asked once (the top of the form, or a record's), with their ids. */
  groupEntries(group) {
    return group.fields.map(({ field, check, section }) =>
      ({ field, check, section, id: group.name ? this.fid(field.name, group.name, 0) : this.fid(field.name), collection: null, group: group.name }));
  }

  /** The fields of one member row, with their ids. */
  rowEntries(c, key) {
    return c.fields.map(({ field, check, section }) => ({ field, check, section, id: this.fid(field.name, c.name, key), collection: c.name, key }));
  }

  /** Every field with its id (and collection and row), in form order: the top group, the members, the record groups. */
  *entries() {
    yield this.asOfEntry();
    yield* this.groupEntries(this.model.groups[0]);
    for (const c of this.model.collections) {
      for (const key of this.state.rows[c.name]) yield* this.rowEntries(c, key);
    }
    for (const g of this.model.groups.slice(1)) yield* this.groupEntries(g);
  }

  valueChanged(entry, next, badInput) {
    this.state.values.set(entry.id, next);
    if (badInput) this.state.badInput.add(entry.id);
    else this.state.badInput.delete(entry.id);
    if (this.state.errors.has(entry.id)) this.revalidate(entry);
    if (this.state.keep) this.persist();
  }

  // --- Saving on this device, only when asked ----------------------------------

  setKeep(keep) {
    this.state.keep = keep;
    if (keep) this.persist();
    else forget(this.storeKey);
  }

  persist() {
    save(this.storeKey, this.snapshot());
  }

  /** The values as entered, by field name: `{values, groups: {entity: {…}}, rows: {members: [{…}]}}`. */
  snapshot() {
    const { values, rows } = this.state;
    const byName = (entries) => Object.fromEntries(entries.map((e) => [e.field.name, values.get(e.id) ?? null]));
    return {
      values: { [AS_OF]: values.get(this.fid(AS_OF)), ...byName(this.groupEntries(this.model.groups[0])) },
      groups: Object.fromEntries(this.model.groups.slice(1).map((g) => [g.name, byName(this.groupEntries(g))])),
      rows: Object.fromEntries(this.model.collections.map((c) => [c.name, rows[c.name].map((key) => byName(this.rowEntries(c, key)))])),
    };
  }

  /** Puts back what `snapshot` saved; anything that does not fit the form is left out. */
  restore(data) {
    const { values, rows } = this.state;
    const put = (entries, saved) => {
      if (!saved || typeof saved !== 'object') return;
      for (const e of entries) {
        const v = saved[e.field.name];
        if (typeof v === 'string' || typeof v === 'boolean' || v === null) values.set(e.id, v);
      }
    };
    put([this.asOfEntry(), ...this.groupEntries(this.model.groups[0])], data.values);
    for (const g of this.model.groups.slice(1)) put(this.groupEntries(g), data.groups?.[g.name]);
    for (const c of this.model.collections) {
      const saved = Array.isArray(data.rows?.[c.name]) ? data.rows[c.name] : [];
      while (rows[c.name].length < Math.min(saved.length, c.max)) this.addRow(c, rows[c.name], values);
      rows[c.name].forEach((key, i) => put(this.rowEntries(c, key), saved[i]));
    }
    this.state.keep = true;
  }

  // --- Checking: the rule set's own check of each field ------------------------

  /** The evaluation date as entered, when the rule set accepts it as a date; else null. */
  validAsOf() {
    const text = this.state.values.get(this.fid(AS_OF)) || '';
    return this.rules.checkField(this.model.checkProgram, null, AS_OF, text, null, this.lang) ? null : text;
  }

  /** The problem with one field as entered, in the current language, or null. */
  check({ field, id, check }) {
    const lang = this.lang;
    // A date typed only in part reads as "" with validity.badInput: the
    // browser has already found that it is not a whole date.
    if (this.state.badInput.has(id)) return { code: 'invalid_date', message: field.messages.invalid_date[lang], lang };
    const text = fieldText(field, this.state.values.get(id));
    const asOf = id === this.fid(AS_OF) ? null : this.validAsOf();
    const problem = this.rules.checkField(check.program, check.collection, field.name, text, asOf, lang);
    return problem && { ...problem, lang };
  }

  /** After a change of language: every problem found by checking, checked again in the new one. */
  recheckErrors() {
    const { errors } = this.state;
    for (const entry of this.entries()) {
      if (!errors.get(entry.id)?.lang) continue;
      const problem = this.check(entry);
      if (problem) errors.set(entry.id, problem);
      else errors.delete(entry.id);
    }
  }

  /** What to show for a problem: its message in this language, else the schema's for its code. */
  message(error, subject) {
    if (error.lang === this.lang) return error.message;
    return subject.messages?.[error.code]?.[this.lang] || error.msg || error.code;
  }

  revalidate(entry) {
    const before = this.state.errors.get(entry.id);
    const problem = this.check(entry);
    if (problem) this.state.errors.set(entry.id, problem);
    else this.state.errors.delete(entry.id);
    if (before?.code !== problem?.code || before?.message !== problem?.message) this.updateFieldError(entry);
  }

  /** Shows or clears the message of one field without rebuilding the form. */
  updateFieldError({ field, id }) {
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
    for (const entry of this.entries()) {
      const problem = this.check(entry);
      if (problem) errors.set(entry.id, problem);
    }
    this.answer = null;
    this.failure = null;
    if (errors.size === 0) {
      const { input, records } = this.buildInput();
      const asOf = values.get(this.fid(AS_OF));
      try {
        this.answer = this.model.mode === 'program'
          ? { outcome: this.rules.evaluate(this.model.program, input, asOf) }
          : evaluateHousehold(this.rules, this.model, input, records, asOf);
        this.answer.input = input;
        this.answer.asOf = asOf;
        this.lastCase = { input, asOf };
        this.changes = null;
      } catch (error) {
        this.absorb(error);
      }
    }
    if (this.state.keep) this.persist();
    this.render();
    if (errors.size > 0) {
      const first = errors.keys().next().value;
      this.shadowRoot.getElementById(first)?.focus();
    } else {
      this.resultRegion.querySelector('h3')?.focus();
      if (this.answer && this.model.mode === 'program') changesLater(this, this.lastCase);
      if (this.answer) {
        const detail = { outcome: this.outcome, members: this.answer.members };
        this.dispatchEvent(new CustomEvent('bangfu-result', { detail, bubbles: true, composed: true }));
      }
    }
  }

  /** The case (the top group and the collections) and each record group's inputs, as sent. */
  buildInput() {
    const { values, rows } = this.state;
    const object = (entries) => {
      const out = {};
      for (const e of entries) {
        const v = caseValue(e.field, values.get(e.id));
        if (v !== undefined) out[e.field.name] = v;
      }
      return out;
    };
    const input = object(this.groupEntries(this.model.groups[0]));
    for (const c of this.model.collections) input[c.name] = rows[c.name].map((key) => object(this.rowEntries(c, key)));
    const records = Object.fromEntries(this.model.groups.slice(1).map((g) => [g.name, object(this.groupEntries(g))]));
    return { input, records };
  }

  /** Places the module's errors on the fields their `loc` names. */
  absorb(error) {
    const errors = this.state.errors;
    let placed = 0;
    for (const e of error.errors || []) {
      const id = this.idOfLoc(e.loc || '', error);
      if (id && !errors.has(id)) {
        errors.set(id, { code: e.code, msg: e.msg });
        placed++;
      }
    }
    if (placed === 0) this.failure = error;
  }

  /** The field a problem's `loc` names; for a member's evaluation (error.member), within that member's row. */
  idOfLoc(loc, error) {
    if (loc === 'date') return this.fid(AS_OF);
    const c = this.model.collections[0];
    if (error.member !== undefined && c) {
      const key = this.state.rows[c.name][error.member];
      const record = this.model.records.find((r) => r.entity === error.entity);
      if (record && !record.linked.includes(loc)) return this.model.groups.some((g) => g.name === record.entity) ? this.fid(loc, record.entity, 0) : null;
      return c.fields.some(({ field }) => field.name === loc) ? this.fid(loc, c.name, key) : null;
    }
    const m = /^(\w+)\[(\d+)\]\.(\w+)$/.exec(loc);
    if (m) {
      const key = this.state.rows[m[1]]?.[Number(m[2])];
      return key === undefined ? null : this.fid(m[3], m[1], key);
    }
    const top = this.model.groups[0].fields.some(({ field }) => field.name === loc);
    return top || this.model.collections.some((col) => col.name === loc) ? this.fid(loc) : null;
  }

  // --- Rendering -------------------------------------------------------------

  render() {
    if (!this.model || !this.state) return;
    const focusedId = this.shadowRoot.activeElement?.id;
    const lang = this.lang;
    const t = this.t();
    const m = this.model;
    const title = `${this.uid}-title`;
    const saveId = `${this.uid}-save`;
    const form = h('form', { novalidate: true, 'aria-labelledby': title, onsubmit: (e) => this.submit(e) },
      renderField(this, this.asOfEntry()),
      renderGroup(this, m.groups[0]),
      m.collections.map((c) => renderCollection(this, c)),
      m.groups.slice(1).map((g) => renderGroup(this, g)),
      h('div', { class: 'keep' },
        h('input', { type: 'checkbox', id: saveId, checked: this.state.keep, 'aria-describedby': `${saveId}-help`, onchange: (e) => this.setKeep(e.target.checked) }),
        h('label', { for: saveId }, t.save),
        h('p', { class: 'help', id: `${saveId}-help` }, t.saveHelp)),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: `${this.uid}-submit` }, t.submit)),
    );
    this.resultRegion = h('section', { class: 'result', 'aria-live': 'polite', 'aria-label': `${m.label[lang]} · ${t.resultRegion}`, id: `${this.uid}-result` });
    this.fillResult();
    const card = h('div', { class: 'card', lang: lang === 'zh' ? 'zh-CN' : 'en', 'data-mode': m.mode },
      h('header', {},
        h('h2', { id: title }, m.label[lang]),
        h('div', { class: 'langs', role: 'group', 'aria-label': `${words('zh').language} / ${words('en').language}` },
          h('button', { type: 'button', lang: 'zh-CN', id: `${this.uid}-lang-zh`, 'aria-pressed': String(lang === 'zh'), onclick: () => this.switchLang('zh') }, '中文'),
          h('button', { type: 'button', lang: 'en', id: `${this.uid}-lang-en`, 'aria-pressed': String(lang === 'en'), onclick: () => this.switchLang('en') }, 'English'),
        ),
      ),
      m.description[lang] ? h('p', { class: 'desc' }, m.description[lang]) : null,
      m.programLabels.length ? h('ul', { class: 'desc programs' }, m.programLabels.map((l) => h('li', {}, l[lang]))) : null,
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

  addMember(c) {
    const key = this.addRow(c, this.state.rows[c.name], this.state.values);
    this.state.errors.delete(this.fid(c.name));
    if (this.state.keep) this.persist();
    this.render();
    const first = c.fields[0];
    if (first) this.shadowRoot.getElementById(this.fid(first.field.name, c.name, key))?.focus();
  }

  removeRow(c, key) {
    const rows = this.state.rows[c.name];
    const at = rows.indexOf(key);
    if (at < 0 || rows.length <= Math.max(1, c.min)) return;
    rows.splice(at, 1);
    for (const { field } of c.fields) {
      const id = this.fid(field.name, c.name, key);
      this.state.values.delete(id);
      this.state.errors.delete(id);
    }
    if (this.state.keep) this.persist();
    this.render();
    const next = rows[Math.min(at, rows.length - 1)];
    const target = c.fields[0] ? this.shadowRoot.getElementById(this.fid(c.fields[0].field.name, c.name, next)) : null;
    (target || this.shadowRoot.getElementById(`${this.uid}-${c.name}-add`))?.focus();
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
      for (const c of this.model.collections) {
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
    if (!this.answer) return;
    const parts = this.model.mode === 'program'
      ? outcomeParts(this.answer.outcome, this.schema, { lang, t, explanation: this.explainText(this.model.program, this.answer.input) })
      : householdParts(this.answer.household, this.answer.members, { lang, t, explanations: this.householdExplanations(), asOfLabel: this.model.asOf.label });
    region.append(
      receiptHead(t, this.enteredLines()),
      ...parts,
      h('div', { class: 'actions no-print' },
        h('button', { type: 'button', id: `${this.uid}-print`, onclick: () => printReceipt(this) }, t.print)));
    if (this.model.mode === 'program') region.append(...[changeParts(this.changes, lang)].filter(Boolean));
  }

  /** What was entered, as `{label, value}` lines for the receipt. */
  enteredLines() {
    const lang = this.lang;
    const t = this.t();
    const lines = [];
    for (const { field, id, collection, key } of this.entries()) {
      const v = this.state.values.get(id);
      if (v === '' || v === null || v === undefined) continue;
      const row = collection ? `${t.member(this.state.rows[collection].indexOf(key) + 1)} · ` : '';
      const shown = field.type === 'bool' ? (v ? t.yes : t.no)
        : field.type === 'enum' ? (field.choices || []).find((c) => c.id === v)?.label[lang] ?? v
          : `${fieldText(field, v)}${field.unit_label ? ` ${field.unit_label[lang]}` : ''}`;
      lines.push({ label: `${row}${field.label[lang]}`, value: shown });
    }
    return lines;
  }

  explainText(target, input, asOf = this.answer.asOf) {
    try {
      return this.rules.explain(target, input, asOf, this.lang);
    } catch (error) {
      return error.message;
    }
  }

  /** The full explanation of the household and of each member's answers. */
  householdExplanations() {
    const t = this.t();
    const m = this.model;
    const { input, asOf } = this.answer;
    const list = [{ title: t.household, text: this.explainText(m.entity, input) }];
    for (const { n, cases } of this.answer.members) {
      list.push({ title: t.member(n), text: cases.map((c) => this.explainText(c.entity, c.input, asOf)).join('\n') });
    }
    return list;
  }
}
