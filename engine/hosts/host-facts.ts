import fs from 'node:fs/promises';
import type { HostAccel, HostFacts } from '../contract/hosts';
import { StoragePoolState, type LibvirtConnection } from '../libvirt';
import type { SshConnection } from '../ssh';
import { parseCapabilities } from '../xml/parse-pool';

/** libvirt packs versions as major * 1e6 + minor * 1e3 + release. */
export function versionString(v: number): string {
  return `${Math.floor(v / 1e6)}.${Math.floor((v % 1e6) / 1e3)}.${v % 1e3}`;
}

/**
 * Whether KVM can really run a guest. libvirt offers the kvm domain type whenever /dev/kvm exists,
 * but a /dev/kvm from a paravirtual module (kvm_pvm, as in some nested or sandboxed machines) runs
 * no ordinary guest, and `qemu -accel kvm -machine none` succeeds there too: only the module that
 * provides /dev/kvm and the CPU's virtualization flag tell them apart. Fixed paths only.
 */
export const KVM_PROBE_SCRIPT =
  'if [ -e /dev/kvm ]; then echo dev=yes; else echo dev=no; fi; for m in /sys/module/kvm_*; do [ -d "$m" ] && echo "mod=${m##*/}"; done; grep -m1 -owE "vmx|svm" /proc/cpuinfo | sed "s/^/flag=/"; true';

/** The probe's answer read the same way on this machine, without a shell. */
export async function localKvmProbe(): Promise<string> {
  const lines: string[] = [];
  lines.push(`dev=${await fs.access('/dev/kvm').then(() => 'yes', () => 'no')}`);
  for (const m of await fs.readdir('/sys/module').catch(() => [] as string[])) if (m.startsWith('kvm_')) lines.push(`mod=${m}`);
  const cpuinfo = await fs.readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const flag = /^flags\s*:.*\b(vmx|svm)\b/m.exec(cpuinfo)?.[1];
  if (flag) lines.push(`flag=${flag}`);
  return lines.join('\n');
}

/** Runs the probe over the host's existing SSH connection (no new login); quoted like any command. */
export async function sshKvmProbe(ssh: SshConnection, signal?: AbortSignal): Promise<string> {
  const r = await ssh.exec(['sh', '-c', KVM_PROBE_SCRIPT], { timeoutMs: 10_000, ...(signal ? { signal } : {}) });
  return r.stdout;
}

const HW_MODULES = ['kvm_intel', 'kvm_amd'];

/** Pure: the probe's output and whether libvirt offers the kvm domain type, judged. */
export function judgeKvm(probe: string | null, offered: boolean): HostAccel {
  if (probe === null) return offered ? { kvm: true, reason: 'notProbed', detail: '' } : { kvm: false, reason: 'notOffered', detail: '' };
  const values = (k: string) => probe.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${k}=`)).map((l) => l.slice(k.length + 1));
  if (values('dev')[0] !== 'yes') return { kvm: false, reason: 'noDevKvm', detail: '' };
  if (!offered) return { kvm: false, reason: 'notOffered', detail: '' };
  const mods = values('mod');
  const hw = mods.filter((m) => HW_MODULES.includes(m));
  const flag = values('flag')[0];
  if (hw.length === 0 && mods.length > 0) return { kvm: false, reason: 'paravirtModule', detail: mods.join(', ') };
  if (!flag) return { kvm: false, reason: 'noHardwareVirt', detail: hw.join(', ') };
  return { kvm: true, reason: null, detail: hw.join(', ') || flag };
}

/**
 * What the connection test reports, and libvirt's host UUID (what makes the host itself, from the
 * same capabilities document), gathered with one pipelined batch of calls. The KVM probe runs
 * alongside it on the SSH connection rather than after it.
 */
export async function gatherFacts({ conn, socket, via, probeKvm }: { conn: LibvirtConnection; socket: string; via: HostFacts['via']; probeKvm?: () => Promise<string> }): Promise<{ facts: HostFacts; hostUuid: string | null }> {
  // A probe that fails (no sh, a slow host) leaves libvirt's word: better than no facts at all.
  const probing = probeKvm ? probeKvm().catch(() => null) : Promise.resolve(null);
  const [hostname, lib, hv, caps, node, poolRefs, netRefs] = await Promise.all([
    conn.getHostname(),
    conn.getLibVersion(),
    conn.getVersion(),
    conn.getCapabilities().then(parseCapabilities),
    conn.nodeGetInfo(),
    conn.listAllStoragePools(0),
    conn.listAllNetworks(0),
  ]);
  const [poolInfo, probe] = await Promise.all([Promise.all(poolRefs.map((p) => conn.storagePoolGetInfo(p))), probing]);
  const offered = caps.kvm;
  const facts: HostFacts = {
    hostname,
    libvirtVersion: versionString(lib),
    hypervisorVersion: versionString(hv),
    kvm: offered,
    accel: judgeKvm(probe, offered),
    cpuModel: node.model,
    cpus: node.cpus,
    memoryKiB: node.memory,
    pools: poolRefs.map((p, i) => {
      const info = poolInfo[i]!;
      return { name: p.name, active: info.state === StoragePoolState.RUNNING, capacity: info.capacity, allocation: info.allocation, available: info.available };
    }),
    networks: netRefs.map((n) => ({ name: n.name })),
    socket,
    via,
    // Known only on a connection that registered the inventory's events (not a connection test).
    ...(conn.unsupportedEvents?.length ? { unsupportedEvents: conn.unsupportedEvents.map((u) => u.event) } : {}),
  };
  return { facts, hostUuid: caps.hostUuid };
}
