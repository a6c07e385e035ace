import type { Vm, VmDetails } from '../contract/vms';
import { domainAccel, parseDomainXml, type DomainSummary } from '../xml/domain-read';
import { DomainStatsType, DomainXmlFlag, GuestInfoType, paramsToRecord, type DomainRef, type LibvirtConnection } from '../libvirt';

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

/** Sizes and pools of the disks whose source the host knows as a volume (others are left out). */
async function diskVolumes(conn: LibvirtConnection, disks: DomainSummary['disks']): Promise<VmDetails['diskVolumes']> {
  const out: VmDetails['diskVolumes'] = {};
  await Promise.all(
    disks
      .filter((d) => d.source?.startsWith('/'))
      .map(async (d) => {
        try {
          const vol = await conn.storageVolLookupByPath(d.source as string);
          const info = await conn.storageVolGetInfo(vol);
          out[d.target] = { pool: vol.pool || null, capacity: Number(info.capacity), allocation: Number(info.allocation) };
        } catch {
          // Not in any pool (a bare file): the Overview shows the path only.
        }
      }),
  );
  return out;
}

/** The QEMU process's resident memory (KiB): what the VM really costs the host, overhead included. */
async function processRss(conn: LibvirtConnection, dom: DomainRef): Promise<number | null> {
  try {
    const [rec] = await conn.getAllDomainStats([dom], DomainStatsType.BALLOON, 0);
    const rss = rec ? paramsToRecord(rec.params)['balloon.rss'] : undefined;
    return typeof rss === 'number' ? rss : null;
  } catch {
    return null;
  }
}

/** The agent's name for the guest OS; null when there is no agent or it does not answer. */
async function guestOs(conn: LibvirtConnection, dom: DomainRef): Promise<string | null> {
  try {
    const r = paramsToRecord(await conn.domainGetGuestInfo(dom, GuestInfoType.OS));
    const name = r['os.pretty-name'] ?? r['os.name'];
    // Guest-reported: one bounded line, never markup the UI would have to trust.
    return typeof name === 'string' ? name.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 128) : null;
  } catch {
    return null;
  }
}

/** Live and persistent XML in one pipelined pair of calls, and what the page shows of them. */
export async function vmDetails(vm: Vm, conn: LibvirtConnection): Promise<VmDetails> {
  const dom = await conn.domainLookupByUuid(vm.uuid);
  const [liveXml, persistentXml, autostart] = await Promise.all([conn.domainGetXmlDesc(dom, 0), conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE), conn.domainGetAutostart(dom)]);
  const live = parseDomainXml(liveXml);
  const saved = parseDomainXml(persistentXml);
  const running = vm.state !== 'stopped' && vm.state !== 'crashed' && vm.state !== 'suspended' && vm.state !== 'unknown';
  const now = running ? live : saved;
  const [volumes, os, rss] = await Promise.all([
    diskVolumes(conn, saved.disks),
    running && live.agentChannel ? guestOs(conn, dom) : Promise.resolve(null),
    running ? processRss(conn, dom) : Promise.resolve(null),
  ]);
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
    platform: { domainType: now.type, machine: now.machine, emulator: now.emulator, cpuModel: now.cpuModel },
    diskVolumes: volumes,
    guestOs: os,
    processRssKiB: rss,
    liveXml,
    persistentXml,
  };
}
