// The answer, for people: whether the case is likely eligible, the amount
// exactly as the module returns it (a decimal string) with its unit and how
// it is made up, each condition's explanation, the policy figures used with
// their status and source, the assumptions flagged, the full text
// explanation and the rule set's stamp. Every text about the rules comes
// from the outcome and the schema: the core renders every sentence.
//
// One program's answer is `programPart`; the answer of one program
// (`outcomeParts`) and of a household with its members (`householdParts`)
// are built from it, so a line added to a program's answer is added in one
// place.

import { h } from './dom.js';

/**
 * The parts of the result region for `outcome` of one program, in `lang`.
 * `schema` is the program's schema (its amount unit and evaluation-date
 * label), `t` the widget's words, `explanation` the full text explanation.
 */
export function outcomeParts(outcome, schema, { lang, t, explanation }) {
  const p = outcome.programs[schema.program];
  if (!p) return notInForce(outcome, lang);
  return [
    staleness(outcome, lang),
    programPart(outcome, schema.program, { lang, t, level: 3, fallbackUnit: schema.amount_unit_label, headline: true }),
    h('details', { class: 'full-text' }, h('summary', {}, t.fullText), h('pre', { class: 'explanation' }, explanation)),
    stamp(outcome, lang, t),
    h('p', { class: 'disclaimer' }, t.disclaimer),
  ].flat(Infinity).filter(Boolean);
}

/**
 * The parts of the result region for a household and its members:
 * `household` is the household's outcome (every household program), and
 * `members` one entry per member, `{n, outcomes}` with an outcome for each
 * entity evaluated for that member. `explanations` is a list of
 * `{title, text}`.
 */
export function householdParts(household, members, { lang, t, explanations, asOfLabel }) {
  const answers = [];
  for (const name of Object.keys(household.programs)) answers.push({ outcome: household, name, who: t.household });
  for (const { n, outcomes } of members) {
    for (const outcome of outcomes) {
      for (const name of Object.keys(outcome.programs)) answers.push({ outcome, name, who: t.member(n) });
    }
  }
  const likely = answers.filter(({ outcome, name }) => outcome.programs[name].eligible);
  return [
    staleness(household, lang),
    h('div', { class: 'overview', 'data-overview': '' },
      h('h3', { tabindex: '-1' }, t.overview(likely.length, answers.length)),
      likely.length
        ? h('ul', {}, likely.map(({ outcome, name, who }) => h('li', {}, `${who} · ${outcome.programs[name].label[lang]}`, amountText(outcome.programs[name], lang))))
        : h('p', {}, t.noneLikely)),
    answers.map(({ outcome, name, who }) =>
      h('article', { class: 'program', 'data-program': name, 'data-who': who },
        programPart(outcome, name, { lang, t, level: 4, who, compact: true }))),
    [household, ...members.flatMap((m) => m.outcomes)].map((o) => notInForce(o, lang)),
    explanations.map(({ title, text }) =>
      h('details', { class: 'full-text' }, h('summary', {}, `${t.fullText} · ${title}`), h('pre', { class: 'explanation' }, text))),
    stamp(household, lang, t, asOfLabel),
    h('p', { class: 'disclaimer' }, t.disclaimer),
  ].flat(Infinity).filter(Boolean);
}

/**
 * One program's answer: verdict, amount with its unit, how the amount is
 * made up, reasons, policy figures and assumptions. `level` is the heading
 * level of the verdict; `who` names the household or member it is about;
 * `compact` folds the policy figures and assumptions into a disclosure
 * (opened for printing).
 */
