// Rendering the form's fields and member collections. Each control has a
// bound <label> (or a <legend> for yes/no questions and groups), its help and
// message linked by aria-describedby, aria-invalid when it has a message;
// `el` is the <bangfu-check> element, whose state holds the values and the
// problems by field id.

import { h } from './dom.js';

/** The control of one field entry ({field, id, check}) with its label, help and message. */
export function renderField(el, entry) {
  const { field, id } = entry;
  const lang = el.lang;
  const t = el.t();
  const { values, errors } = el.state;
  const value = values.get(id);
  const error = errors.get(id);
  const helpId = field.help[lang] ? `${id}-help` : null;
  const errId = error ? `${id}-err` : null;
  const describedBy = [helpId, errId].filter(Boolean).join(' ') || null;
  const unit = field.unit_label?.[lang];
  const labelText = field.label[lang] + (field.required ? '' : t.optional);
  const help = helpId ? h('p', { class: 'help', id: helpId }, field.help[lang]) : null;
  const errorLine = error ? h('p', { class: 'err', id: errId }, el.message(error, field)) : null;
  // Fields are checked when the form is submitted; after that, a field with
  // a message is checked again as it is corrected, so the message goes away
  // (or changes) while typing. Nothing is checked on blur: a message
  // appearing then would move the button under the pointer.
  const onValue = (next, badInput = false) => el.valueChanged(entry, next, badInput);
  const common = { id, name: id, 'aria-describedby': describedBy, 'aria-invalid': error ? 'true' : null, 'data-field': field.name, 'data-collection': entry.collection };

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
      max: field.not_after_as_of ? el.validAsOf() : null,
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

/**
 * The fields of `entries`, those that one program alone reads (`section`)
 * in a fieldset named after that program.
 */
function renderSectioned(el, entries) {
  const out = [];
  let current = null;
  for (const entry of entries) {
    if (!entry.section) {
      current = null;
      out.push(renderField(el, entry));
      continue;
    }
    if (current?.section !== entry.section) {
      current = { section: entry.section, box: h('fieldset', { class: 'section' }, h('legend', {}, el.t().forProgram(entry.section[el.lang]))) };
      out.push(current.box);
    }
    current.box.append(renderField(el, entry));
  }
  return out;
}

/** A group of fields asked once: the top of the form (no legend), or a record's fields in a fieldset. */
export function renderGroup(el, group) {
  const lang = el.lang;
  const fields = renderSectioned(el, el.groupEntries(group));
  if (!group.legend) return fields;
  const helpId = `${el.uid}-${group.name}-help`;
  return h('fieldset', { class: 'group', 'data-group': group.name, 'aria-describedby': group.help ? helpId : null },
    h('legend', {}, group.legend[lang]),
    group.help ? h('p', { class: 'help', id: helpId }, group.help[lang]) : null,
    fields);
}

/** A member collection: one fieldset per row, with add and remove buttons within the schema's bounds. */
export function renderCollection(el, c) {
  const lang = el.lang;
  const t = el.t();
  const rows = el.state.rows[c.name];
  const collId = el.fid(c.name);
  const error = el.state.errors.get(collId);
  const items = rows.map((key, i) =>
    h('li', {},
      h('fieldset', { class: 'member', 'data-row': String(key) },
        h('legend', {}, t.member(i + 1)),
        renderSectioned(el, el.rowEntries(c, key)),
        h('button', {
          type: 'button', id: `${el.uid}-${c.name}-${key}-remove`, disabled: rows.length <= Math.max(1, c.min),
          onclick: () => el.removeRow(c, key),
        }, t.remove(i + 1)))));
  return h('fieldset', { class: 'field members', id: collId, tabindex: '-1', 'aria-describedby': error ? `${collId}-err` : null },
    h('legend', {}, c.label[lang]),
    h('ol', {}, items),
    h('button', { type: 'button', id: `${el.uid}-${c.name}-add`, disabled: rows.length >= c.max, onclick: () => el.addMember(c) }, t.add),
    error ? h('p', { class: 'err', id: `${collId}-err` }, el.message(error, c)) : null);
}
