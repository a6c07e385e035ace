import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileCacheDir } from '../../../engine/launch/compile-cache';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('compile cache of the launchers (issue 20: relaunch)', () => {
  it('lives in the user cache directory of each platform, or where HANGAR_COMPILE_CACHE says', () => {
    expect(compileCacheDir({}, 'linux', '/home/a')).toBe('/home/a/.cache/hangar/compile-cache');
    expect(compileCacheDir({ XDG_CACHE_HOME: '/var/c' }, 'linux', '/home/a')).toBe('/var/c/hangar/compile-cache');
    expect(compileCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/a')).toBe('/home/a/.cache/hangar/compile-cache');
    expect(compileCacheDir({}, 'darwin', '/Users/a')).toBe('/Users/a/Library/Caches/Hangar/compile-cache');
    expect(compileCacheDir({ LOCALAPPDATA: 'C:\\L' }, 'win32', 'C:\\Users\\a')).toBe(path.join('C:\\L', 'Hangar', 'compile-cache'));
    expect(compileCacheDir({ HANGAR_COMPILE_CACHE: '/x/y' }, 'linux', '/home/a')).toBe('/x/y');
    expect(compileCacheDir({ HANGAR_COMPILE_CACHE: '' }, 'linux', '/home/a')).toBeNull();
  });

  it('fills the directory for the modules loaded after it, and hands it to workers through NODE_COMPILE_CACHE', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-cc-test-'));
    try {
      const script = `import { enableCompileCache } from './engine/launch/compile-cache.ts';
const got = enableCompileCache(${JSON.stringify(dir)});
await import('./engine/contract/errors.ts');
(await import('node:module')).default.flushCompileCache?.();
console.log(JSON.stringify({ got, env: process.env.NODE_COMPILE_CACHE }));`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env: { ...process.env, NODE_COMPILE_CACHE: '', HANGAR_COMPILE_CACHE: '' }, encoding: 'utf8' });
      const { got, env } = JSON.parse(out.trim().split('\n').pop()!) as { got: string | null; env: string };
      expect(got).toBe(dir);
      expect(env).toBe(dir);
      const entries = fs.readdirSync(dir, { recursive: true });
      expect(entries.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
