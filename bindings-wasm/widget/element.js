// <bangfu-check>, the element: builds a form from a program's schema, checks
// each field with the rule set's own check as it is submitted and corrected,
// evaluates the case and shows the answer. State is the fields' values as
// entered and the problems found, by field id; the form is re-rendered from
// it, and a field's message is updated in place while it is being corrected.

import { h } from './dom.js';
import { AS_OF, caseValue, fieldText, initialValue, today } from './form.js';
import { language, words } from './i18n.js';
import { outcomeParts } from './result.js';
import { changeParts, changesLater } from './change.js';
import { DEFAULT_RULES, loadRules } from './rules.js';
import { STYLE } from './style.js';

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
    return language(this.getAttribute('lang'));
  }

  set lang(value) {
    this.setAttribute('lang', language(value));
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

  // --- State: values as entered and problems, by field id ---------------------

  initialState() {
    const values = new Map();
    values.set(this.fid(AS_OF), this.getAttribute('as-of') || today());
    for (const f of this.schema.fields) values.set(this.fid(f.name), initialValue(f));
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
    for (const f of collection.fields) values.set(this.fid(f.name, collection.name, key), initialValue(f));
    return key;
  }

  fid(name, collection = null, key = null) {
    return collection ? `${this.uid}-${collection}-${key}-${name}` : `${this.uid}-${name}`;
  }

  /** The evaluation date's field: the schema's, with the widget's note that it defaults to today. */
  asOfField() {
    const t = (lang) => words(lang).asOfHelp;
    return { ...this.schema.as_of, help: { zh: t('zh'), en: t('en') } };
  }

  /** Every field with its id (and collection and row), in form order. */
  *entries() {
    yield { field: this.asOfField(), id: this.fid(AS_OF), collection: null };
    for (const f of this.schema.fields) yield { field: f, id: this.fid(f.name), collection: null };
    for (const c of this.schema.collections) {
      for (const key of this.state.rows[c.name]) {
        for (const f of c.fields) yield { field: f, id: this.fid(f.name, c.name, key), collection: c.name, key };
      }
    }
  }

  // --- Checking: the rule set's own check of each field ------------------------

  /** The evaluation date as entered, when the rule set accepts it as a date; else null. */
  validAsOf() {
    const text = this.state.values.get(this.fid(AS_OF)) || '';
    return this.rules.checkField(this.schema.program, null, AS_OF, text, null, this.lang) ? null : text;
  }

  /** The problem with one field as entered, in the current language, or null. */
  check({ field, id, collection }) {
    const lang = this.lang;
    // A date typed only in part reads as "" with validity.badInput: the
    // browser has already found that it is not a whole date.
    if (this.state.badInput.has(id)) return { code: 'invalid_date', message: field.messages.invalid_date[lang], lang };
    const text = fieldText(field, this.state.values.get(id));
    const asOf = id === this.fid(AS_OF) ? null : this.validAsOf();
    const problem = this.rules.checkField(this.schema.program, collection, field.name, text, asOf, lang);
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
    this.outcome = null;
    this.failure = null;
    if (errors.size === 0) {
      const input = this.buildInput();
      const asOf = values.get(this.fid(AS_OF));
      try {
        this.outcome = this.rules.evaluate(this.schema.program, input, asOf);
        this.lastCase = { input, asOf };
        this.changes = null;
      } catch (error) {
        this.absorb(error);
      }
    }
    this.render();
    if (errors.size > 0) {
      const first = errors.keys().next().value;
      this.shadowRoot.getElementById(first)?.focus();
    } else {
      this.resultRegion.querySelector('h3')?.focus();
      if (this.outcome) changesLater(this, this.lastCase);
      if (this.outcome) {
        this.dispatchEvent(new CustomEvent('bangfu-result', { detail: { outcome: this.outcome }, bubbles: true, composed: true }));
      }
    }
  }

  buildInput() {
    const input = {};
    const { values, rows } = this.state;
    for (const f of this.schema.fields) {
      const v = caseValue(f, values.get(this.fid(f.name)));
      if (v !== undefined) input[f.name] = v;
    }
    for (const c of this.schema.collections) {
      input[c.name] = rows[c.name].map((key) => {
        const member = {};
        for (const f of c.fields) {
          const v = caseValue(f, values.get(this.fid(f.name, c.name, key)));
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
        errors.set(id, { code: e.code, msg: e.msg });
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
    if (loc === 'date') return this.fid(AS_OF);
    if (this.schema.fields.some((f) => f.name === loc) || this.schema.collections.some((c) => c.name === loc)) return this.fid(loc);
    return null;
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
      this.renderField({ field: this.asOfField(), id: this.fid(AS_OF), collection: null }),
      s.fields.map((f) => this.renderField({ field: f, id: this.fid(f.name), collection: null })),
      s.collections.map((c) => this.renderCollection(c)),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: `${this.uid}-submit` }, t.submit)),
    );
    this.resultRegion = h('section', { class: 'result', 'aria-live': 'polite', id: `${this.uid}-result` });
    this.fillResult();
    const card = h('div', { class: 'card', lang: lang === 'zh' ? 'zh-CN' : 'en' },
      h('header', {},
        h('h2', { id: title }, s.label[lang]),
        h('div', { class: 'langs', role: 'group', 'aria-label': `${words('zh').language} / ${words('en').language}` },
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

  renderField(entry) {
    const { field, id, collection } = entry;
    const lang = this.lang;
    const t = this.t();
    const { values, errors } = this.state;
    const value = values.get(id);
    const error = errors.get(id);
    const helpId = field.help[lang] ? `${id}-help` : null;
    const errId = error ? `${id}-err` : null;
    const describedBy = [helpId, errId].filter(Boolean).join(' ') || null;
    const unit = field.unit_label?.[lang];
    const labelText = field.label[lang] + (field.required ? '' : t.optional);
    const help = helpId ? h('p', { class: 'help', id: helpId }, field.help[lang]) : null;
    const errorLine = error ? h('p', { class: 'err', id: errId }, this.message(error, field)) : null;
    // Fields are checked when the form is submitted; after that, a field with
    // a message is checked again as it is corrected, so the message goes away
    // (or changes) while typing. Nothing is checked on blur: a message
    // appearing then would move the button under the pointer.
    const onValue = (next, badInput = false) => {
      values.set(id, next);
      if (badInput) this.state.badInput.add(id);
      else this.state.badInput.delete(id);
      if (this.state.errors.has(id)) this.revalidate(entry);
    };
    const common = { id, name: id, 'aria-describedby': describedBy, 'aria-invalid': error ? 'true' : null, 'data-field': field.name, 'data-collection': collection };

    if (field.type === 'bool') {
      const radio = (v, text) =>
        h('label', {},
          h('input', { ...common, id: v ? id : `${id}-no`, type: 'radio', value: String(v), checked: value === v, onchange: () => onValue(v) }),
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
        (field.choices || []).map((c) => h('option', { value: c.id, selected: value === c.id }, c.label[lang])));
      control.value = value ?? '';
    } else if (field.type === 'date') {
      control = h('input', {
        ...common, type: 'date', value: value ?? '', min: '1800-01-01',
        max: field.not_after_as_of ? this.validAsOf() : null,
        // A partly typed date has value "" and validity.badInput, and fires no
        // input event: read both on every event, and again on submit.
        oninput: (e) => onValue(e.target.value, e.target.validity.badInput),
        onchange: (e) => onValue(e.target.value, e.target.validity.badInput),
      });
    } else {
      control = h('input', {
        ...common, type: 'text', value: value ?? '', autocomplete: 'off', spellcheck: 'false',
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
          c.fields.map((f) => this.renderField({ field: f, id: this.fid(f.name, c.name, key), collection: c.name })),
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
    if (this.outcome) region.append(...outcomeParts(this.outcome, this.schema, { lang, t, explanation: this.explainText() }));
    if (this.outcome) region.append(...[changeParts(this.changes, lang)].filter(Boolean));
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
