import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../engine/diagnostics/health/catalogue';
import { evaluate, fillText } from '../../../engine/diagnostics/health/evaluate';
import { parseCerts, vmFromXml } from '../../../engine/diagnostics/health/parse';
import type { HealthSnapshot, HostSnap, VmSnap } from '../../../engine/diagnostics/health/snapshot';

const NOW = Date.parse('2026-11-23T00:00:00Z');
const vm = (o: Partial<VmSnap> = {}): VmSnap => ({ uuid: 'u1', name: 'vm1', state: 'running', reason: null, vcpus: 1, memoryKiB: 1024 * 1024, macs: ['52:54:00:00:00:01'], agentChannel: 'connected', cpuMode: null, ...o });
const host = (o: Partial<HostSnap> = {}): HostSnap => ({
  id: 'h1', name: 'lab1', reachable: true, reachError: null, libvirtUp: true, libvirtError: null, kvm: true, libvirtVersion: '9.0.0', qemuVersion: '7.2.0', cpuModel: 'x86_64', cpus: 4, memoryKiB: 8 * 1024 * 1024,
  clockOffsetSec: 0, pools: [{ name: 'default', active: true, capacity: 100, available: 50 }], certs: [], kernelKvmErrors: [], outdatedQemu: [], vms: [], ...o,
});
const snap = (hosts: HostSnap[]): HealthSnapshot => ({ now: NOW, hosts, migrationFailures: [] });
const ids = (s: HealthSnapshot): string[] => evaluate(s).map((f) => f.checkId).sort();

