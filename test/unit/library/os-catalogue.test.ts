import { describe, expect, it } from 'vitest';
import { osEntry, OS_CATALOGUE } from '../../../engine/library/os-catalogue';
import { readyHosts } from '../../../engine/library/library-store';
import { buildDomainXml, type NewDomain } from '../../../engine/xml/domain-build';

const base: NewDomain = { name: 'x', uuid: '00000000-0000-4000-8000-000000000001', domainType: 'qemu', osProfile: 'linux', vcpus: 1, memoryMiB: 256, firmware: 'bios', disk: { path: '/p/x.qcow2', format: 'qcow2' }, cdrom: '/p/i.iso', network: 'default', labels: {}, origin: 'blank', createdBy: 't', createdAt: 'now' };
const withOs = (id: string) => {
  const o = osEntry(id);
  return buildDomainXml({ ...base, os: { libosinfo: o.libosinfo, diskBus: o.diskBus, nicModel: o.nicModel, cdBus: o.cdBus } });
};

describe('OS catalogue', () => {
  it('has the promised entries, each with a libosinfo id and minimums', () => {
    const ids = OS_CATALOGUE.map((o) => o.id);
    for (const id of ['debian12', 'ubuntu22.04', 'ubuntu24.04', 'centos-stream9', 'rhel9', 'fedora41', 'win10', 'win11', 'win2k19', 'win2k22', 'linux', 'other']) expect(ids).toContain(id);
    for (const o of OS_CATALOGUE) {
      expect(o.libosinfo).toMatch(/^http:\/\//);
      expect(o.minMemoryMiB).toBeGreaterThan(0);
    }
    expect(osEntry('nonsense').id).toBe('other');
    expect(osEntry('windows').family).toBe('windows');
  });

  it('gives Windows SATA and e1000, Debian virtio, and records the OS in libosinfo metadata', () => {
    const win = withOs('windows');
    expect(win).toContain("<target dev='sda' bus='sata'/>");
    expect(win).toContain("<model type='e1000'/>");
    expect(win).toContain("<libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>");
    expect(win).toContain("<libosinfo:os id='http://microsoft.com/win/11'/>");
    const deb = withOs('debian12');
    expect(deb).toContain("<target dev='vda' bus='virtio'/>");
    expect(deb).toContain("<model type='virtio'/>");
    expect(deb).toContain("<libosinfo:os id='http://debian.org/debian/12'/>");
    // Without an OS id: the coarse profile, no libosinfo element.
    expect(buildDomainXml(base)).not.toContain('libosinfo');
  });

  it('counts a Ready copy for its host and every host that sees its shared pool, and nothing else', () => {
    const c = { pool: 'p', volume: 'v', path: '/s/v', bytes: 1, sha256: null, percent: null, error: null, createdAt: 0 };
    expect(readyHosts([{ ...c, hostId: 'a', state: 'ready', shared: true, reach: ['b', 'c'] }, { ...c, hostId: 'd', state: 'uploading', shared: false, reach: [] }])).toEqual(['a', 'b', 'c']);
    expect(readyHosts([{ ...c, hostId: 'a', state: 'verifying', shared: false, reach: [] }])).toEqual([]);
  });
});
