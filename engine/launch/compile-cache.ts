/**
 * V8's compile cache for the engine's bundles (issue 20: relaunch ≤ 1 s). Node ≥ 22.1 keeps the
 * compiled code of every module it loads in a directory and reuses it on the next start, which
 * skips parsing and compiling the ~1 MB engine bundle and its dependencies (most of a start).
 *
 * Kept free of imports beyond node: built-ins: the launchers (`hangar` CLI and Electron main) load
 * this before the engine, so nothing here may pull the engine in.
 */
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

/**
 * Where the cache lives: `$HANGAR_COMPILE_CACHE` if set (empty turns it off), else the user's cache
 * directory (XDG on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows), under hangar/.
 */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string | null {
  const own = env.HANGAR_COMPILE_CACHE;
  if (own !== undefined) return own === '' ? null : path.resolve(own);
  if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'Hangar', 'compile-cache');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'Hangar', 'compile-cache');
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(home, '.cache');
  return path.join(xdg, 'hangar', 'compile-cache');
}

type EnableCompileCache = (dir?: string) => { status: number; message?: string; directory?: string };

/**
 * Turns the compile cache on for this process and, through NODE_COMPILE_CACHE, for its worker
 * threads. Best effort: a Node without it, a read-only home or any error just means a slower start.
 * Returns the directory in use, or null.
 */
export function enableCompileCache(dir: string | null = compileCacheDir()): string | null {
  if (!dir) return null;
  const enable = (module as unknown as { enableCompileCache?: EnableCompileCache }).enableCompileCache;
  if (typeof enable !== 'function') return null;
  try {
    const r = enable(dir);
    // status: 1 enabled, 2 already enabled (e.g. NODE_COMPILE_CACHE was set), 0 failed, 3 disabled by NODE_DISABLE_COMPILE_CACHE.
    if (r.status !== 1 && r.status !== 2) return null;
    if (!process.env.NODE_COMPILE_CACHE) process.env.NODE_COMPILE_CACHE = r.directory ?? dir;
    return r.directory ?? dir;
  } catch {
    return null;
  }
}
