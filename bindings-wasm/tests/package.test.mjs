// The npm package as a district's web team gets it: `npm pack` of
// bindings-wasm/npm (made by build.sh), installed offline from the tarball
// alone into a new project, imported by its name in Node, evaluating a case
// from the bundle it ships; its exports and types are where package.json
// says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './wasm-package.mjs';

const NPM_DIR = join(REPO_ROOT, 'bindings-wasm', 'npm');

test('the packed package installs offline and evaluates a case from its bundle', () => {
  assert.ok(existsSync(join(NPM_DIR, 'package.json')), 'run bindings-wasm/build.sh first');
  const work = mkdtempSync(join(tmpdir(), 'bangfu-npm-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', NPM_DIR, '--json', '--pack-destination', work], { encoding: 'utf8' }),
    );
    const tarball = join(work, packed[0].filename);
    const files = packed[0].files.map((f) => f.path);
    for (const f of [
      'package.json',
      'node.js',
      'node.d.ts',
      'pkg/bangfu_wasm.js',
      'pkg/bangfu_wasm.d.ts',
      'pkg/bangfu_wasm_bg.wasm',
      'pkg-authoring/bangfu_wasm.js',
      'pkg-authoring/bangfu_wasm_bg.wasm',
      'widget/bangfu-check.js',
      'rules/cn-qingdao-chengyang.bangfu',
    ]) {
      assert.ok(files.includes(f), `${f} is not in the package (${files.join(', ')})`);
    }

    const project = join(work, 'district-site');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'district-site', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], {
      cwd: project,
      encoding: 'utf8',
    });
    writeFileSync(
      join(project, 'check.mjs'),
      `import { loadBundled, RuleSet } from 'bangfu';
import { fileURLToPath } from 'node:url';
const rules = loadBundled('cn-qingdao-chengyang');
const household = { registered_locally: true, financial_assets: '10000', members: [
  { birth_date: '1980-01-01', monthly_income: '800' },
  { birth_date: '1982-05-01', monthly_income: '800' },
  { birth_date: '2010-03-01', monthly_income: '800' }] };
const outcome = rules.evaluate('dibao', household, '2023-09-06', 'en');
console.log(JSON.stringify({
  id: rules.id,
  eligible: outcome.programs.dibao.eligible,
  amount: outcome.programs.dibao.amount,
  explained: outcome.explanation.length > 0,
  decide: rules.decide('dibao', household, '2023-09-06'),
  lean: typeof RuleSet.fromFiles,
  widget: fileURLToPath(import.meta.resolve('bangfu/widget')),
  authoring: fileURLToPath(import.meta.resolve('bangfu/authoring')),
}));
`,
    );
    const out = JSON.parse(execFileSync('node', ['check.mjs'], { cwd: project, encoding: 'utf8' }));
    assert.equal(out.id, 'cn-qingdao-chengyang');
    assert.equal(out.eligible, true);
    assert.equal(out.amount, '735.00');
    assert.ok(out.explained);
    assert.deepEqual(out.decide, [{ program: 'dibao', eligible: true, amount: '735.00' }]);
    assert.equal(out.lean, 'undefined', 'the default export is the lean runtime');
    assert.match(out.widget, /node_modules[\\/]bangfu[\\/]widget[\\/]bangfu-check\.js$/);
    assert.match(out.authoring, /node_modules[\\/]bangfu[\\/]pkg-authoring[\\/]bangfu_wasm\.js$/);

    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'bangfu', 'package.json'), 'utf8'));
    assert.equal(manifest.type, 'module');
    assert.match(manifest.version, /^\d+\.\d+\.\d+/);
    assert.notEqual(manifest.version, '0.0.0');
    for (const entry of ['.', './authoring']) {
      const types = manifest.exports[entry].types;
      assert.ok(existsSync(join(project, 'node_modules', 'bangfu', types)), `${entry}: ${types}`);
    }
    assert.ok(existsSync(join(project, 'node_modules', 'bangfu', manifest.exports['.'].node.types)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
