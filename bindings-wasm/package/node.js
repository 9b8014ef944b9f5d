// The lean runtime in Node: the module is instantiated from the package's
// own file, so `RuleSet` is ready on import. `bundle(id)` reads a rule
// bundle shipped in the package (`rules/<id>.bangfu`).
import { readFileSync } from 'node:fs';
import { initSync, RuleSet } from './pkg/bangfu_wasm.js';

initSync({ module: readFileSync(new URL('./pkg/bangfu_wasm_bg.wasm', import.meta.url)) });

export { RuleSet };

/** The bytes of a rule bundle shipped in this package. */
export function bundle(id) {
  return new Uint8Array(readFileSync(new URL(`./rules/${id}.bangfu`, import.meta.url)));
}

/** A rule set from a bundle shipped in this package. */
export function loadBundled(id) {
  return RuleSet.fromBundle(bundle(id));
}
