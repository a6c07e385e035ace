import type { SshConnection } from '../ssh';
import { parsePoolProbe, poolProbeCommand } from '../metrics/pool-identity';

/**
 * Which hosts reach the source's disks as the source host does: the same directories on the same
 * shared filesystem (the test metrics use to count a shared pool once). The copy of a full clone
 * (or a linked clone's backing file) is read on the clone's host, so only these hosts can take it.
 * A local disk at the same path on another host is another disk, and does not count.
 */
export async function hostsReaching(
  paths: readonly string[],
  sourceHostId: string,
  candidates: readonly string[],
  ssh: (hostId: string) => SshConnection | null,
): Promise<{ reach: string[]; shared: boolean }> {
  const dirs = [...new Set(paths.map((p) => p.slice(0, p.lastIndexOf('/')) || '/'))];
  const identities = async (hostId: string): Promise<Map<string, string> | null> => {
    const s = ssh(hostId);
    if (!s || dirs.length === 0) return null;
    try {
      const r = await s.exec(poolProbeCommand(dirs), { timeoutMs: 15_000 });
      return parsePoolProbe(r.stdout, dirs);
    } catch {
      return null;
    }
  };
  const mine = await identities(sourceHostId);
  const shared = !!mine && dirs.every((d) => mine.has(d));
  if (!shared) return { reach: [sourceHostId], shared: false };
  const reach = [sourceHostId];
  for (const h of candidates) {
    if (h === sourceHostId) continue;
    const theirs = await identities(h);
    if (theirs && dirs.every((d) => theirs.get(d) === mine.get(d))) reach.push(h);
  }
  return { reach, shared };
}
