// The answer, for people: whether the case is likely eligible, the amount
// exactly as the module returns it (a decimal string), each condition's
// explanation, the policy figures used with their status and source, the
// assumptions flagged, the full text explanation and the rule set's stamp.
// Every text about the rules comes from the outcome and the schema.

import { h } from './dom.js';

/**
 * The parts of the result region for `outcome`, in `lang`. `schema` is the
 * program's schema (its amount unit and evaluation-date label), `t` the
 * widget's words, `explanation` the full text explanation.
 */
export function outcomeParts(outcome, schema, { lang, t, explanation }) {
  const p = outcome.programs[schema.program];
  if (!p) return [];
  const verdict = p.eligible ? t.eligible : t.notEligible;
  const unit = (p.amount_unit ?? schema.amount_unit_label)?.[lang];
  return [
    outcome.staleness ? h('p', { class: 'staleness', role: 'note' }, outcome.staleness[lang]) : null,
    h('div', { class: `verdict ${p.eligible ? 'yes' : 'no'}`, 'data-eligible': String(p.eligible) },
      h('h3', { tabindex: '-1' }, t.resultFor(verdict)),
      p.eligible && p.amount !== null
        ? h('p', { class: 'amount' }, `${t.amount}: `, h('span', { 'data-amount': p.amount }, p.amount), unit ? ` ${unit}` : null)
        : null,
      p.eligible && p.computation
        ? h('p', { class: 'computation', 'data-computation': '' }, p.computation[lang])
        : null),
    h('h4', {}, t.reasons),
    h('ul', { class: 'reasons' }, p.conditions.map((c) =>
      h('li', { class: c.passed ? 'pass' : 'fail', 'data-condition': c.id },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, c.passed ? '✓ ' : '✗ '),
        h('span', { class: 'sr' }, c.passed ? t.passed : t.failed),
        c.explanation[lang]))),
    members(outcome, lang, t),
    parameters(outcome, p, lang, t),
    assumptions(p, lang, t),
    h('details', {}, h('summary', {}, t.fullText), h('pre', { class: 'explanation' }, explanation)),
    h('p', { class: 'stamp' }, `${t.ruleset} ${outcome.ruleset.id} ${outcome.ruleset.version} · ${outcome.ruleset.hash} · ${schema.as_of.label[lang]} ${outcome.as_of}`),
    h('p', { class: 'disclaimer' }, t.disclaimer),
  ].flat().filter(Boolean);
}

function parameters(outcome, p, lang, t) {
  const used = p.parameters.map((name) => [name, outcome.parameters[name]]).filter(([, u]) => u);
  if (used.length === 0) return null;
  return [
    h('h4', {}, t.parameters),
    h('ul', { class: 'params' }, used.map(([name, u]) => {
      const value = typeof u.value === 'boolean' ? (u.value ? t.yes : t.no) : u.value;
      const unit = u.unit_label?.[lang];
      const src = u.source || {};
      return h('li', { 'data-parameter': name },
        `${u.label[lang]} = ${value}${unit ? ` ${unit}` : ''}`,
        h('span', { class: `badge ${u.status}` }, t.status[u.status] || u.status),
        h('span', { class: 'cite' }, `${t.inForce}: ${u.from} – ${u.until || ''}`),
        u.formula ? h('span', { class: 'cite' }, `${t.formula}: ${u.formula}`) : null,
        h('span', { class: 'cite' }, `${t.source}: ${src.document || ''}${src.date ? ` (${src.date})` : ''}${src.quote ? ` “${src.quote}”` : ''}`));
    })),
  ];
}

function assumptions(p, lang, t) {
  if (!p.assumptions.length) return null;
  return h('div', { class: 'assumptions', role: 'note' },
    h('h4', {}, h('span', { 'aria-hidden': 'true' }, '⚠ '), t.assumptions),
    h('ul', {}, p.assumptions.map((a) => h('li', { 'data-assumption': a.name },
      `${a.label[lang]}${lang === 'zh' ? '：' : ': '}${a.note_text[lang]}`))));
}

// Each member's results (the parts of programs paid per member, the member
// programs that read the household), as the core gives them: one line per
// member and program, with the member's and the program's labels.
function members(outcome, lang, t) {
  const list = outcome.members || [];
  if (!list.length) return null;
  return h('ul', { class: 'members' }, list.flatMap((m) =>
    Object.entries(m.programs).map(([name, mp]) => {
      const unit = mp.amount_unit?.[lang];
      return h('li', { class: mp.eligible ? 'pass' : 'fail', 'data-member': String(m.index), 'data-program': name },
        `${m.label[lang]} · ${mp.label[lang]}: ${mp.eligible ? t.eligible : t.notEligible}`,
        mp.eligible && mp.amount !== null
          ? h('span', { class: 'amount' }, ` ${t.amount}: `, h('span', { 'data-amount': mp.amount }, mp.amount), unit ? ` ${unit}` : null)
          : null);
    })));
}
