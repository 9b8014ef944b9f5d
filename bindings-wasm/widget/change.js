// What would change the answer: the sentences the module writes
// (RuleSet.whatWouldChange) for the program just checked, searched value by
// value along each input the rules mark `what_if` (income, assets). Shown
// for a program the case is not eligible for (at which value it could be)
// and for one it is (how far from losing it); inputs that change nothing
// over the range searched are left out.

import { h } from './dom.js';

const HEADING = { zh: '什么会改变结果', en: 'What would change the answer' };
const NOTE = {
  zh: '按其他情况不变逐一测算，仅供参考。',
  en: 'Each value searched with everything else unchanged; for guidance only.',
};

/** The findings for a case, or null when they cannot be found. */
export function findChanges(rules, program, input, asOf) {
  try {
    return rules.whatWouldChange(program, input, asOf);
  } catch {
    return null;
  }
}

/** The part of the result region for `findings`, in `lang` (null when none changes the answer). */
export function changeParts(findings, lang) {
  const shown = (findings || []).filter((f) => f.changes);
  if (shown.length === 0) return null;
  return h('div', { class: 'what-if', 'data-what-if': '' },
    h('h4', {}, HEADING[lang]),
    h('ul', {}, shown.map((f) =>
      h('li', { 'data-what-if-path': f.path, 'data-finding': f.finding }, f.sentence[lang]))),
    h('p', { class: 'cite' }, NOTE[lang]));
}
