import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** DESIGN §1, checked on every run: a violation fails the suite, naming the file and import. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : files(p);
    return /\.(ts|tsx|mts|cts)$/.test(e.name) ? [p] : [];
  });
}

function imports(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push((m[1] ?? m[2] ?? m[3])!);
  }
  return out;
}

const rel = (f: string) => path.relative(root, f);

describe('layering rules', () => {
  it('engine/ never imports electron', () => {
    const bad = files(path.join(root, 'engine')).flatMap((f) => imports(f).filter((i) => i === 'electron' || i.startsWith('electron/')).map((i) => `${rel(f)} → ${i}`));
    expect(bad).toEqual([]);
  });

  it('renderer/ imports nothing from engine/ but engine/contract', () => {
    const bad = files(path.join(root, 'renderer')).flatMap((f) =>
      imports(f)
        .filter((i) => i.startsWith('.'))
        .map((i) => path.resolve(path.dirname(f), i))
        .filter((abs) => abs.startsWith(path.join(root, 'engine')) && !abs.startsWith(path.join(root, 'engine', 'contract')))
        .map((abs) => `${rel(f)} → ${rel(abs)}`),
    );
    expect(bad).toEqual([]);
  });

  it('engine/contract depends on nothing but zod and itself', () => {
    const bad = files(path.join(root, 'engine', 'contract')).flatMap((f) =>
      imports(f).filter((i) => !(i === 'zod' || i.startsWith('./'))).map((i) => `${rel(f)} → ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it('only main/ touches ipcMain', () => {
    const bad = ['engine', 'renderer', 'preload']
      .flatMap((d) => files(path.join(root, d)))
      .filter((f) => /\bipcMain\b/.test(fs.readFileSync(f, 'utf8')))
      .map(rel);
    expect(bad).toEqual([]);
  });

  it('the renderer calls the transport only in renderer/src/api (features, components, app and stores call its typed functions)', () => {
    // Any `.call(`: client.call, client?.call, or a chained `.call('method'` on the next line.
    const api = path.join(root, 'renderer', 'src', 'api') + path.sep;
    const bad = files(path.join(root, 'renderer', 'src'))
      .filter((f) => !f.startsWith(api))
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, i }))
          .filter(({ line }) => /\.call\s*\(/.test(line))
          .map(({ i }) => `${rel(f)}:${i + 1}`),
      );
    expect(bad).toEqual([]);
  });

  it('no synchronous fs or child_process calls in engine/ or main/ (they would block the main thread)', () => {
    const bad = ['engine', 'main']
      .flatMap((d) => files(path.join(root, d)))
      .filter((f) => !f.includes(`${path.sep}cli${path.sep}`)) // the CLI runs before any UI exists
      .flatMap((f) =>
        fs
          .readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ line, i }))
          .filter(({ line }) => /\b(execSync|spawnSync|execFileSync|readFileSync|writeFileSync|existsSync|readdirSync|statSync)\s*\(/.test(line) && !line.includes('sync-ok'))
          .map(({ i }) => `${rel(f)}:${i + 1}`),
      );
    expect(bad).toEqual([]);
  });
});
