import type { Finding, Severity } from '../../contract/diagnostics';
import { CATALOGUE, CHECKS, type CatalogueParams } from './catalogue';
import type { HealthSnapshot, HostSnap, VmSnap } from './snapshot';

type Ev = Record<string, string>;

function finding(checkId: string, h: HostSnap | null, vm: VmSnap | null, evidence: Ev, severity?: Severity, subject?: string): Finding {
  const check = CHECKS.get(checkId);
  if (!check) throw new Error(`health check ${checkId} is not in the catalogue`);
  return {
    // A VM's alert is keyed by the VM alone (DESIGN §8): it stays the same alert when the VM moves.
    id: [checkId, vm ? '-' : (h?.id ?? '-'), vm?.uuid ?? '-', ...(subject ? [subject] : [])].join(':'),
    checkId,
    severity: severity ?? check.severity,
    hostId: h?.id ?? null,
    hostName: h?.name ?? null,
    vmId: vm?.uuid ?? null,
    vmName: vm?.name ?? null,
    evidence: { ...(h ? { host: h.name } : {}), ...(vm ? { vm: vm.name } : {}), ...evidence },
  };
}

const majorMinor = (v: string | null): string | null => (v ? v.split('.').slice(0, 2).join('.') : null);
const isActive = (vm: VmSnap): boolean => vm.state === 'running' || vm.state === 'paused' || vm.state === 'blocked' || vm.state === 'pmsuspended';
/** A migration's copy paused for the hand-over is not a second guest running. */
const runsGuest = (vm: VmSnap): boolean => isActive(vm) && !(vm.state === 'paused' && vm.reason === 'migration');

