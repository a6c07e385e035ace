import type { Vm, VmDetails } from '../contract/vms';
import { parseDomainXml, type DomainSummary } from '../inventory/domain-xml';
import { DomainXmlFlag, type LibvirtConnection } from '../libvirt';

const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;

/**
 * What the persistent configuration will change at the next power cycle: the differences between
 * the running domain and its saved definition, in words a person can check.
 */
export function pendingChanges(live: DomainSummary, saved: DomainSummary): string[] {
  const out: string[] = [];
  if (live.memoryKiB !== saved.memoryKiB) out.push(`Memory: ${mib(live.memoryKiB)} → ${mib(saved.memoryKiB)}`);
  if (live.vcpus !== saved.vcpus) out.push(`vCPUs: ${live.vcpus} → ${saved.vcpus}`);
  const key = (n: { mac: string | null; source: string | null; model: string | null }) => `${n.mac}|${n.source}|${n.model}`;
  for (const n of saved.nics) if (!live.nics.some((l) => key(l) === key(n) || (n.mac && l.mac === n.mac))) out.push(`Add network interface ${n.mac ?? ''} on ${n.source ?? '?'} (${n.model ?? 'default'})`.replace('  ', ' '));
  for (const n of live.nics) if (!saved.nics.some((s) => (n.mac && s.mac === n.mac) || key(s) === key(n))) out.push(`Remove network interface ${n.mac ?? ''} on ${n.source ?? '?'}`.replace('  ', ' '));
  for (const d of saved.disks) if (!live.disks.some((l) => l.target === d.target)) out.push(`Add ${d.device} ${d.target} (${d.source ?? 'empty'})`);
  for (const d of live.disks) if (!saved.disks.some((s) => s.target === d.target)) out.push(`Remove ${d.device} ${d.target}`);
  if (live.firmware !== saved.firmware) out.push(`Firmware: ${live.firmware} → ${saved.firmware}`);
  if (live.bootOrder.join(',') !== saved.bootOrder.join(',')) out.push(`Boot order: ${live.bootOrder.join(', ')} → ${saved.bootOrder.join(', ')}`);
  return out;
}

/** KVM or TCG, from the domain type (`qemu` is software emulation). */
export function domainAccel(xml: string): 'kvm' | 'tcg' {
  return /<domain\b[^>]*\btype=['"]kvm['"]/.test(xml) ? 'kvm' : 'tcg';
}

/** Live and persistent XML in one pipelined pair of calls, and what the page shows of them. */
export async function vmDetails(vm: Vm, conn: LibvirtConnection): Promise<VmDetails> {
  const dom = await conn.domainLookupByUuid(vm.uuid);
  const [liveXml, persistentXml, autostart] = await Promise.all([conn.domainGetXmlDesc(dom, 0), conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE), conn.domainGetAutostart(dom)]);
  const live = parseDomainXml(liveXml);
  const saved = parseDomainXml(persistentXml);
  const running = vm.state !== 'stopped' && vm.state !== 'crashed' && vm.state !== 'suspended' && vm.state !== 'unknown';
  return {
    vm,
    disks: saved.disks.map(({ device, target, bus, format, source }) => ({ device, target, bus, format, source })),
    nics: (running ? live : saved).nics.map(({ mac, type, source, model, linkUp }) => ({ mac, type, source, model, linkUp })),
    maxMemoryKiB: saved.memoryKiB,
    firmware: saved.firmware,
    accel: domainAccel(persistentXml),
    bootOrder: saved.bootOrder,
    description: saved.description,
    autostart,
    labels: saved.hangar?.labels ?? {},
    group: saved.hangar?.group ?? null,
    pendingChanges: running ? pendingChanges(live, saved) : [],
    liveXml,
    persistentXml,
  };
}
