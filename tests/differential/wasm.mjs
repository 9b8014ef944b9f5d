// The WASM package's answers to a list of cases, for the differential test
// (run.py): `node tests/differential/wasm.mjs RULES_DIR CASES.json` prints one
// JSON line per case, in the shape of core/examples/answers.rs.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { REPO_ROOT, loadRuleSet } from '../../bindings-wasm/tests/wasm-package.mjs';

const [dir, file] = process.argv.slice(2);
const rules = loadRuleSet(relative(REPO_ROOT, resolve(dir)));
for (const c of JSON.parse(readFileSync(file, 'utf8'))) {
  let line;
  try {
    line = { id: c.id, outcome: rules.evaluate({ entity: c.entity }, c.input, c.as_of) };
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
