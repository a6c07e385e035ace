/**
 * Every builder of engine/xml reads back to the typed value it was built from, whatever the
 * strings hold (quotes, markup characters, newlines, non-ASCII): a value never becomes markup.
 */
import { describe, expect, it } from 'vitest';
import { el, renderXml } from '../../../engine/xml/build';
import { buildDomainXml, cdromXml, diskDeviceXml, nicDeviceXml, type NewDomain } from '../../../engine/xml/domain-build';
import { parseDomainXml } from '../../../engine/xml/domain-read';
import { buildDirPoolXml, readPoolXml } from '../../../engine/xml/pool';
import { buildSnapshotXml, readSnapshotXml, type SnapshotSpec } from '../../../engine/xml/snapshot';
import { buildVolumeXml, readVolumeXml, type VolumeSpec } from '../../../engine/xml/volume';

const HOSTILE = `a'b "c" <d> & e\nf\tg 한국어 ]]> &amp;`;

const base: NewDomain = {
  name: 'web-01',
  uuid: '4f1c2a52-1d0e-4d7e-9a55-3c0c4b9f0a11',
  domainType: 'kvm',
  osProfile: 'linux',
  vcpus: 2,
  memoryMiB: 512,
  firmware: 'bios',
  disk: { path: '/var/lib/libvirt/images/web-01-disk0.qcow2', format: 'qcow2' },
  cdrom: null,
  network: 'default',
  labels: { env: 'prod' },
  origin: 'blank',
  createdBy: 'hangar',
  createdAt: '2026-12-02T03:00:00.000Z',
};

/** Wraps device XML in the smallest domain the reader takes. */
const withDevices = (devices: string) => parseDomainXml(`<domain type='kvm'><name>x</name><uuid>u</uuid><devices>${devices}</devices></domain>`);

describe('domain build → read', () => {
  it.each([
    ['linux on KVM, from a disk', base],
    ['windows on TCG, UEFI, from an ISO with a cloud-init seed', { ...base, domainType: 'qemu', osProfile: 'windows', firmware: 'uefi', cdrom: '/isos/win.iso', seedIso: '/pool/web-01-seed.iso', description: 'desk', group: 'g' }],
    ['legacy with user networking and no disk', { ...base, osProfile: 'legacy', disk: null, userNetwork: true, labels: {} }],
    ['hostile strings everywhere', { ...base, name: HOSTILE, description: HOSTILE, labels: { [HOSTILE]: HOSTILE, 'k\nl': '' }, group: HOSTILE, origin: HOSTILE, createdBy: HOSTILE, disk: { path: `/p/${HOSTILE}.qcow2`, format: 'qcow2' }, cdrom: `/i/${HOSTILE}.iso`, network: HOSTILE }],
  ] as Array<[string, NewDomain]>)('%s', (_name, d) => {
    const got = parseDomainXml(buildDomainXml(d));
    const bus = { linux: 'virtio', windows: 'sata', legacy: 'ide' }[d.osProfile];
    const model = { linux: 'virtio', windows: 'e1000e', legacy: 'e1000' }[d.osProfile];
    const cdBus = d.osProfile === 'legacy' ? 'ide' : 'sata';
    expect(got).toMatchObject({
      name: d.name,
      uuid: d.uuid,
      type: d.domainType,
      description: d.description ?? null,
      memoryKiB: d.memoryMiB * 1024,
      currentMemoryKiB: d.memoryMiB * 1024,
      vcpus: d.vcpus,
      maxVcpus: d.vcpus,
      arch: 'x86_64',
      machine: d.osProfile === 'legacy' ? 'pc' : 'q35',
      firmware: d.firmware === 'uefi' ? 'efi' : 'bios',
      bootOrder: d.cdrom ? ['cdrom', 'hd'] : ['hd'],
      cpuMode: d.domainType === 'kvm' ? 'host-passthrough' : 'custom',
      cpuModel: d.domainType === 'kvm' ? 'host-passthrough' : 'qemu64',
      serials: 1,
      agentChannel: true,
      agentState: 'connected',
      graphics: [{ type: 'vnc', port: null, listen: '127.0.0.1', socket: null, hasPassword: false }],
      hangar: { labels: d.labels, group: d.group ?? null, os: d.osProfile, description: null, origin: d.origin, createdBy: d.createdBy, createdAt: d.createdAt },
    });
    const disks = [
      ...(d.disk ? [{ device: 'disk', source: d.disk.path, format: d.disk.format, bus, readonly: false }] : []),
      ...(d.cdrom ? [{ device: 'cdrom', source: d.cdrom, format: 'raw', bus: cdBus, readonly: true }] : []),
      ...(d.seedIso ? [{ device: 'cdrom', source: d.seedIso, format: 'raw', bus: cdBus, readonly: true }] : []),
    ];
    expect(got.disks).toMatchObject(disks);
    expect(new Set(got.disks.map((x) => x.target)).size).toBe(disks.length);
    expect(got.nics).toEqual(d.userNetwork ? [{ mac: null, type: 'user', source: null, model, linkUp: true }] : [{ mac: null, type: 'network', source: d.network, model, linkUp: true }]);
  });
});

