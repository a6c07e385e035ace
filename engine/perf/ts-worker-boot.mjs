// Runs a TypeScript worker entry straight from the sources (vitest, benchmarks run by
// scripts/run-ts.mjs): Node resolves the project's extensionless imports to `.ts` files and esbuild
// strips the types. Builds never use this: scripts/build.mjs bundles each worker into one `.js`.
import { registerHooks } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';
import { transformSync } from 'esbuild';

registerHooks({
  resolve(specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      if (!specifier.startsWith('.') || /\.[cm]?[jt]s$/.test(specifier)) throw err;
      for (const tail of ['.ts', '/index.ts']) {
        try {
          return next(specifier + tail, context);
        } catch {
          // try the next form
        }
      }
      throw err;
    }
  },
  load(url, context, next) {
    // JSON imported without an attribute, as the bundler allows (the health-check catalogue).
    if (url.startsWith('file:') && url.endsWith('.json')) return { format: 'module', source: `export default ${readFileSync(fileURLToPath(url), 'utf8')};`, shortCircuit: true };
    if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
    const file = fileURLToPath(url);
    const { code } = transformSync(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm', sourcefile: file, sourcemap: 'inline', target: 'node22' });
    return { format: 'module', source: code, shortCircuit: true };
  },
});

await import(workerData.entry);
