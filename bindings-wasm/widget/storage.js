// Keeping what a person entered, only when they ask to. By default the
// widget writes nothing anywhere (no localStorage, no sessionStorage, no
// cookie): once the page is closed nothing is left. With "save on this
// device" ticked, the values as entered are kept in this browser's
// localStorage under one key per rule set and form, and unticking deletes
// them. A browser that refuses storage (private mode, a full quota) simply
// keeps nothing.

const PREFIX = 'bangfu-check:';

/** The storage key of a form: the rule set's id and the form (a program, or an entity). */
export function storageKey(rulesId, form) {
  return `${PREFIX}${rulesId}:${form}`;
}

/** What was saved under `key`, or null. */
export function loadSaved(key) {
  try {
    const text = globalThis.localStorage?.getItem(key);
    const data = text ? JSON.parse(text) : null;
    return data && typeof data === 'object' ? data : null;
  } catch {
    return null;
  }
}

/** Saves `data` under `key`; false when the browser refuses. */
export function save(key, data) {
  try {
    globalThis.localStorage.setItem(key, JSON.stringify(data));
    return true;
  } catch {
    return false;
  }
}

/** Deletes what was saved under `key`. */
export function forget(key) {
  try {
    globalThis.localStorage?.removeItem(key);
  } catch {
    // Nothing was kept.
  }
}
