/**
 * Migration pre-flight reasoning (engine/migration/preflight.ts) and the XML it reads and rewrites
 * (engine/xml/domain-migration.ts): pure logic, no host.
 */
import { describe, expect, it } from 'vitest';
import { hostReasons, mergeVerdicts, needsCopy, vmBlockers, type PreflightInput, type SourcePath, type TargetProbe } from '../../../engine/migration/preflight';
import { english } from '../../../engine/migration/english';
import { guestCpu, migrationFacts, retargetDisks } from '../../../engine/xml/domain-migration';

const XML = `<domain type='kvm'>
  <name>web1</name>
  <uuid>6f0e3a44-1d1e-4f1b-9a53-3b7c1c7d2a11</uuid>
  <memory unit='KiB'>1048576</memory>
  <os>
    <type arch='x86_64'>hvm</type>
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>
    <nvram>/var/lib/libvirt/qemu/nvram/web1_VARS.fd</nvram>
    <kernel>/boot/vmlinuz</kernel>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='/var/lib/libvirt/images/web1.qcow2' index='2'/>
      <backingStore type='file' index='3'><format type='qcow2'/><source file='/var/lib/libvirt/images/base.qcow2'/></backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/var/lib/libvirt/images/web1-seed.iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <!-- a comment that must survive -->
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source>
    </hostdev>
  </devices>
</domain>`;

const path = (p: Partial<SourcePath> & Pick<SourcePath, 'kind' | 'path'>): SourcePath => ({ target: null, readonly: false, format: null, shared: false, seed: false, pool: null, volume: null, bytes: 0, ...p });

const disk = path({ kind: 'disk', target: 'vda', path: '/var/lib/libvirt/images/web1.qcow2', pool: 'default', volume: 'web1.qcow2', bytes: 10 * 2 ** 30 });
const shared = path({ kind: 'disk', target: 'vdb', path: '/mnt/shared/data.qcow2', shared: true, pool: 'shared', volume: 'data.qcow2' });
const kernel = path({ kind: 'kernel', path: '/boot/vmlinuz', readonly: true });
const seed = path({ kind: 'cdrom', target: 'sda', path: '/var/lib/libvirt/images/web1-seed.iso', readonly: true, seed: true });

const input = (over: Partial<PreflightInput> = {}): PreflightInput => ({
  vm: { name: 'web1', live: true, cpuMode: 'host-model' },
  facts: { paths: [], hostDevices: [], otherDisks: [], networks: [] },
  paths: [disk, shared, kernel],
  storage: 'shared',
  diskPools: {},
  sourceCpuModel: 'Skylake-Client',
  ...over,
});

const target = (over: Partial<TargetProbe> = {}): TargetProbe => ({
  hostId: 'h2',
  host: 'lab2',
  error: null,
  present: new Set(['/mnt/shared/data.qcow2', '/boot/vmlinuz']),
  uuidActive: false,
  nameActive: false,
  pools: new Map([['default', { active: true, available: 100 * 2 ** 30, volumes: new Set<string>() }]]),
  cpuModel: 'Skylake-Client',
  cpuCompatible: true,
  networks: new Map([['default', true]]),
  ...over,
});

const keys = (ms: { key: string }[]) => ms.map((x) => x.key);

