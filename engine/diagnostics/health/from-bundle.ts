import type { ManifestItem } from '../gather/bundle-writer';
import type { HostFactsFile } from '../gather/collect-host';
import { clockOffset, kernelKvmErrors, outdatedQemu, parseCerts, reasonWord, vmFromXml } from './parse';
import type { HealthSnapshot, HostSnap } from './snapshot';

/** The files of an opened bundle, by path relative to its root. */
export type BundleFiles = ReadonlyMap<string, Buffer>;

const text = (files: BundleFiles, p: string): string => files.get(p)?.toString('utf8') ?? '';

/** Rebuilds the health snapshot from a bundle's own files: the checks then run as on live data. */
export function snapshotFromBundle(files: BundleFiles, items: readonly ManifestItem[], createdAt: number): HealthSnapshot {
  const hosts: HostSnap[] = [];
  const skipped = text(files, 'skipped_hosts.txt')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
  for (const [p, buf] of files) {
    const m = /^hosts\/([^/]+)\/facts\.json$/.exec(p);
    if (!m) continue;
    const dir = `hosts/${m[1]}`;
    let f: HostFactsFile;
    try {
      f = JSON.parse(buf.toString('utf8')) as HostFactsFile;
    } catch {
      continue;
    }
    const clockItem = items.find((i) => i.out === `${dir}/clock.txt`);
    hosts.push({
      id: f.name,
      name: f.name,
      reachable: true,
      reachError: null,
      libvirtUp: f.libvirtError === null,
      libvirtError: f.libvirtError,
      kvm: f.kvm,
      libvirtVersion: f.libvirtVersion,
      qemuVersion: f.qemuVersion,
      cpuModel: f.cpuModel,
      cpus: f.cpus,
      memoryKiB: f.memoryKiB,
      clockOffsetSec: clockItem?.startedAt && clockItem.exitCode === 0 ? clockOffset(text(files, `${dir}/clock.txt`), clockItem.startedAt, clockItem.durationMs) : null,
      pools: f.pools,
      certs: parseCerts(text(files, `${dir}/libvirt/tls-expiry.txt`)),
      kernelKvmErrors: kernelKvmErrors(text(files, `${dir}/logs/journal-kernel.txt`) || text(files, `${dir}/logs/dmesg.txt`)),
      outdatedQemu: outdatedQemu(text(files, `${dir}/qemu-processes.txt`)),
      vms: f.domains.flatMap((d) => {
        const xml = text(files, d.file);
        if (!xml) return [];
        try {
          return [vmFromXml(xml, d.state, reasonWord(d.state, d.reason))];
        } catch {
          return [];
        }
      }),
    });
  }
  for (const [name, kind, why] of skipped) {
    if (name && kind === 'unreachable' && !hosts.some((h) => h.name === name)) {
      hosts.push({ id: name, name, reachable: false, reachError: why ?? null, libvirtUp: false, libvirtError: null, kvm: null, libvirtVersion: null, qemuVersion: null, cpuModel: null, cpus: null, memoryKiB: null, clockOffsetSec: null, pools: [], certs: [], kernelKvmErrors: [], outdatedQemu: [], vms: [] });
    }
  }
  let migrationFailures: HealthSnapshot['migrationFailures'] = [];
  try {
    const jobs = JSON.parse(text(files, 'hangar/jobs.json') || '[]') as Array<{ kind: string; state: string; finishedAt: number | null; title?: { args?: Record<string, unknown> } }>;
    migrationFailures = jobs
      .filter((j) => /migrat/i.test(j.kind) && j.state === 'failed')
      .map((j) => ({ vmName: String(j.title?.args?.['name'] ?? j.title?.args?.['vm'] ?? '?'), hostId: null, at: j.finishedAt ?? createdAt }));
  } catch {
    // an older or hand-made bundle: no jobs
  }
  return { now: createdAt, hosts: hosts.sort((a, b) => a.name.localeCompare(b.name)), migrationFailures };
}
