// The receipt: the result printed (or saved as PDF by the browser's print
// dialog) with the rule set's id, version and content hash, the date whose
// rules applied, the day it was printed and what was entered — a page a
// person can bring to the office. The widget's own print stylesheet
// (style.js, `@media print`) leaves out the form and the buttons; this module
// hides the rest of the host page while one widget prints.

import { h } from './dom.js';
import { today } from './form.js';

const PAGE_STYLE_ID = 'bangfu-check-print';
// Only while a widget prints (its host carries data-printing): everything else
// on the page is hidden, and the widget is laid out from the top of the page.
const PAGE_STYLE = `@media print {
  body:has(bangfu-check[data-printing]) * { visibility: hidden; }
  body:has(bangfu-check[data-printing]) bangfu-check[data-printing] { visibility: visible; position: absolute; left: 0; top: 0; width: 100%; max-width: none; }
}`;

/** Prints the widget `host` alone, with its folded policy figures open. */
export function printReceipt(host) {
  const doc = host.ownerDocument;
  if (!doc.getElementById(PAGE_STYLE_ID)) {
    const style = doc.createElement('style');
    style.id = PAGE_STYLE_ID;
    style.textContent = PAGE_STYLE;
    doc.head.append(style);
  }
  const folded = [...host.shadowRoot.querySelectorAll('details.figures:not([open])')];
  for (const d of folded) d.open = true;
  const done = () => {
    host.removeAttribute('data-printing');
    for (const d of folded) d.open = false;
  };
  host.setAttribute('data-printing', '');
  doc.defaultView.addEventListener('afterprint', done, { once: true });
  doc.defaultView.print();
}

/**
 * The receipt's head (shown in print only): its title, the day printed, and
 * what was entered, as `{label, value}` lines.
 */
export function receiptHead(t, entered) {
  return h('div', { class: 'print-only receipt', 'data-receipt': '' },
    h('p', { class: 'receipt-title' }, t.receipt),
    h('p', {}, `${t.printedOn}: ${today()}`),
    entered.length
      ? [h('p', { class: 'receipt-sub' }, t.entered),
        h('dl', { class: 'entered' }, entered.map(({ label, value }) => [h('dt', {}, label), h('dd', {}, value)]))]
      : null);
}
