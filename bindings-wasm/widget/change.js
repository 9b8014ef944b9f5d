// What would change the answer: the sentences the module writes
// (RuleSet.whatWouldChange) for the program just checked, searched value by
// value along each input the rules mark `what_if` (income, assets), for a
// case not eligible: at which value it could be. Inputs that change nothing
// over the range searched are left out. The search runs after the answer is
// shown, so the answer never waits for it; it is not run for an eligible
// case (the distance to losing eligibility is the command line's and
// Python's), to spare a phone a second of work nobody asked for.

import { h } from './dom.js';
import { words } from './i18n.js';

/** The findings for a case, or null when they cannot be found. */
export function findChanges(rules, program, input, asOf) {
  try {
    return rules.whatWouldChange(program, input, asOf);
  } catch {
    return null;
  }
}

/**
 * Searches after the answer is shown (a search evaluates about a million
 * cases per input, a second or two in a phone's browser), then adds its
 * part to the result region of `widget` (a <bangfu-check>) and keeps the
 * findings as `widget.changes` for later renders, unless another case was
 * checked meanwhile.
 */
export function changesLater(widget, checked) {
  setTimeout(() => {
    const answer = widget.outcome?.programs?.[widget.model.program];
    if (widget.lastCase !== checked || !answer || answer.eligible) return;
    widget.changes = findChanges(widget.rules, widget.model.program, checked.input, checked.asOf);
    const part = changeParts(widget.changes, widget.lang);
    if (part && widget.resultRegion) widget.resultRegion.append(part);
  }, 0);
}

/** The part of the result region for `findings`, in `lang` (null when none changes the answer). */
export function changeParts(findings, lang) {
  const shown = (findings || []).filter((f) => f.changes);
  if (shown.length === 0) return null;
  return h('div', { class: 'what-if', 'data-what-if': '' },
    h('h4', {}, words(lang).whatIf),
    h('ul', {}, shown.map((f) =>
      h('li', { 'data-what-if-path': f.path, 'data-finding': f.finding }, f.sentence[lang]))),
    h('p', { class: 'cite' }, words(lang).whatIfNote));
}
