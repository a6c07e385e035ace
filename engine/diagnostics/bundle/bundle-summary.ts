import type { BundleSummary } from '../../contract/diagnostics';
import type { Manifest } from '../gather/bundle-writer';
import type { HostFactsFile } from '../gather/collect-host';
import { evaluate } from '../health/evaluate';
import { snapshotFromBundle } from '../health/from-bundle';

/**
 * The hosts a bundle holds and what the health checks find in it, from its summary files (facts,
 * domain XMLs, log tails). Runs in the diagnostics worker: a bundle of 500 domains per host is
 * hundreds of XML documents.
 */
export function readBundleSummary(files: Map<string, Buffer>, manifest: Manifest | null): Pick<BundleSummary, 'hosts' | 'findings'> {
  const items = manifest?.items ?? [];
  const failed = items.filter((i) => i.exitCode !== 0);
  const hosts: BundleSummary['hosts'] = [];
  for (const [p, buf] of files) {
    const m = /^hosts\/([^/]+)\/facts\.json$/.exec(p);
    if (!m) continue;
    try {
      const f = JSON.parse(buf.toString('utf8')) as HostFactsFile;
      hosts.push({
        name: f.name,
        hostname: f.hostname,
        libvirtVersion: f.libvirtVersion,
        qemuVersion: f.qemuVersion,
        kernel: files.get(`hosts/${m[1]}/uname.txt`)?.toString('utf8').trim() || null,
        vms: f.domains.map((d) => ({ name: d.name, uuid: d.uuid, state: d.state, reason: null })),
        failedItems: failed.filter((i) => i.host === f.name).length,
      });
    } catch {
      // a damaged facts file: the host still shows in the file tree
    }
  }
  const snap = snapshotFromBundle(files, items, manifest?.createdAt ?? Date.now());
  return { hosts: hosts.sort((a, b) => a.name.localeCompare(b.name)), findings: evaluate(snap) };
}