describe('device build → read', () => {
  it('a disk, a CD-ROM with media and an empty one', () => {
    const disks = withDevices(
      diskDeviceXml({ path: `/v/${HOSTILE}`, format: 'qcow2', target: 'vdb', bus: 'virtio' }) + cdromXml(`/i/${HOSTILE}.iso`, 'sdb', 'sata') + cdromXml(null, 'sdc', 'sata'),
    ).disks;
    expect(disks).toEqual([
      { device: 'disk', target: 'vdb', bus: 'virtio', format: 'qcow2', source: `/v/${HOSTILE}`, readonly: false },
      { device: 'cdrom', target: 'sdb', bus: 'sata', format: 'raw', source: `/i/${HOSTILE}.iso`, readonly: true },
      { device: 'cdrom', target: 'sdc', bus: 'sata', format: 'raw', source: null, readonly: true },
    ]);
  });

  it('network and bridge interfaces with MAC, model and link state', () => {
    const nics = [
      { mac: '52:54:00:aa:bb:cc', type: 'network', source: HOSTILE, model: 'virtio', linkUp: false },
      { mac: '52:54:00:aa:bb:cd', type: 'bridge', source: 'br0', model: 'e1000e', linkUp: true },
    ];
    expect(withDevices(nics.map((n) => nicDeviceXml(n)).join('')).nics).toEqual(nics);
  });

  it('detach fragments: what libvirt matches on, and the source its parser requires of a NIC', () => {
    expect(diskDeviceXml({ device: 'cdrom', path: null, target: 'sdb' })).toBe("<disk type='file' device='cdrom'><target dev='sdb'/></disk>");
    expect(nicDeviceXml({ type: 'network', mac: '52:54:00:00:00:01', source: 'default' })).toBe("<interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface>");
  });
});

describe('volume, pool and snapshot build → read', () => {
  it.each([
    { name: 'a-disk0.qcow2', capacityBytes: 10 * 1024 ** 3, format: 'qcow2', backing: null },
    { name: `${HOSTILE}.qcow2`, capacityBytes: 1073741824, format: 'qcow2', backing: { path: `/base/${HOSTILE}.qcow2`, format: 'raw' } },
    { name: 'seed.iso', capacityBytes: 374784, format: 'raw', backing: null },
  ] as VolumeSpec[])('volume $name', (v) => {
    expect(readVolumeXml(buildVolumeXml(v))).toMatchObject(v);
  });

  it('a fractional size is rounded up to whole bytes', () => {
    expect(readVolumeXml(buildVolumeXml({ name: 'x', capacityBytes: 1.5 * 1024 ** 3 + 0.2, format: 'qcow2', backing: null })).capacityBytes).toBe(1610612737);
  });

  it('a directory pool', () => {
    expect(readPoolXml(buildDirPoolXml({ name: 'default', targetPath: `/var/lib/${HOSTILE}` }))).toMatchObject({ name: 'default', type: 'dir', targetPath: `/var/lib/${HOSTILE}` });
  });

  it.each([
    { name: 'before-upgrade', description: null, memory: 'internal', memoryFile: null, disks: [] },
    { name: HOSTILE, description: HOSTILE, memory: 'no', memoryFile: null, disks: [] },
    {
      name: 'ext',
      description: 'disks beside the images',
      memory: 'external',
      memoryFile: '/snap/ext.mem',
      disks: [
        { target: 'vda', snapshot: 'external', file: `/snap/${HOSTILE}.qcow2` },
        { target: 'sdb', snapshot: 'no', file: null },
      ],
    },
  ] as SnapshotSpec[])('snapshot $name ($memory memory)', (s) => {
    expect(readSnapshotXml(buildSnapshotXml(s))).toMatchObject(s);
  });
});

describe('the element builder', () => {
  it('escapes attribute and text values, and leaves out absent parts', () => {
    expect(renderXml(el('a', { x: `'"<&\n`, y: null, z: undefined, n: 0 }, 't<&>', null, false, el('b')), { pretty: false })).toBe(`<a x='&apos;"&lt;&amp;&#10;' n='0'>t&lt;&amp;&gt;<b/></a>`);
  });

  it('indents element children and keeps text-only elements on one line', () => {
    expect(renderXml(el('a', {}, el('b', {}, 'x'), el('c', {}, el('d'))))).toBe(`<a>\n  <b>x</b>\n  <c>\n    <d/>\n  </c>\n</a>`);
  });
});
