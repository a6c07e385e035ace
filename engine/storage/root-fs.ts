import type { SshConnection } from '../ssh';
import { shellQuote } from '../ssh/shell-quote';

/**
 * Which pool directories sit on the host's root file system (003 L4766: a pool that fills up then
 * fills /, and the host stops). The device number of each path is compared with that of `/`; a
 * path that does not exist (yet) reads as unknown.
 */
export async function rootFsPaths(ssh: SshConnection, paths: readonly string[]): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  if (paths.length === 0) return out;
  const cmd = ['/', ...paths].map((p) => `${shellQuote(['stat', '-c', '%d', '--', p])} 2>/dev/null || echo -`).join('; ');
  const r = await ssh.exec(cmd, { timeoutMs: 10_000 });
  const lines = r.stdout.split('\n').map((l) => l.trim());
  const root = lines[0];
  if (!root || root === '-') return out;
  paths.forEach((p, i) => {
    const dev = lines[i + 1];
    if (dev && dev !== '-') out.set(p, dev === root);
  });
  return out;
}
