/**
 * The typed readers of engine/xml on XML captured from a real libvirtd (test/unit/libvirt/fixtures,
 * recorded by test/integration/libvirt/capture.test.ts) and on what libvirt writes for pools,
 * volumes, snapshots and capabilities.
 */
import { describe, expect, it } from 'vitest';
import { readCapabilitiesXml } from '../../../engine/xml/capabilities';
import { domainAccel, parseDomainXml } from '../../../engine/xml/domain-read';
import { readNetworkXml } from '../../../engine/xml/network';
import { poolTargetPath, readPoolXml } from '../../../engine/xml/pool';
import { readSnapshotXml } from '../../../engine/xml/snapshot';
import { readVolumeXml } from '../../../engine/xml/volume';
import { fixture } from '../libvirt/load-fixtures';

const oracleXml = (name: string): string => fixture(name).oracle.xml as string;

describe('readers on captured libvirt XML', () => {
  it('a domain (DOMAIN_GET_XML_DESC)', () => {
    const xml = oracleXml('domain-get-xml-desc');
    expect(parseDomainXml(xml)).toMatchObject({
      name: 'fx',
      uuid: '7742b7af-dcee-4a56-8339-40ab70609f29',
      type: 'qemu',
      memoryKiB: 131072,
      vcpus: 1,
      machine: 'pc-i440fx-7.2',
      cpuMode: 'custom',
      cpuModel: 'qemu64',
      emulator: '/usr/bin/qemu-system-x86_64',
      bootOrder: ['hd'],
      disks: [{ device: 'disk', target: 'vdb', bus: 'virtio', format: 'raw', source: '/tmp/hangar-libvirtd-SbEZ0f/fx.img', readonly: false }],
      nics: [],
      graphics: [],
      serials: 1,
      agentChannel: false,
      agentState: 'absent',
      hangar: null,
    });
    expect(domainAccel(xml)).toBe('tcg');
  });

  it('a network (NETWORK_GET_XML_DESC)', () => {
    expect(readNetworkXml(oracleXml('network-get-xml-desc'))).toEqual({
      name: 'default',
      uuid: 'dd8fe884-6c02-601e-7551-cca97df1c5df',
      forwardMode: 'nat',
      bridge: 'virbr0',
      ips: [{ family: 'ipv4', address: '192.168.122.1', prefix: 24, dhcpRanges: [{ start: '192.168.122.2', end: '192.168.122.254' }], dhcpHosts: [], leaseMinutes: null }],
    });
  });
});