describe('migration pre-flight', () => {
  it('reads paths (disk, seed CD-ROM, kernel, loader, NVRAM) and host devices from the domain XML', () => {
    const f = migrationFacts(XML);
    expect(f.paths.map((p) => `${p.kind}:${p.path}`)).toEqual([
      'disk:/var/lib/libvirt/images/web1.qcow2',
      'cdrom:/var/lib/libvirt/images/web1-seed.iso',
      'kernel:/boot/vmlinuz',
      'loader:/usr/share/OVMF/OVMF_CODE.fd',
      'nvram:/var/lib/libvirt/qemu/nvram/web1_VARS.fd',
    ]);
    expect(f.paths[1]!.readonly).toBe(true);
    expect(f.hostDevices).toEqual(['hostdev pci 0x0000:0x03:0x00:0x0']);
  });

  it('a host device blocks the VM; a local disk blocks it only with shared storage, naming the disk', () => {
    expect(keys(vmBlockers(input({ facts: { paths: [], hostDevices: ['hostdev pci 0x0000:0x03:0x00:0x0'], otherDisks: [], networks: [] } })))).toEqual(['migration.block.hostDevice', 'migration.block.localDisk']);
    const local = vmBlockers(input());
    expect(local).toEqual([{ key: 'migration.block.localDisk', args: { disk: 'vda', path: disk.path } }]);
    expect(english(local[0]!)).toBe('disk vda (/var/lib/libvirt/images/web1.qcow2) is on storage only its host sees: migrate with storage copy');
    expect(vmBlockers(input({ storage: 'copy' }))).toEqual([]);
    // A disk that is no pool volume cannot be copied.
    expect(keys(vmBlockers(input({ storage: 'copy', paths: [{ ...disk, pool: null, volume: null }] })))).toEqual(['migration.block.notVolume']);
    expect(needsCopy(shared)).toBe(false);
    expect(needsCopy(seed)).toBe(false);
  });

  it('a host that lacks a path the VM needs, or runs its UUID or name, is refused with each reason', () => {
    expect(hostReasons(input({ storage: 'copy' }), target())).toEqual([]);
    const why = hostReasons(input({ storage: 'copy', paths: [disk, shared, kernel, seed] }), target({ present: new Set(), uuidActive: true }));
    expect(keys(why)).toEqual(['migration.why.uuidActive', 'migration.why.missing.disk', 'migration.why.missing.kernel', 'migration.why.missing.seed']);
    expect(english(why[3]!)).toBe("lab2 does not have Hangar's cloud-init seed /var/lib/libvirt/images/web1-seed.iso");
    expect(keys(hostReasons(input(), target({ nameActive: true })))).toEqual(['migration.why.nameActive']);
    expect(hostReasons(input(), target({ error: 'not connected (disconnected)' }))).toEqual([{ key: 'migration.why.unchecked', args: { host: 'lab2', error: 'not connected (disconnected)' } }]);
  });

  it('the networks its NICs use must be there (and running, for a live move)', () => {
    const withNets = input({ storage: 'copy', facts: { paths: [], hostDevices: [], otherDisks: [], networks: ['default', 'lan'] } });
    expect(hostReasons(withNets, target())).toEqual([{ key: 'migration.why.noNetwork', args: { host: 'lab2', network: 'lan' } }]);
    expect(keys(hostReasons(withNets, target({ networks: new Map([['default', false], ['lan', true]]) })))).toEqual(['migration.why.networkInactive']);
    expect(hostReasons({ ...withNets, vm: { name: 'web1', live: false, cpuMode: null } }, target({ networks: new Map([['default', false], ['lan', true]]) }))).toEqual([]);
    expect(migrationFacts(XML.replace('</devices>', "<interface type='network'><source network='lan'/></interface><interface type='bridge'><source bridge='br0'/></interface></devices>")).networks).toEqual(['lan']);
  });

  it('storage copy: the chosen pool must exist, run, not hold the name already, and have room', () => {
    expect(keys(hostReasons(input({ storage: 'copy', diskPools: { vda: 'fast' } }), target()))).toEqual(['migration.why.noPool']);
    const pools = (p: Partial<{ active: boolean; available: number; volumes: Set<string> }>) => new Map([['default', { active: true, available: 100 * 2 ** 30, volumes: new Set<string>(), ...p }]]);
    expect(keys(hostReasons(input({ storage: 'copy' }), target({ pools: pools({ active: false }) })))).toEqual(['migration.why.poolInactive']);
    expect(keys(hostReasons(input({ storage: 'copy' }), target({ pools: pools({ volumes: new Set(['web1.qcow2']) }) })))).toEqual(['migration.why.volumeExists']);
    const space = hostReasons(input({ storage: 'copy' }), target({ pools: pools({ available: 2 ** 30 }) }));
    expect(space).toEqual([{ key: 'migration.why.poolSpace', args: { host: 'lab2', pool: 'default', needGiB: '10.0', freeGiB: '1.0' } }]);
    // An offline move copies local disks whatever storage says.
    expect(keys(hostReasons(input({ vm: { name: 'web1', live: false, cpuMode: null } }), target({ pools: pools({ available: 0 }) })))).toEqual(['migration.why.poolSpace']);
  });

  it('host-passthrough needs the same CPU model on the target; another CPU the target cannot run refuses it', () => {
    const pt = input({ storage: 'copy', vm: { name: 'web1', live: true, cpuMode: 'host-passthrough' } });
    expect(keys(hostReasons(pt, target({ cpuModel: 'EPYC-Rome' })))).toEqual(['migration.why.cpu']);
    expect(hostReasons(pt, target())).toEqual([]);
    expect(keys(hostReasons(input({ storage: 'copy' }), target({ cpuCompatible: false })))).toEqual(['migration.why.cpuIncompatible']);
    // Unknown (not asked, or the daemon could not tell) is not a refusal; a stopped VM is not judged by it.
    expect(hostReasons(input({ storage: 'copy' }), target({ cpuCompatible: null }))).toEqual([]);
    expect(hostReasons(input({ vm: { name: 'web1', live: false, cpuMode: null } }), target({ cpuCompatible: false }))).toEqual([]);
  });

  it('reads the guest CPU as the target hypervisor is asked about it', () => {
    const cpu = guestCpu(XML.replace('<os>', "<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>\n  <os>").replace("<type arch='x86_64'>", "<type arch='x86_64' machine='pc-i440fx-8.2'>"));
    expect(cpu).toEqual({ xml: "<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>", mode: 'custom', emulator: null, arch: 'x86_64', machine: 'pc-i440fx-8.2', virttype: 'kvm' });
    expect(guestCpu(XML).xml).toBeNull();
  });

  it('merges placement and its own reasons per host; the source is never listed', () => {
    const merged = mergeVerdicts(
      { fit: [{ hostId: 'h2', host: 'lab2', warnings: [] }, { hostId: 'h3', host: 'lab3', warnings: [] }], refusals: [{ hostId: 'h1', host: 'lab1', reasons: [{ key: 'placement.why.excluded', args: {} }] }, { hostId: 'h4', host: 'lab4', reasons: [{ key: 'placement.why.maintenance', args: { host: 'lab4' } }] }] },
      new Map([['h3', [{ key: 'migration.why.uuidActive', args: { host: 'lab3' } }]], ['h4', [{ key: 'migration.why.missing.kernel', args: { host: 'lab4', path: '/k' } }]]]),
      'h1',
    );
    expect(merged.candidates.map((c) => c.host)).toEqual(['lab2']);
    expect(merged.refused.map((r) => `${r.host}: ${keys(r.reasons).join(', ')}`)).toEqual(['lab3: migration.why.uuidActive', 'lab4: placement.why.maintenance, migration.why.missing.kernel']);
  });
});

