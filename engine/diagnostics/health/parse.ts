import { parseDomainXml, type DomainSummary } from '../../xml/domain-read';
import type { VmSnap } from './snapshot';

/** Text of the probe commands (shared by the bundle and the live probe) turned into facts. */

const STATES = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'];
/** libvirt's reason enums, only the ones a check reads. */
const REASONS: Record<string, Record<number, string>> = {
  paused: { 1: 'user', 2: 'migration', 3: 'save', 4: 'dump', 5: 'ioerror', 6: 'watchdog', 7: 'fromsnapshot', 8: 'shutdown', 9: 'snapshot', 10: 'crashed' },
  shutoff: { 1: 'shutdown', 2: 'destroyed', 3: 'crashed', 4: 'migrated', 5: 'saved', 6: 'failed', 7: 'fromsnapshot' },
  running: { 1: 'booted', 2: 'migrated', 3: 'restored', 4: 'fromsnapshot', 5: 'unpaused' },
  crashed: { 1: 'panicked' },
};

export function stateWord(state: number | string): string {
  return typeof state === 'number' ? (STATES[state] ?? String(state)) : state;
}

export function reasonWord(state: string, reason: number): string | null {
  return REASONS[state]?.[reason] ?? null;
}

/** A VM's health facts from its (live) domain XML and libvirt state. */
export function vmFromXml(xml: string, state: string, reason: string | null): VmSnap {
  return vmFromSummary(parseDomainXml(xml), state, reason);
}

/** A VM's health facts from a parsed domain (the inventory's model) and libvirt state. */
export function vmFromSummary(d: DomainSummary, state: string, reason: string | null): VmSnap {
  return {
    uuid: d.uuid,
    name: d.name,
    state,
    reason,
    vcpus: d.vcpus,
    memoryKiB: d.currentMemoryKiB || d.memoryKiB,
    macs: d.nics.map((n) => n.mac).filter((m): m is string => !!m),
    agentChannel: d.agentState,
    cpuMode: d.cpuMode,
  };
}

/** `date -u +%s.%N` output against the moment it ran (Hangar's clock, midpoint of the call). */
export function clockOffset(out: string, startedAt: number, durationMs: number): number | null {
  const v = Number(out.trim());
  if (!Number.isFinite(v) || v <= 0) return null;
  return v - (startedAt + durationMs / 2) / 1000;
}

/** libvirt/tls-expiry.txt: `path|subject=…|notAfter=Mon DD HH:MM:SS YYYY GMT|`. */
export function parseCerts(out: string): Array<{ path: string; notAfter: number }> {
  const certs: Array<{ path: string; notAfter: number }> = [];
  for (const line of out.split('\n')) {
    const path = line.split('|')[0];
    const m = /notAfter=([^|]+)/.exec(line);
    if (!path || !m) continue;
    const t = Date.parse(m[1]!.trim());
    if (Number.isFinite(t)) certs.push({ path, notAfter: t });
  }
  return certs;
}

const KVM_ERROR = /\bkvm(?:_intel|_amd)?\b[^\n]*(?:error|fail|unhandled|emulation failure|disabled by bios|internal error)/i;

export function kernelKvmErrors(out: string): string[] {
  return out.split('\n').filter((l) => KVM_ERROR.test(l));
}

/** qemu-processes.txt: `name|pid|exe|etime`; a replaced binary reads "… (deleted)". */
export function outdatedQemu(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.split('|'))
    .filter((f) => f.length >= 3 && /\(deleted\)/.test(f[2]!))
    .map((f) => f[0]!);
}
