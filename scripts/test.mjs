// `npm test`: builds, type-checks, then runs every suite — unit (Vitest), integration against the
// real lab (Vitest, needs root), browser e2e (Playwright + Debian's Chromium against `hangar
// serve`) and the Electron e2e (skipped, with its reason, where no Electron binary exists) — and
// ends with one summary line: "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const results = 'test-results';
fs.rmSync(results, { recursive: true, force: true });
fs.mkdirSync(results, { recursive: true });
const only = process.argv.slice(2); // e.g. `npm test -- unit e2e`
const want = (s) => only.length === 0 || only.includes(s);
const rows = [];
let broken = false;

function run(label, cmd, args, env = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, CI: process.env.CI ?? '', ...env } });
  return r.status ?? 1;
}
const npx = (bin) => path.join('node_modules', '.bin', bin);

function vitestSuite(project) {
  const out = path.join(results, `${project}.json`);
  const code = run(`${project} tests`, npx('vitest'), ['run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  if (!fs.existsSync(out)) return rows.push({ suite: project, passed: 0, failed: 1, skipped: 0, note: `vitest exited ${code} with no report` });
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  const failedFiles = j.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  rows.push({ suite: project, passed: j.numPassedTests, failed: j.numFailedTests + failedFiles, skipped: j.numPendingTests + j.numTodoTests });
  if (code !== 0 && j.numFailedTests + failedFiles === 0) rows.at(-1).failed += 1; // e.g. a global setup that failed
}

function playwrightSuite(name, config) {
  const out = path.resolve(results, `${name}.json`);
  const code = run(`${name} tests`, npx('playwright'), ['test', '--config', config], { CI: '1', PLAYWRIGHT_JSON_OUTPUT_NAME: out });
  if (!fs.existsSync(out)) return rows.push({ suite: name, passed: 0, failed: 1, skipped: 0, note: `playwright exited ${code} with no report` });
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  const reasons = new Set();
  const walk = (s) => {
    for (const spec of s.specs ?? []) for (const t of spec.tests ?? []) for (const a of t.annotations ?? []) if (a.type === 'skip' && a.description) reasons.add(a.description);
    for (const c of s.suites ?? []) walk(c);
  };
  for (const s of j.suites ?? []) walk(s);
  const failed = j.stats.unexpected + (j.errors?.length ?? 0);
  rows.push({ suite: name, passed: j.stats.expected + j.stats.flaky, failed, skipped: j.stats.skipped, note: [...reasons].join('; ') });
  if (code !== 0 && failed === 0) rows.at(-1).failed += 1;
}

if (run('build', process.execPath, ['scripts/build.mjs']) !== 0) broken = true;
if (!broken && want('typecheck') && run('typecheck', npx('tsc'), ['-p', 'tsconfig.json']) + run('typecheck (renderer)', npx('tsc'), ['-p', 'tsconfig.web.json']) + run('typecheck (e2e)', npx('tsc'), ['-p', 'tsconfig.e2e.json']) !== 0) {
  rows.push({ suite: 'typecheck', passed: 0, failed: 1, skipped: 0, note: 'tsc reported errors' });
}
if (!broken) {
  if (want('unit')) vitestSuite('unit');
  if (want('integration')) {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      rows.push({ suite: 'integration', passed: 0, failed: 0, skipped: 1, note: 'skipped: the lab needs Linux and root (network namespaces, libvirtd per host)' });
    } else vitestSuite('integration');
  }
  if (want('e2e')) playwrightSuite('e2e', 'test/e2e/playwright.config.ts');
  if (want('electron')) playwrightSuite('electron', 'test/electron/playwright.config.ts');
}

console.log('\n=== summary');
for (const r of rows) console.log(`${r.suite.padEnd(12)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped${r.note ? `  (${r.note})` : ''}`);
const sum = (k) => rows.reduce((a, r) => a + r[k], 0);
const failed = sum('failed') + (broken ? 1 : 0);
console.log(`tests: ${sum('passed')} passed, ${failed} failed, ${sum('skipped')} skipped`);
process.exit(failed > 0 ? 1 : 0);
