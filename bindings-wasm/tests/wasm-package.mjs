// Shared by the Node tests and the benchmark: loads the built WASM package
// (bindings-wasm/pkg, made by bindings-wasm/build.sh) synchronously, and reads
// rule sets from disk the way a page would hand them over.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const PKG_DIR = join(REPO_ROOT, 'bindings-wasm', 'pkg');
export const DIST_DIR = join(REPO_ROOT, 'bindings-wasm', 'dist');

const glue = join(PKG_DIR, 'bangfu_wasm.js');
if (!existsSync(glue)) {
  throw new Error(`${glue} does not exist: run bindings-wasm/build.sh first`);
}
const pkg = await import(pathToFileURL(glue).href);
pkg.initSync({ module: readFileSync(join(PKG_DIR, 'bangfu_wasm_bg.wasm')) });

export const { RuleSet } = pkg;

/** Every .toml file under `dir`, as {relative path: text}. */
export function ruleFiles(dir) {
  const files = {};
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.toml')) files[relative(dir, path).split(sep).join('/')] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return files;
}

/** The rule set in a folder of the repository, loaded with RuleSet.fromFiles. */
export function loadRuleSet(folder) {
  return RuleSet.fromFiles(ruleFiles(join(REPO_ROOT, folder)));
}
