// Writes a rule set's sources for the rule playground as one JSON file:
// {"files": {path: TOML text}, "cases": {file name: sample case}}, the
// rule files (every .toml under the folder, paths relative to it, as the
// authoring module's RuleSet.fromFiles takes them) and the sample cases
// of its cases/ folder (JSON files), if any.
//
//   node bindings-wasm/tools/sources.mjs RULES_DIR OUT.json
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
  console.error('usage: node sources.mjs RULES_DIR OUT.json');
  process.exit(2);
}
const files = {};
const walk = (d) => {
  for (const name of readdirSync(d).sort()) {
    const path = join(d, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.toml')) files[relative(dir, path).split(sep).join('/')] = readFileSync(path, 'utf8');
  }
};
walk(dir);
const cases = {};
const casesDir = join(dir, 'cases');
if (existsSync(casesDir)) {
  for (const name of readdirSync(casesDir).sort()) {
    if (name.endsWith('.json')) cases[name] = JSON.parse(readFileSync(join(casesDir, name), 'utf8'));
  }
}
writeFileSync(out, JSON.stringify({ files, cases }));
