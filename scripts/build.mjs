// Builds everything into out/: the renderer (Vite), the `hangar` CLI, Electron main and preload
// (esbuild), and the worker threads beside each bundle: SQLite, the domain XML parser, and
// diagnostics (bundle packing and reading).
//
// Start-up (issue 20, relaunch ≤ 1 s): each Node entry is a tiny ES module launcher (hangar.mjs,
// main's index.js) that turns on V8's compile cache and then requires the real bundle, which is
// CommonJS with its pure-JS dependencies bundled in. Loading ESM with external CommonJS packages
// cost most of a start: ESM linking, cjs-module-lexer over every package file, node_modules
// resolution file by file, and `import http` pulling Node's undici in through the ESM facade.
import { build as esbuild } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { build as viteBuild } from 'vite';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  packages: 'external', // dependencies load from node_modules (native ones cannot be bundled)
  define: { __HANGAR_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};
/** A CommonJS bundle with the pure-JS dependencies inside; native ones (and ssh2, which loads optional native parts) stay in node_modules. */
const bundled = {
  ...common,
  packages: undefined,
  external: ['better-sqlite3', 'ssh2', 'cpu-features', 'electron'],
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  define: { ...common.define, 'import.meta.url': '__hangarModuleUrl' },
  banner: { js: 'const __hangarModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
};
const workers = { 'db-worker': 'engine/store/db-worker.ts', 'parse-worker': 'engine/xml/parse-worker.ts', 'diag-worker': 'engine/diagnostics/work/diag-worker.ts' };

const jobs = [];
if (want('renderer')) jobs.push(viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' }));
if (want('cli')) {
  jobs.push(esbuild({ ...common, format: 'esm', entryPoints: { hangar: 'engine/cli/launch.ts' }, outdir: 'out/cli', outExtension: { '.js': '.mjs' }, banner: { js: '#!/usr/bin/env node' } }));
  jobs.push(esbuild({ ...bundled, entryPoints: { 'hangar-main': 'engine/cli/hangar.ts', ...workers }, outdir: 'out/cli' }));
}
if (want('main')) {
  jobs.push(esbuild({ ...common, format: 'esm', entryPoints: { index: 'main/launch.ts' }, outdir: 'out/main' }));
  jobs.push(esbuild({ ...bundled, entryPoints: { main: 'main/index.ts', ...workers }, outdir: 'out/main' }));
  // A sandboxed preload can only require('electron') and a few built-ins: one CommonJS file.
  jobs.push(esbuild({ ...common, packages: undefined, format: 'cjs', entryPoints: { index: 'preload/index.ts' }, outdir: 'out/preload', outExtension: { '.js': '.cjs' }, external: ['electron'] }));
}
await Promise.all(jobs);
console.log(`[build] out/ ready (${only.length ? only.join(', ') : 'all'})`);
