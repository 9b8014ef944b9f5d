// The WASM package's answers to a list of cases, for the differential test
// (run.py): `node tests/differential/wasm.mjs RULES_DIR CASES.json` prints one
// JSON line per case, in the shape of core/examples/answers.rs, from the lean
// runtime with the rule set's bundle (what citizens' pages run); the
// authoring module, reading the rule files, must answer the same.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { REPO_ROOT, LeanRuleSet, bundleBytes, loadRuleSet } from '../../bindings-wasm/tests/wasm-package.mjs';

const [dir, file] = process.argv.slice(2);
const lean = LeanRuleSet.fromBundle(bundleBytes());
const authoring = loadRuleSet(relative(REPO_ROOT, resolve(dir)));
const answer = (rules, c) => {
  try {
    return { id: c.id, outcome: rules.evaluate({ entity: c.entity }, c.input, c.as_of) };
  } catch (error) {
    return { id: c.id, thrown: error };
  }
};
for (const c of JSON.parse(readFileSync(file, 'utf8'))) {
  let line = answer(lean, c);
  const other = answer(authoring, c);
  assert.deepEqual(
    JSON.stringify(other.outcome ?? { code: other.thrown?.code, errors: other.thrown?.errors }),
    JSON.stringify(line.outcome ?? { code: line.thrown?.code, errors: line.thrown?.errors }),
    `${c.id}: the authoring module and the lean runtime differ`,
  );
  try {
    if (line.thrown) throw line.thrown;
  } catch (error) {
    if (error?.name !== 'BangfuError') throw error;
    // Input problems carry the input as given; other errors are one code.
    const input = (error.errors ?? []).length > 0 && error.errors.every((e) => 'input' in e);
    line = input
      ? { id: c.id, errors: error.errors.map((e) => `${e.code}@${e.loc}`).sort() }
      : { id: c.id, error: error.code };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
