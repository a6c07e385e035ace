/**
 * What a clone changes in its source's XML (engine/xml/domain-clone.ts) and how its copy is asked
 * of the host (engine/clone/disk-copy.ts): pure logic, no host.
 */
import { describe, expect, it } from 'vitest';
import { convertCommand, lastProgress } from '../../../engine/clone/disk-copy';
import { cloneNvramPath, newMac } from '../../../engine/clone/identity';
import { shellQuote } from '../../../engine/ssh/shell-quote';
import { cloneDomainXml, interfaceCount, nvramPath, snapshotDiskSources } from '../../../engine/xml/domain-clone';
import { parseDomainXml } from '../../../engine/xml/domain-read';

const SOURCE = `<domain type='kvm'>
  <name>web-01</name>
  <uuid>4f1c2a52-1d0e-4d7e-9a55-3c0c4b9f0a11</uuid>
  <metadata>
    <h:vm xmlns:h="https://hangar.dev/xmlns/domain/1"><h:labels><h:label key="team">a&amp;b</h:label></h:labels><h:os>linux</h:os><h:origin>blank</h:origin></h:vm>
    <other:x xmlns:other="urn:x" note="&#10;kept"/>
  </metadata>
  <memory unit='KiB'>524288</memory>
  <vcpu>1</vcpu>
  <os firmware='efi'>
    <type arch='x86_64' machine='q35'>hvm</type>
    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>/var/lib/libvirt/qemu/nvram/web-01_VARS.fd</nvram>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/pool/web-01-disk0.qcow2'/>
      <backingStore type='file'><format type='qcow2'/><source file='/pool/base.qcow2'/></backingStore>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/pool/web-01-seed.iso'/>
      <target dev='sdc' bus='sata'/>
      <readonly/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/isos/debian.iso'/>
      <target dev='sdb' bus='sata'/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:cc'/>
      <source network='default'/>
      <target dev='vnet3'/>
    </interface>
    <interface type='bridge'>
      <source bridge='br0'/>
    </interface>
    <serial type='pty'><log file='/var/log/libvirt/qemu/web-01-serial.log' append='off'/><target port='0'/></serial>
    <graphics type='vnc' port='5901' autoport='no' listen='127.0.0.1'/>
  </devices>
</domain>
`;

const identity = {
  name: 'web-02',
  uuid: '11111111-2222-4333-8444-555555555555',
  macs: ['52:54:00:00:00:01', '52:54:00:00:00:02'],
  sources: new Map([
    ['/pool/web-01-disk0.qcow2', { path: '/pool/web-02-disk0.qcow2', format: 'qcow2' }],
    ['/pool/web-01-seed.iso', { path: '/pool/web-02-seed.iso', format: 'raw' }],
  ]),
  nvram: '/var/lib/libvirt/qemu/nvram/web-02_VARS.fd',
  origin: 'clone:web-01',
  createdBy: 'tester',
  createdAt: '2026-12-02T00:00:00.000Z',
};

describe('the clone of a domain XML', () => {
  const xml = cloneDomainXml(SOURCE, identity);
  const d = parseDomainXml(xml);

  it('has a new name, UUID and MACs, and keeps the rest', () => {
    expect(d.name).toBe('web-02');
    expect(d.uuid).toBe(identity.uuid);
    expect(d.nics.map((n) => n.mac)).toEqual(identity.macs);
    expect(d.nics.map((n) => n.source)).toEqual(['default', 'br0']);
    expect(d.memoryKiB).toBe(524288);
    // Foreign metadata is kept byte for byte.
    expect(xml).toContain(`<other:x xmlns:other="urn:x" note="&#10;kept"/>`);
    expect(xml).not.toContain('vnet3');
  });

  it('uses its own disk and seed, without the source chain, and keeps a shared ISO', () => {
    expect(d.disks.map((x) => x.source)).toEqual(['/pool/web-02-disk0.qcow2', '/pool/web-02-seed.iso', '/isos/debian.iso']);
    expect(xml).not.toContain('backingStore');
    expect(xml).not.toContain('base.qcow2');
  });

  it('has its own NVRAM, serial log and an automatic VNC port; Hangar records the origin, labels kept', () => {
    expect(nvramPath(xml)).toBe(identity.nvram);
    expect(xml).toContain("<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>");
    expect(xml).toContain('/var/log/libvirt/qemu/web-02-serial.log');
    expect(xml).toContain("<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>");
    expect(d.hangar).toMatchObject({ origin: 'clone:web-01', labels: { team: 'a&b' }, os: 'linux', createdBy: 'tester' });
  });

  it('counts the interfaces that need a MAC, and refuses to leave one without', () => {
    expect(interfaceCount(SOURCE)).toBe(2);
    expect(() => cloneDomainXml(SOURCE, { ...identity, macs: ['52:54:00:00:00:01'] })).toThrow(/MAC/);
  });

  it('a name that needs escaping stays a value', () => {
    const odd = cloneDomainXml(SOURCE, { ...identity, sources: new Map([['/pool/web-01-disk0.qcow2', { path: `/pool/a'b&<c>.qcow2`, format: 'qcow2' }]]) });
    expect(parseDomainXml(odd).disks[0]!.source).toBe(`/pool/a'b&<c>.qcow2`);
  });
});

describe('the copy on the host', () => {
  it('is one quoted qemu-img command, paths after --', () => {
    const argv = convertCommand({ path: `/pool/x'; rm -rf /`, format: 'qcow2', snapshot: 'clone-a', shared: true }, '/pool/y.qcow2');
    expect(argv).toEqual(['qemu-img', 'convert', '-p', '-n', '--target-is-zero', '-U', '-f', 'qcow2', '-l', 'snapshot.name=clone-a', '-O', 'qcow2', '--', `/pool/x'; rm -rf /`, '/pool/y.qcow2']);
    expect(shellQuote(argv)).toContain(`'/pool/x'\\''; rm -rf /'`);
    // A crafted name cannot add qemu-img options: its commas are escaped.
    expect(convertCommand({ path: '/p/x', format: 'qcow2', snapshot: 'a,snapshot.id=1' }, '/p/y')).toContain('snapshot.name=a,,snapshot.id=1');
  });

  it('reads qemu-img progress', () => {
    expect(lastProgress('    (0.00/100%)\r    (12.50/100%)\r')).toBe(0.125);
    expect(lastProgress('nothing')).toBeNull();
  });

  it('new MACs are QEMU-local and NVRAM sits beside the source', () => {
    expect(newMac()).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(cloneNvramPath('/var/lib/libvirt/qemu/nvram/web-01_VARS.fd', 'web-02')).toBe('/var/lib/libvirt/qemu/nvram/web-02_VARS.fd');
  });
});

describe('a snapshot\'s own record of the disks', () => {
  it('names the file each disk was when it was taken', () => {
    const xml = `<domainsnapshot><name>s1</name><memory snapshot='internal'/><disks><disk name='vda' snapshot='internal'/></disks>${SOURCE.replace("<source file='/pool/web-01-disk0.qcow2'/>", "<source file='/pool/then.qcow2'/>")}</domainsnapshot>`;
    expect(snapshotDiskSources(xml)).toEqual(new Map([['vda', '/pool/then.qcow2'], ['sdc', '/pool/web-01-seed.iso'], ['sdb', '/isos/debian.iso']]));
  });
});