export function programPart(outcome, name, { lang, t, level, who = null, fallbackUnit = null, headline = false, compact = false }) {
  const p = outcome.programs[name];
  const verdict = p.eligible ? t.eligible : t.notEligible;
  const heading = headline ? t.resultFor(verdict) : `${who ? `${who} · ` : ''}${p.label[lang]}${lang === 'zh' ? '：' : ': '}${verdict}`;
  const unit = (p.amount_unit ?? fallbackUnit)?.[lang];
  const sub = `h${Math.min(level + 1, 6)}`;
  return [
    h('div', { class: `verdict ${p.eligible ? 'yes' : 'no'}`, 'data-eligible': String(p.eligible) },
      h(`h${level}`, { tabindex: '-1' }, heading),
      p.eligible && p.amount !== null
        ? h('p', { class: 'amount' }, `${t.amount}: `, h('span', { 'data-amount': p.amount }, p.amount), unit ? h('span', { 'data-unit': '' }, ` ${unit}`) : null)
        : null,
      p.computation
        ? h('p', { class: 'computation' }, `${t.computation}${lang === 'zh' ? '：' : ': '}`, h('span', { 'data-computation': '' }, p.computation[lang]))
        : null),
    h(sub, {}, t.reasons),
    h('ul', { class: 'reasons' }, p.conditions.map((c) =>
      h('li', { class: c.passed ? 'pass' : 'fail', 'data-condition': c.id },
        h('span', { class: 'mark', 'aria-hidden': 'true' }, c.passed ? '✓ ' : '✗ '),
        h('span', { class: 'sr' }, c.passed ? t.passed : t.failed),
        c.explanation[lang]))),
    members(outcome, name, lang, t),
    compact ? figures(outcome, p, lang, t, sub) : [parameters(outcome, p, lang, t, sub), assumptions(p, lang, t, sub)],
  ];
}

/** The policy figures and assumptions of a program, folded: the summary says how many assumptions. */
function figures(outcome, p, lang, t, tag) {
  const inside = [parameters(outcome, p, lang, t, tag), assumptions(p, lang, t, tag)].flat(Infinity).filter(Boolean);
  if (inside.length === 0) return null;
  return h('details', { class: 'figures' },
    h('summary', {}, t.figures(p.assumptions.length)),
    inside);
}

/** " — 735.00 元/月" for an eligible program that pays, else "". */
function amountText(p, lang) {
  if (!p.eligible || p.amount === null) return '';
  const unit = p.amount_unit?.[lang];
  return ` — ${p.amount}${unit ? ` ${unit}` : ''}`;
}

function staleness(outcome, lang) {
  return outcome.staleness ? h('p', { class: 'staleness', role: 'note' }, outcome.staleness[lang]) : null;
}

function notInForce(outcome, lang) {
  return (outcome.not_in_force || []).map((n) => h('p', { class: 'not-in-force', 'data-not-in-force': n.program }, n.explanation[lang]));
}

/** The rule set's id, version and content hash, and the date whose rules applied. */
function stamp(outcome, lang, t, asOfLabel = null) {
  const r = outcome.ruleset;
  return h('dl', { class: 'stamp', 'data-stamp': '' },
    h('dt', {}, t.ruleset), h('dd', {}, `${r.id} ${r.version}`),
    h('dt', {}, t.hash), h('dd', { 'data-hash': '' }, r.hash),
    h('dt', {}, asOfLabel?.[lang] ?? t.asOf), h('dd', { 'data-as-of': '' }, outcome.as_of));
}

function parameters(outcome, p, lang, t, tag) {
  const used = p.parameters.map((name) => [name, outcome.parameters[name]]).filter(([, u]) => u);
  if (used.length === 0) return null;
  return [
    h(tag, {}, t.parameters),
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

function assumptions(p, lang, t, tag) {
  if (!p.assumptions.length) return null;
  return h('div', { class: 'assumptions', role: 'note' },
    h(tag, {}, h('span', { 'aria-hidden': 'true' }, '⚠ '), t.assumptions),
    h('ul', {}, p.assumptions.map((a) => h('li', { 'data-assumption': a.name },
      `${a.label[lang]}${lang === 'zh' ? '：' : ': '}${a.note_text[lang]}`))));
}

// Each member's results (the parts of programs paid per member, the member
// programs that read the household), as the core gives them: one line per
// member and program, with the member's and the program's labels.
function members(outcome, program, lang, t) {
  const list = outcome.members || [];
  if (!list.length) return null;
  const lines = list.flatMap((m) =>
    Object.entries(m.programs).filter(([name]) => name === program).map(([name, mp]) => {
      const unit = mp.amount_unit?.[lang];
      return h('li', { class: mp.eligible ? 'pass' : 'fail', 'data-member': String(m.index), 'data-program': name },
        `${m.label[lang]} · ${mp.label[lang]}: ${mp.eligible ? t.eligible : t.notEligible}`,
        mp.eligible && mp.amount !== null
          ? h('span', { class: 'amount' }, ` ${t.amount}: `, h('span', { 'data-amount': mp.amount }, mp.amount), unit ? ` ${unit}` : null)
          : null);
    }));
  return lines.length ? h('ul', { class: 'members' }, lines) : null;
}
