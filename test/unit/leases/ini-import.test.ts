/**
 * `hangar pools import-ini`: the seed's sample `.dynvmservice.ini` (seed 004, "샘플 구성 파일:
 * .dynvmservice.ini"), verbatim apart from its placeholders, becomes pools by OS with one base
 * image per mapped host; credentials and [couchbase] are not imported.
 */
import { describe, expect, it } from 'vitest';
import { parseDynvmIni, planIniImport } from '../../../engine/leases/ini-import';
import { dhcpRangeSize, hostCount } from '../../../engine/leases/capacity';
import { leaseNames } from '../../../engine/leases/names';

const SEED_SAMPLE = `[couchbase]
couchbase.server=<couchbase-hostIp>
couchbase.bucket=<bucket-name>
couchbase.username=<username>
couchbase.userpassword=<password>
[common]
vm.expiry.minutes=720
vm.network.timeout.secs=400
[xenhost1]
host.name=<xenhostip1>
host.user=root
host.password=xxxx
host.storage.name=Local Storage 01
centos.template=tmpl-cnt7.7
centos7.template=tmpl-cnt7.7
windows.template=tmpl-win16dc - PATCHED (1)
centos8.template=tmpl-cnt8.0
oel8.template=tmpl-oel8
deb10.template=tmpl-deb10-too
debian10.template=tmpl-deb10-too
ubuntu18.template=tmpl-ubu18-4cgb
suse15.template=tmpl-suse15
[xenhost2]
host.name=<xenhostip2>
host.user=root
host.password=xxxx
host.storage.name=ssd
centos.template=tmpl-cnt7.7
windows.template=tmpl-win16dc - PATCHED (1)
centos8.template=tmpl-cnt8.0
oel8.template=tmpl-oel8
deb10.template=tmpl-deb10-too
debian10.template=tmpl-deb10-too
ubuntu18.template=tmpl-ubu18-4cgb
suse15.template=tmpl-suse15
[xenhost3]
...
[xenhost4]
...
`;

describe('import-ini', () => {
  it('reads the seed sample: common keys, host sections, templates with spaces', () => {
    const ini = parseDynvmIni(SEED_SAMPLE);
    expect(ini.expiryMinutes).toBe(720);
    expect(ini.networkTimeoutSecs).toBe(400);
    expect(ini.hosts.map((h) => h.section)).toEqual(['xenhost1', 'xenhost2', 'xenhost3', 'xenhost4']);
    expect(ini.hosts[0]).toMatchObject({ address: '<xenhostip1>', storage: 'Local Storage 01' });
    expect(ini.hosts[0]!.templates).toHaveLength(9);
    expect(ini.hosts[0]!.templates).toContainEqual(['windows', 'tmpl-win16dc - PATCHED (1)']);
    expect(ini.hosts[1]!.templates.map(([os]) => os)).not.toContain('centos7');
    // The "..." lines of the elided sections are reported, not fatal.
    expect(ini.warnings).toHaveLength(2);
    expect(JSON.stringify(ini)).not.toContain('xxxx');
  });

  it('maps sections to hosts by address: partial templates and different storage names per host', () => {
    const text = SEED_SAMPLE.replace('<xenhostip1>', '10.66.0.11').replace('<xenhostip2>', 'lab2');
    const plan = planIniImport(parseDynvmIni(text), [
      { id: 'h1', name: 'lab1', address: '10.66.0.11' },
      { id: 'h2', name: 'lab2', address: '10.66.0.12' },
    ]);
    expect(plan.pools.map((p) => p.os).sort()).toEqual(['centos', 'centos7', 'centos8', 'deb10', 'debian10', 'oel8', 'suse15', 'ubuntu18', 'windows']);
    const centos = plan.pools.find((p) => p.os === 'centos')!;
    expect(centos.baseImages).toEqual([
      { hostId: 'h1', pool: 'Local Storage 01', volume: 'tmpl-cnt7.7' },
      { hostId: 'h2', pool: 'ssd', volume: 'tmpl-cnt7.7' },
    ]);
    // A template on one host only (the seed's "partial templates").
    expect(plan.pools.find((p) => p.os === 'centos7')!.baseImages.map((b) => b.hostId)).toEqual(['h1']);
    expect(plan.skipped).toEqual([
      { section: 'xenhost3', reason: 'no host.name' },
      { section: 'xenhost4', reason: 'no host.name' },
    ]);
    expect(plan.expiryMinutes).toBe(720);
  });

  it('skips a section whose host Hangar does not know', () => {
    const plan = planIniImport(parseDynvmIni(SEED_SAMPLE), [{ id: 'h1', name: 'lab1', address: '10.66.0.11' }]);
    expect(plan.pools).toEqual([]);
    expect(plan.skipped[0]).toEqual({ section: 'xenhost1', reason: 'no Hangar host at <xenhostip1>: add it first' });
  });
});

describe('lease names and capacity', () => {
  it('names one VM <username> and several <username>1..N (the seed rule)', () => {
    expect(leaseNames('build-42', 1)).toEqual(['build-42']);
    expect(leaseNames('demoserver', 3)).toEqual(['demoserver1', 'demoserver2', 'demoserver3']);
  });

  it('counts the smallest quotient over memory, vCPUs, disk and addresses', () => {
    const base = { hostId: 'h', hostName: 'h', excluded: null, memoryMiB: 4096, vcpus: 40, diskBytes: 100 * 2 ** 30, addresses: 253 };
    const need = { memoryMiB: 512, vcpus: 1, diskBytes: 10 * 2 ** 30 };
    expect(hostCount(base, need)).toMatchObject({ available: 8, limitedBy: 'memory' });
    expect(hostCount({ ...base, addresses: 3 }, need)).toMatchObject({ available: 3, limitedBy: 'addresses' });
    expect(hostCount({ ...base, diskBytes: 25 * 2 ** 30 }, need)).toMatchObject({ available: 2, limitedBy: 'disk' });
    expect(hostCount({ ...base, addresses: null, diskBytes: null }, need)).toMatchObject({ available: 8 });
    expect(hostCount({ ...base, memoryMiB: -100 }, need).available).toBe(0);
    expect(hostCount({ ...base, excluded: 'noBaseImage' }, need)).toMatchObject({ available: 0, limitedBy: 'noBaseImage' });
    expect(dhcpRangeSize([{ start: '192.168.122.2', end: '192.168.122.254' }])).toBe(253);
    expect(dhcpRangeSize([{ start: '10.0.0.10', end: '10.0.0.13' }, { start: 'x', end: 'y' }])).toBe(4);
  });
});
