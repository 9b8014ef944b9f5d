// Loading: the lean WASM module once per page, and one RuleSet per rule-bundle
// URL (a precompiled bundle: nothing is parsed or compiled in the page),
// shared by every widget on the page. After this, nothing is fetched: every
// check runs in the page.

import init, { RuleSet } from '../pkg/bangfu_wasm.js';

/** The rule bundle beside this script, used when the element names none. */
export const DEFAULT_RULES = new URL('../rules/cn-qingdao-chengyang.bangfu', import.meta.url).href;

let wasmReady = null;
const ruleSets = new Map();

/** The RuleSet of the bundle at `url` (a promise; a failed load is retried on the next call). */
export function loadRules(url) {
  if (!wasmReady) wasmReady = init();
  if (!ruleSets.has(url)) {
    const loading = wasmReady
      .then(() => fetch(url))
      .then((response) => {
        if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
        return response.arrayBuffer();
      })
      .then((bytes) => RuleSet.fromBundle(new Uint8Array(bytes)));
    loading.catch(() => ruleSets.delete(url));
    ruleSets.set(url, loading);
  }
  return ruleSets.get(url);
}
