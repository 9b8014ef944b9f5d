// Shared by the Node tests and the benchmark: loads the two built WASM
// modules (made by bindings-wasm/build.sh) synchronously — the authoring
// module (bindings-wasm/pkg-authoring: `RuleSet`, with rule files and
// reforms) and the lean runtime (bindings-wasm/pkg: `LeanRuleSet`, bundles
// only) — and reads rule sets from disk the way a page would hand them over.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The lean runtime's folder; BANGFU_LEAN_PKG names another build of it (to compare two in the benchmark). */
export const PKG_DIR = process.env.BANGFU_LEAN_PKG || join(REPO_ROOT, 'bindings-wasm', 'pkg');
export const AUTHORING_DIR = join(REPO_ROOT, 'bindings-wasm', 'pkg-authoring');
export const DIST_DIR = join(REPO_ROOT, 'bindings-wasm', 'dist');
/** The precompiled bundle the build writes for the demo and the widget. */
export const BUNDLE = join(DIST_DIR, 'rules', 'cn-qingdao-chengyang.bangfu');

async function load(dir) {
  const glue = join(dir, 'bangfu_wasm.js');
  if (!existsSync(glue)) {
    throw new Error(`${glue} does not exist: run bindings-wasm/build.sh first`);
  }
  const pkg = await import(pathToFileURL(glue).href);
  pkg.initSync({ module: readFileSync(join(dir, 'bangfu_wasm_bg.wasm')) });
  return pkg;
}

export const { RuleSet } = await load(AUTHORING_DIR);
export const { RuleSet: LeanRuleSet } = await load(PKG_DIR);

/** The bytes of the bundle the build wrote for a rule-set folder (the demo's by default). */
export function bundleBytes(folder = 'rules/cn-qingdao-chengyang') {
  const file = join(DIST_DIR, 'rules', `${folder.split('/').filter(Boolean).pop()}.bangfu`);
  if (!existsSync(file)) throw new Error(`no bundle is built for ${folder}: run bindings-wasm/build.sh`);
  return new Uint8Array(readFileSync(file));
}

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
