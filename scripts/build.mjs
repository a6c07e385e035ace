// Builds everything into out/: the renderer (Vite), the `hangar` CLI, Electron main and preload
// (esbuild), and the worker threads beside each bundle: SQLite, and the domain XML parser.
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

const jobs = [];
if (want('renderer')) jobs.push(viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' }));
if (want('cli')) {
  jobs.push(esbuild({ ...common, format: 'esm', entryPoints: { hangar: 'engine/cli/hangar.ts' }, outdir: 'out/cli', outExtension: { '.js': '.mjs' }, banner: { js: '#!/usr/bin/env node' } }));
  jobs.push(esbuild({ ...common, format: 'esm', entryPoints: { 'db-worker': 'engine/store/db-worker.ts', 'parse-worker': 'engine/xml/parse-worker.ts', 'diag-worker': 'engine/diagnostics/work/diag-worker.ts' }, outdir: 'out/cli' }));
}
if (want('main')) {
  jobs.push(esbuild({ ...common, format: 'esm', entryPoints: { index: 'main/index.ts', 'db-worker': 'engine/store/db-worker.ts', 'parse-worker': 'engine/xml/parse-worker.ts', 'diag-worker': 'engine/diagnostics/work/diag-worker.ts' }, outdir: 'out/main', external: ['electron'] }));
  // A sandboxed preload can only require('electron') and a few built-ins: one CommonJS file.
  jobs.push(esbuild({ ...common, packages: undefined, format: 'cjs', entryPoints: { index: 'preload/index.ts' }, outdir: 'out/preload', outExtension: { '.js': '.cjs' }, external: ['electron'] }));
}
await Promise.all(jobs);
console.log(`[build] out/ ready (${only.length ? only.join(', ') : 'all'})`);