describe('readers on what libvirt writes', () => {
  it('a domain: accel, agent state and CPU mode from live XML', () => {
    const live = `<domain type='kvm' id='4'><name>v</name><uuid>u</uuid><cpu mode='host-model' check='partial'/><devices>
      <channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
      <channel type='unix'><source mode='bind' path='/run/x.sock'/><target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/><alias name='channel0'/></channel>
    </devices></domain>`;
    expect(parseDomainXml(live)).toMatchObject({ cpuMode: 'host-model', agentChannel: true, agentState: 'disconnected' });
    expect(domainAccel(live)).toBe('kvm');
    expect(domainAccel('')).toBe('tcg');
    expect(domainAccel('<domain')).toBe('tcg');
  });

  it('a volume with a backing store', () => {
    const xml = `<volume type='file'>
  <name>web-disk0.qcow2</name>
  <key>/var/lib/libvirt/images/web-disk0.qcow2</key>
  <capacity unit='bytes'>10737418240</capacity>
  <allocation unit='bytes'>200704</allocation>
  <physical unit='bytes'>196624</physical>
  <target>
    <path>/var/lib/libvirt/images/web-disk0.qcow2</path>
    <format type='qcow2'/>
    <permissions><mode>0600</mode><owner>0</owner><group>0</group></permissions>
    <compat>1.1</compat>
    <clusterSize unit='B'>65536</clusterSize>
    <features/>
  </target>
  <backingStore>
    <path>/shared/base &amp; co.qcow2</path>
    <format type='qcow2'/>
  </backingStore>
</volume>`;
    expect(readVolumeXml(xml)).toEqual({
      name: 'web-disk0.qcow2',
      type: 'file',
      key: '/var/lib/libvirt/images/web-disk0.qcow2',
      path: '/var/lib/libvirt/images/web-disk0.qcow2',
      capacityBytes: 10737418240,
      allocationBytes: 200704,
      format: 'qcow2',
      backing: { path: '/shared/base & co.qcow2', format: 'qcow2' },
    });
    expect(readVolumeXml(`<volume><name>x</name><capacity unit='G'>2</capacity><target><format type='raw'/></target></volume>`)).toMatchObject({ capacityBytes: 2 * 1024 ** 3, backing: null });
  });

  it("a pool's target directory, not its source's", () => {
    const xml = `<pool type='netfs'><name>n</name><uuid>1e3c4a52-0000-4000-8000-000000000001</uuid><capacity unit='bytes'>100</capacity><allocation unit='bytes'>40</allocation><available unit='bytes'>60</available><source><host name='nfs1'/><dir path='/export'/></source><target><path>/mnt/a&amp;b</path></target></pool>`;
    expect(readPoolXml(xml)).toEqual({ name: 'n', uuid: '1e3c4a52-0000-4000-8000-000000000001', type: 'netfs', targetPath: '/mnt/a&b', capacityBytes: 100, allocationBytes: 40, availableBytes: 60, source: 'nfs1:/export' });
    expect(poolTargetPath(`<pool type='rbd'><source><name>x</name></source></pool>`)).toBeNull();
    expect(poolTargetPath('not xml <')).toBeNull();
  });

  it('a snapshot', () => {
    const xml = `<domainsnapshot>
  <name>s1</name>
  <description>before &lt;upgrade&gt;</description>
  <state>running</state>
  <parent><name>s0</name></parent>
  <creationTime>1764644400</creationTime>
  <memory snapshot='internal'/>
  <disks><disk name='vda' snapshot='internal'/><disk name='sdb' snapshot='no'/></disks>
  <domain type='kvm'><name>v</name><uuid>4f1c2a52-1d0e-4d7e-9a55-3c0c4b9f0a11</uuid></domain>
</domainsnapshot>`;
    expect(readSnapshotXml(xml)).toEqual({
      name: 's1',
      description: 'before <upgrade>',
      memory: 'internal',
      memoryFile: null,
      disks: [
        { target: 'vda', snapshot: 'internal', file: null },
        { target: 'sdb', snapshot: 'no', file: null },
      ],
      state: 'running',
      parent: 's0',
      creationTime: 1764644400,
      domainUuid: '4f1c2a52-1d0e-4d7e-9a55-3c0c4b9f0a11',
    });
  });

  it('capabilities: host UUID and whether KVM is offered', () => {
    const caps = (kvm: boolean) => `<capabilities>
  <host><uuid>6D1F0A52-1B8E-4D3C-9B1A-2F3E4D5C6B7A</uuid><cpu><arch>x86_64</arch></cpu></host>
  <guest><os_type>hvm</os_type><arch name='i686'><domain type='qemu'/></arch></guest>
  <guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize><domain type='qemu'/>${kvm ? "<domain type='kvm'/>" : ''}</arch></guest>
</capabilities>`;
    expect(readCapabilitiesXml(caps(true))).toMatchObject({ hostUuid: '6d1f0a52-1b8e-4d3c-9b1a-2f3e4d5c6b7a', kvm: true });
    expect(readCapabilitiesXml(caps(false))).toMatchObject({ kvm: false, guests: [{ osType: 'hvm', arch: 'i686', domainTypes: ['qemu'] }, { osType: 'hvm', arch: 'x86_64', domainTypes: ['qemu'] }] });
    expect(readCapabilitiesXml('<capabilities><host><uuid>not-a-uuid</uuid></host></capabilities>').hostUuid).toBeNull();
  });
});
