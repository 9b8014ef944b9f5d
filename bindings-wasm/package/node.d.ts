import { RuleSet } from './pkg/bangfu_wasm.js';
export { RuleSet };
export * from './pkg/bangfu_wasm.js';
/** The bytes of a rule bundle shipped in this package (`rules/<id>.bangfu`). */
export function bundle(id: string): Uint8Array;
/** A rule set from a bundle shipped in this package. */
export function loadBundled(id: string): RuleSet;
