import { describe, expect, it } from 'vitest';
import { domainUuidOf, HANGAR_METADATA_NS, parseDomainXml } from '../../../engine/xml/domain-read';

const XML = `<domain type='kvm' id='3'>
  <name>web-01</name>
  <uuid>4f1c2a52-1d0e-4d7e-9a55-3c0c4b9f0a11</uuid>
  <title>Web</title>
  <metadata>
    <hangar:vm xmlns:hangar="${HANGAR_METADATA_NS}">
      <hangar:labels><hangar:label key="env">prod</hangar:label><hangar:label key="team">web</hangar:label></hangar:labels>
      <hangar:group>frontend</hangar:group>
      <hangar:origin>template:debian-12</hangar:origin>
      <hangar:created-at>2026-11-23T04:00:00Z</hangar:created-at>
    </hangar:vm>
    <other:thing xmlns:other="http://example.com/x">ignored</other:thing>
  </metadata>
  <memory unit='GiB'>2</memory>
  <currentMemory unit='KiB'>1048576</currentMemory>
  <vcpu placement='static' current='2'>4</vcpu>
  <os firmware='efi'><type arch='x86_64' machine='pc-q35-7.2'>hvm</type><boot dev='cdrom'/><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/web-01.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='volume' device='cdrom'><source pool='iso' volume='debian.iso'/><target dev='sda' bus='sata'/><readonly/></disk>
    <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/><model type='virtio'/><link state='down'/></interface>
    <interface type='bridge'><source bridge='br0'/><model type='e1000'/></interface>
    <serial type='pty'><target port='0'/></serial>
    <graphics type='vnc' port='5901' autoport='yes' listen='127.0.0.1' passwd='s3cret'><listen type='address' address='127.0.0.1'/></graphics>
  </devices>
</domain>`;

describe('domain XML', () => {
  it('yields what Hangar shows', () => {
    const d = parseDomainXml(XML);
    expect(d).toMatchObject({
      name: 'web-01',
      uuid: '4f1c2a52-1d0e-4d7e-9a55-3c0c4b9f0a11',
      title: 'Web',
      memoryKiB: 2097152,
      currentMemoryKiB: 1048576,
      vcpus: 2,
      maxVcpus: 4,
      arch: 'x86_64',
      osType: 'hvm',
      firmware: 'efi',
      bootOrder: ['cdrom', 'hd'],
      serials: 1,
    });
    expect(d.disks).toEqual([
      { device: 'disk', target: 'vda', bus: 'virtio', format: 'qcow2', source: '/var/lib/libvirt/images/web-01.qcow2', readonly: false },
      { device: 'cdrom', target: 'sda', bus: 'sata', format: null, source: 'iso/debian.iso', readonly: true },
    ]);
    expect(d.nics).toEqual([
      { mac: '52:54:00:aa:bb:cc', type: 'network', source: 'default', model: 'virtio', linkUp: false },
      { mac: null, type: 'bridge', source: 'br0', model: 'e1000', linkUp: true },
    ]);
    expect(d.graphics).toEqual([{ type: 'vnc', port: 5901, listen: '127.0.0.1', socket: null, hasPassword: true }]);
    expect(d.hangar).toEqual({
      labels: { env: 'prod', team: 'web' },
      group: 'frontend',
      os: null,
      description: null,
      origin: 'template:debian-12',
      createdBy: null,
      createdAt: '2026-11-23T04:00:00Z',
    });
  });

  it('never exposes the VNC password', () => {
    expect(JSON.stringify(parseDomainXml(XML))).not.toContain('s3cret');
  });

  it('handles a domain another tool made, with no metadata', () => {
    const d = parseDomainXml(`<domain type='qemu'><name>x</name><uuid>u</uuid><memory>1024</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices/></domain>`);
    expect(d).toMatchObject({ name: 'x', memoryKiB: 1024, vcpus: 1, firmware: 'bios', hangar: null, disks: [], nics: [] });
  });

  it('refuses malformed XML with a clear error', () => {
    expect(() => parseDomainXml('<domain><name>x</name>')).toThrow(/Malformed domain XML/);
    expect(() => parseDomainXml('<domain/>')).toThrow(/no name or uuid/);
  });

  it('reads the UUID from /domain/uuid only (issue 21 #9)', () => {
    const a = '11111111-1111-1111-1111-111111111111';
    const b = '22222222-2222-2222-2222-222222222222';
    expect(domainUuidOf(`<domain><!-- <uuid>${a}</uuid> --><name>x</name><uuid>${b}</uuid></domain>`)).toBe(b);
    expect(domainUuidOf(`<domain><metadata><m:uuid xmlns:m="urn:x">${a}</m:uuid><uuid xmlns="urn:y">${a}</uuid></metadata><uuid>${b}</uuid></domain>`)).toBe(b);
    expect(domainUuidOf(`<domain><description><![CDATA[<uuid>${a}</uuid>]]></description><uuid>${b}</uuid></domain>`)).toBe(b);
    expect(domainUuidOf(`<domain><uuid>${a}</uuid><uuid>${b}</uuid></domain>`)).toBeNull();
    expect(domainUuidOf(`<domain><name>x</name></domain>`)).toBeNull();
  });

  it('decodes character references as libvirt writes them, once', () => {
    const d = parseDomainXml(`<domain><name>x</name><uuid>u</uuid><description>a&#10;b &amp;#10;</description><devices><disk type='file' device='disk'><source file='/a&#39;b&#9;c'/><target dev='vda'/></disk></devices></domain>`);
    expect(d.description).toBe('a\nb &#10;');
    expect(d.disks[0]?.source).toBe("/a'b\tc");
  });
});