describe('health evaluators', () => {
  it('a healthy fleet has no findings', () => {
    expect(ids(snap([host(), host({ id: 'h2', name: 'lab2' })]))).toEqual([]);
  });

  it('storage pool nearly full: warning below 15 %, critical below 5 %, with the pool and the free share', () => {
    const f = evaluate(snap([host({ pools: [{ name: 'p1', active: true, capacity: 1000, available: 100 }, { name: 'p2', active: true, capacity: 1000, available: 20 }, { name: 'p3', active: false, capacity: 0, available: 0 }] })]));
    const low = f.filter((x) => x.checkId === 'PoolCapacityLow');
    expect(low.map((x) => [x.evidence['pool'], x.severity, x.evidence['free']])).toEqual([['p1', 'warning', '10.0'], ['p2', 'critical', '2.0']]);
    expect(f.some((x) => x.checkId === 'StoragePoolNotActive' && x.evidence['pool'] === 'p3')).toBe(true);
    const check = CATALOGUE.checks.find((c) => c.id === 'PoolCapacityLow')!;
    expect(fillText(check.remediation.en, low[0]!.evidence)).toContain('Pool p1 on lab1 has only 10.0 % free');
    expect(fillText(check.remediation.ko, low[0]!.evidence)).toContain('lab1의 풀 p1에 여유 공간이 10.0%뿐입니다');
  });

  it('unreachable host, libvirt down, KVM missing on every host', () => {
    expect(ids(snap([host({ reachable: false, reachError: 'timeout' })]))).toEqual(['HostUnreachable']);
    expect(ids(snap([host({ libvirtUp: false, libvirtError: 'socket closed' })]))).toEqual(['LibvirtDaemonDown']);
    expect(ids(snap([host({ kvm: false })]))).toEqual(['KvmUnavailable', 'NoKvmCapableHost']);
  });

  it('overcommit beyond the ratios', () => {
    const vms = Array.from({ length: 10 }, (_, i) => vm({ uuid: `u${i}`, name: `v${i}`, vcpus: 2, memoryKiB: 1024 * 1024, macs: [`52:54:00:00:00:${10 + i}`] }));
    expect(ids(snap([host({ vms })]))).toEqual(['CpuOvercommitted', 'MemoryOvercommitted']);
  });

  it('clock skew, certificates near expiry, kernel KVM errors, outdated QEMU', () => {
    const f = evaluate(
      snap([
        host({
          clockOffsetSec: 5.2,
          certs: [{ path: '/etc/pki/libvirt/servercert.pem', notAfter: NOW + 3 * 86_400_000 }, { path: '/etc/pki/CA/cacert.pem', notAfter: NOW + 20 * 86_400_000 }, { path: '/ok.pem', notAfter: NOW + 400 * 86_400_000 }],
          kernelKvmErrors: ['kvm: emulation failure'],
          outdatedQemu: ['vm1'],
          vms: [vm()],
        }),
      ]),
    );
    expect(f.map((x) => `${x.checkId}:${x.severity}`).sort()).toEqual(['ClockSkew:warning', 'KernelKvmErrors:warning', 'TlsCertExpiring:critical', 'TlsCertExpiring:warning', 'VmRunningOutdatedQemu:warning']);
  });

  it('duplicate MACs and a domain active on two hosts, across the fleet', () => {
    const a = host({ vms: [vm({ uuid: 'same', name: 'web' }), vm({ uuid: 'x', name: 'db', state: 'shutoff', macs: ['52:54:00:aa:bb:cc'] })] });
    const b = host({ id: 'h2', name: 'lab2', vms: [vm({ uuid: 'same', name: 'web', macs: ['52:54:00:00:00:99'] }), vm({ uuid: 'y', name: 'db2', state: 'shutoff', macs: ['52:54:00:AA:BB:CC'] })] });
    const f = evaluate(snap([a, b]));
    expect(f.filter((x) => x.checkId === 'DuplicateMacInFleet').map((x) => x.vmName).sort()).toEqual(['db', 'db2']);
    expect(f.filter((x) => x.checkId === 'DomainOnTwoHosts').map((x) => x.hostName).sort()).toEqual(['lab1', 'lab2']);
  });

  it('a VM keeps its alert when it moves (the id names the VM, not the host); its copies are one VM (fc-identity)', () => {
    const on = (id: string, name: string) => evaluate(snap([host({ id, name, vms: [vm({ agentChannel: 'absent' })] })])).find((x) => x.checkId === 'GuestAgentMissing')!;
    expect(on('h1', 'lab1').id).toBe('GuestAgentMissing:-:u1');
    expect(on('h2', 'lab2').id).toBe(on('h1', 'lab1').id);
    expect(on('h2', 'lab2').vmId).toBe('u1');
    // A copy left behind shares the VM's MACs; a migration's incoming copy, paused for it, runs nothing.
    const left = host({ vms: [vm({ state: 'shutoff', reason: 'migrated' })] });
    const incoming = host({ id: 'h2', name: 'lab2', vms: [vm({ state: 'paused', reason: 'migration' })] });
    expect(ids(snap([left, host({ id: 'h2', name: 'lab2', vms: [vm()] })]))).toEqual([]);
    expect(ids(snap([host({ vms: [vm()] }), incoming]))).toEqual([]);
  });

  it('VM conditions: paused by I/O error, crashed, guest agent missing or silent', () => {
    const f = evaluate(snap([host({ vms: [vm({ uuid: 'a', name: 'a', state: 'paused', reason: 'ioerror', macs: [] }), vm({ uuid: 'b', name: 'b', state: 'shutoff', reason: 'crashed', macs: [] }), vm({ uuid: 'c', name: 'c', agentChannel: 'absent', macs: [] }), vm({ uuid: 'd', name: 'd', agentChannel: 'disconnected', macs: [] })] })]));
    expect(f.map((x) => `${x.checkId}:${x.vmName}`).sort()).toEqual(['GuestAgentMissing:c', 'GuestAgentUnavailable:d', 'VmCrashed:b', 'VmPausedIoError:a']);
    expect(f.find((x) => x.vmName === 'a')!.vmId).toBe('a');
  });

  it('version skew and CPU incompatibility for migration', () => {
    const f = evaluate(snap([host({ vms: [vm({ cpuMode: 'host-passthrough' })] }), host({ id: 'h2', name: 'lab2', libvirtVersion: '10.1.0', cpuModel: 'EPYC', vms: [] })]));
    expect(f.map((x) => x.checkId).sort()).toEqual(['CpuIncompatibleForMigration', 'VersionSkew']);
  });

  it('repeated migration failures within 24 h', () => {
    const s = snap([host({ vms: [vm()] })]);
    s.migrationFailures = [1, 2, 3].map((i) => ({ vmName: 'vm1', hostId: 'h1', at: NOW - i * 3_600_000 }));
    expect(ids(s)).toEqual(['RepeatedMigrationFailures']);
    s.migrationFailures = s.migrationFailures.map((m) => ({ ...m, at: NOW - 48 * 3_600_000 }));
    expect(ids(s)).toEqual([]);
  });

  it('parses live XML and certificate dates', () => {
    const xml = `<domain type='kvm'><name>v</name><uuid>11111111-2222-3333-4444-555555555555</uuid><memory unit='KiB'>1048576</memory><vcpu>2</vcpu><os><type arch='x86_64'>hvm</type></os><cpu mode='host-passthrough'/><devices><interface type='network'><mac address='52:54:00:01:02:03'/><source network='default'/></interface><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/></channel></devices></domain>`;
    const v = vmFromXml(xml, 'running', null);
    expect([v.macs, v.agentChannel, v.cpuMode, v.vcpus]).toEqual([['52:54:00:01:02:03'], 'disconnected', 'host-passthrough', 2]);
    expect(parseCerts('/etc/pki/CA/cacert.pem|subject=CN = x|notAfter=Dec  1 00:00:00 2026 GMT|')).toEqual([{ path: '/etc/pki/CA/cacert.pem', notAfter: Date.parse('2026-12-01T00:00:00Z') }]);
  });

  it('every catalogue check has texts in English and Korean', () => {
    for (const c of CATALOGUE.checks) {
      for (const k of ['title', 'measures', 'threshold', 'evidence', 'remediation'] as const) {
        expect(c[k].en.length, `${c.id}.${k}.en`).toBeGreaterThan(0);
        expect(c[k].ko.length, `${c.id}.${k}.ko`).toBeGreaterThan(0);
        expect([...c[k].ko.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort(), `${c.id}.${k} placeholders`).toEqual([...c[k].en.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
      }
    }
  });
});
