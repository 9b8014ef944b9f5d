// What the form holds and sends. A field's value is kept as the person left
// it: text for numbers, dates and choices, true/false/null for a yes/no
// question. Whether a value is acceptable is never decided here: the rule
// set's own check (RuleSet.checkField) reads the same text that evaluation
// will read. Money stays text throughout and is never a JS number.

/** The name of the evaluation date among a form's fields (the schema's `as_of`). */
export const AS_OF = 'as_of';

const NUMERIC = new Set(['money', 'integer', 'number']);
const FULL_WIDTH = /[０-９．－]/g;

/** Full-width digits, point and minus (as Chinese input methods type them) as ASCII. */
export function asciiDigits(text) {
  return text.replace(FULL_WIDTH, (c) => (c === '．' ? '.' : c === '－' ? '-' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

/** Today, YYYY-MM-DD, on the device's calendar. */
export function today() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A field's value before anything is entered: its default, or empty. */
export function initialValue(field) {
  if (field.default === null || field.default === undefined) return field.type === 'bool' ? null : '';
  return field.default;
}

/**
 * A field's value as text, as checked and as sent: "" when left empty,
 * "true"/"false" for a yes/no question, numbers with full-width digits read
 * as ASCII.
 */
export function fieldText(field, value) {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return NUMERIC.has(field.type) ? asciiDigits(text) : text;
}

/** The JSON value sent for a field, or undefined to leave it out (its default applies). */
export function caseValue(field, value) {
  if (value === '' || value === null || value === undefined) return undefined;
  return field.type === 'bool' ? value : fieldText(field, value);
}