/** Every check over one snapshot: pure, so live data and bundles give the same answers. */
export function evaluate(s: HealthSnapshot, params: CatalogueParams = CATALOGUE.params): Finding[] {
  const out: Finding[] = [];
  const up = s.hosts.filter((h) => h.reachable && h.libvirtUp);

  for (const h of s.hosts) {
    if (!h.reachable) {
      out.push(finding('HostUnreachable', h, null, { error: h.reachError ?? 'unknown' }));
      continue;
    }
    if (!h.libvirtUp) out.push(finding('LibvirtDaemonDown', h, null, { error: h.libvirtError ?? 'unknown' }));
    if (h.libvirtUp && h.kvm === false) out.push(finding('KvmUnavailable', h, null, {}));
    for (const p of h.pools) {
      if (!p.active) {
        out.push(finding('StoragePoolNotActive', h, null, { pool: p.name }, undefined, p.name));
        continue;
      }
      if (p.capacity <= 0) continue;
      const freePct = (p.available / p.capacity) * 100;
      if (freePct < params.poolWarnFreePct) {
        out.push(finding('PoolCapacityLow', h, null, { pool: p.name, free: freePct.toFixed(1) }, freePct < params.poolCriticalFreePct ? 'critical' : 'warning', p.name));
      }
    }
    const running = h.vms.filter(isActive);
    if (h.memoryKiB) {
      const ratio = running.reduce((a, v) => a + v.memoryKiB, 0) / h.memoryKiB;
      if (ratio > params.memoryOvercommitRatio) out.push(finding('MemoryOvercommitted', h, null, { ratio: ratio.toFixed(2) }));
    }
    if (h.cpus) {
      const ratio = running.reduce((a, v) => a + v.vcpus, 0) / h.cpus;
      if (ratio > params.cpuOvercommitRatio) out.push(finding('CpuOvercommitted', h, null, { ratio: ratio.toFixed(2) }));
    }
    if (h.clockOffsetSec !== null && Math.abs(h.clockOffsetSec) > params.clockSkewSec) {
      out.push(finding('ClockSkew', h, null, { skew: h.clockOffsetSec.toFixed(1) }));
    }
    for (const c of h.certs) {
      const days = Math.floor((c.notAfter - s.now) / 86_400_000);
      if (days < params.certWarnDays) {
        out.push(finding('TlsCertExpiring', h, null, { cert: c.path, days: String(days), date: new Date(c.notAfter).toISOString().slice(0, 10) }, days < params.certCriticalDays ? 'critical' : 'warning', c.path));
      }
    }
    if (h.kernelKvmErrors.length > 0) out.push(finding('KernelKvmErrors', h, null, { count: String(h.kernelKvmErrors.length), line: h.kernelKvmErrors[0]!.slice(0, 200) }));
    for (const vm of h.vms) {
      if (vm.state === 'paused' && vm.reason === 'ioerror') out.push(finding('VmPausedIoError', h, vm, {}));
      if (vm.state === 'crashed' || (vm.state === 'shutoff' && vm.reason === 'crashed')) out.push(finding('VmCrashed', h, vm, {}));
      if (vm.state === 'running' && vm.agentChannel === 'absent') out.push(finding('GuestAgentMissing', h, vm, {}));
      if (vm.state === 'running' && vm.agentChannel === 'disconnected') out.push(finding('GuestAgentUnavailable', h, vm, {}));
      if (h.outdatedQemu.includes(vm.name)) out.push(finding('VmRunningOutdatedQemu', h, vm, {}));
    }
  }

  // Fleet-wide checks.
  if (up.length > 0 && up.every((h) => h.kvm === false)) out.push(finding('NoKvmCapableHost', null, null, { hosts: String(up.length) }));

  const macs = new Map<string, Array<{ h: HostSnap; vm: VmSnap }>>();
  const active = new Map<string, Array<{ h: HostSnap; vm: VmSnap }>>();
  for (const h of up) {
    for (const vm of h.vms) {
      for (const mac of new Set(vm.macs.map((m) => m.toLowerCase()))) {
        const users = macs.get(mac) ?? [];
        // Copies of one VM (one UUID) on several hosts share their MACs: that is one VM, not two.
        if (!users.some((u) => u.vm.uuid === vm.uuid)) macs.set(mac, [...users, { h, vm }]);
      }
      if (runsGuest(vm)) active.set(vm.uuid, [...(active.get(vm.uuid) ?? []), { h, vm }]);
    }
  }
  for (const [mac, users] of macs) {
    if (users.length < 2) continue;
    // One finding per VM using it, so each VM's Diagnostics tab shows it.
    const vms = users.map((u) => `${u.vm.name}@${u.h.name}`).join(', ');
    for (const u of users) out.push(finding('DuplicateMacInFleet', u.h, u.vm, { mac, vms }, undefined, mac));
  }
  for (const users of active.values()) {
    if (users.length < 2) continue;
    const hosts = users.map((u) => u.h.name).join(', ');
    // One per host it runs on, so each host's page shows it too; the VM's page shows them all.
    for (const u of users) out.push(finding('DomainOnTwoHosts', u.h, u.vm, { hosts }, undefined, u.h.id));
  }

  const libvirts = new Set(up.map((h) => majorMinor(h.libvirtVersion)).filter(Boolean));
  const qemus = new Set(up.map((h) => majorMinor(h.qemuVersion)).filter(Boolean));
  if (libvirts.size > 1 || qemus.size > 1) {
    out.push(finding('VersionSkew', null, null, { versions: up.map((h) => `${h.name}: libvirt ${h.libvirtVersion}, QEMU ${h.qemuVersion}`).join('; ') }));
  }
  const models = new Set(up.map((h) => h.cpuModel).filter(Boolean));
  if (models.size > 1) {
    for (const h of up) {
      for (const vm of h.vms) {
        if (vm.cpuMode === 'host-passthrough') out.push(finding('CpuIncompatibleForMigration', h, vm, { mode: vm.cpuMode, models: [...models].join(', ') }));
      }
    }
  }

  const windowStart = s.now - params.migrationWindowHours * 3_600_000;
  const perVm = new Map<string, number>();
  for (const m of s.migrationFailures) if (m.at >= windowStart) perVm.set(m.vmName, (perVm.get(m.vmName) ?? 0) + 1);
  for (const [vmName, count] of perVm) {
    if (count < params.migrationFailures) continue;
    const h = s.hosts.find((x) => x.vms.some((v) => v.name === vmName)) ?? null;
    const vm = h?.vms.find((v) => v.name === vmName) ?? null;
    out.push(finding('RepeatedMigrationFailures', h, vm, { vm: vmName, count: String(count) }, undefined, vmName));
  }

  for (const l of s.taskLeftovers ?? []) {
    const h = s.hosts.find((x) => x.id === l.hostId) ?? null;
    out.push(finding('TaskLeftovers', h, null, { task: l.task, items: l.items.join(', '), count: String(l.items.length), ...(h ? {} : { host: l.hostName }) }, undefined, l.jobId));
  }
  return out;
}

/** Fills a catalogue text's {placeholders} with a finding's evidence. */
export function fillText(text: string, evidence: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (m, k: string) => evidence[k] ?? m);
}