describe('the destination XML of a storage copy', () => {
  it('points the copied disk at its new file, drops its backing chain, and changes nothing else', () => {
    const out = retargetDisks(XML, { vda: { path: '/srv/pool/web1.qcow2', format: 'qcow2' } });
    expect(out).toContain("<source file='/srv/pool/web1.qcow2' index='2'/>");
    expect(out).not.toContain('backingStore');
    expect(out).toContain('<!-- a comment that must survive -->');
    expect(out).toContain("<source file='/var/lib/libvirt/images/web1-seed.iso'/>");
    expect(migrationFacts(out).paths[0]!.path).toBe('/srv/pool/web1.qcow2');
    expect(() => retargetDisks(XML, { vdz: { path: '/x', format: 'raw' } })).toThrow(/no disk vdz/);
  });

  it('a volume disk becomes a file disk on the copy', () => {
    const vol = XML.replace("<disk type='file' device='disk'>", "<disk type='volume' device='disk'>").replace("<source file='/var/lib/libvirt/images/web1.qcow2' index='2'/>", "<source pool='default' volume='web1.qcow2'/>");
    expect(migrationFacts(vol).otherDisks).toEqual(['vda (default/web1.qcow2)']);
    const out = retargetDisks(vol, { vda: { path: '/srv/pool/web1.qcow2', format: 'qcow2' } });
    expect(out).toContain("<disk type='file' device='disk'>");
    expect(out).toContain("<source file='/srv/pool/web1.qcow2'/>");
  });
});
