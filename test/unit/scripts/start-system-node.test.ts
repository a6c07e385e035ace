/**
 * The README's `npm start` on the machine's own Node (Debian 12 ships Node 20, on which
 * better-sqlite3 13 segfaults): it must reach a printed UI URL all the same, and a `hangar serve`
 * that dies of a signal must make `npm start` fail saying so, never exit 0 in silence.
 * Runs the real `npm start` (build included) under /usr/bin/node; skipped where that Node is 22+.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SYSTEM_NODE = '/usr/bin/node';
const systemMajor = fs.existsSync(SYSTEM_NODE) ? Number(spawnSync(SYSTEM_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim()) : 0;
const skip = systemMajor === 0 ? 'no /usr/bin/node' : systemMajor >= 22 ? `/usr/bin/node is already ${systemMajor}` : null;

/** Every descendant of a pid (the npm → node 20 → node 22 → hangar serve chain). */
function descendants(pid: number): { pid: number; args: string }[] {
  const ps = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' }).stdout;
  const rows = ps.split('\n').map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/)).filter((m): m is RegExpMatchArray => m !== null);
  const out: { pid: number; args: string }[] = [];
  const walk = (p: number): void => {
    for (const m of rows) if (Number(m[2]) === p) { out.push({ pid: Number(m[1]), args: m[3]! }); walk(Number(m[1])); }
  };
  walk(pid);
  return out;
}

describe.skipIf(skip !== null)(`npm start on the system Node ${skip ? `(skipped: ${skip})` : ''}`, () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-start-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('prints the UI URL, and fails loudly when the server dies of a signal', async () => {
    const started = Date.now();
    // detached: its own process group, so the whole chain can be cleaned up whatever happens.
    const child = spawn('npm', ['start'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // Only the machine's own Node on PATH, as on a fresh Debian 12.
        PATH: `/usr/bin:/bin:/usr/sbin:/sbin`,
        HANGAR_DATA_DIR: dataDir,
        HANGAR_LOCAL_LIBVIRT_SOCKET: 'none',
        ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
        ELECTRON_OVERRIDE_DIST_PATH: path.join(dataDir, 'no-electron'),
      },
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const m = output.match(/Hangar UI: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/);
          if (m) {
            clearInterval(timer);
            resolve(m[1]!);
          } else if (child.exitCode !== null || Date.now() - started > 200_000) {
            clearInterval(timer);
            reject(new Error(`npm start printed no URL (exit ${child.exitCode}):\n${output}`));
          }
        }, 100);
      });
      console.log(`npm start on Node ${systemMajor}: UI URL after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(output).toContain('running under');
      // The page really is served.
      const res = await fetch(new URL('/', url));
      expect(res.status).toBe(200);

      // A crash of the server (as better-sqlite3 13 on Node 20 would) is an error with a message.
      const serve = descendants(child.pid!).find((p) => /out\/cli\/hangar\.mjs serve/.test(p.args));
      expect(serve, `no hangar serve process under npm start:\n${output}`).toBeDefined();
      process.kill(serve!.pid, 'SIGSEGV');
      const end = await exited;
      expect(end.code).not.toBe(0);
      expect(output).toMatch(/hangar serve died of SIGSEGV/);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 240_000);
});
