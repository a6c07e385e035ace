import { describe, expect, it } from 'vitest';
import { parseDomainXml } from '../../../engine/inventory/domain-xml';
import { applyEdits } from '../../../engine/vms/domain-xml-edit';

const XML = `<domain type='kvm'>
  <name>a</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <metadata><h:vm xmlns:h="https://hangar.dev/xmlns/domain/1"><h:group>g</h:group></h:vm></metadata>
  <memory unit='KiB'>262144</memory>
  <currentMemory unit='KiB'>262144</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices><disk type='file' device='disk'><source file='/x &amp; y.qcow2'/><target dev='vda' bus='virtio'/></disk></devices>
</domain>`;

describe('domain XML edits', () => {
  it('change memory and vCPUs and keep everything else', () => {
    const out = applyEdits(XML, { memoryMiB: 512, vcpus: 2, description: 'web <1>' });
    const d = parseDomainXml(out);
    expect(d).toMatchObject({ memoryKiB: 524288, currentMemoryKiB: 524288, vcpus: 2, description: 'web <1>', name: 'a' });
    expect(d.disks[0]?.source).toBe('/x & y.qcow2');
    expect(d.hangar?.group).toBe('g');
    expect(d.bootOrder).toEqual(['hd']);
    expect(out).toContain("placement=\"static\"");
  });
  it('rewrites labels and group, keeping origin, and reorders boot devices and firmware', () => {
    const x = applyEdits(XML.replace('<h:group>g</h:group>', '<h:group>g</h:group><h:origin>base:shared/b.qcow2</h:origin>'), {
      labels: { env: 'prod', 'team/x': 'a&b' },
      group: 'web',
      bootOrder: ['cdrom', 'hd'],
      firmware: 'efi',
    });
    const d = parseDomainXml(x);
    expect(d.hangar).toMatchObject({ labels: { env: 'prod', 'team/x': 'a&b' }, group: 'web', origin: 'base:shared/b.qcow2' });
    expect(d.bootOrder).toEqual(['cdrom', 'hd']);
    expect(d.firmware).toBe('efi');
    const back = parseDomainXml(applyEdits(x, { firmware: 'bios', group: null, labels: {} }));
    expect(back.firmware).toBe('bios');
    expect(back.hangar).toMatchObject({ labels: {}, group: null, origin: 'base:shared/b.qcow2' });
  });

  it('adds Hangar metadata to a domain another tool made', () => {
    const other = `<domain type='kvm'><name>o</name><uuid>u</uuid><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices/></domain>`;
    expect(parseDomainXml(applyEdits(other, { labels: { a: '1' } })).hangar?.labels).toEqual({ a: '1' });
  });

  it('refuses what is not a domain', () => {
    expect(() => applyEdits('<network/>', { vcpus: 1 })).toThrow(/Not a domain/);
  });
});
