import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineTime, openBundle, searchLogs } from '../../../engine/diagnostics/bundle/open-bundle';
import { BundleWriter } from '../../../engine/diagnostics/gather/bundle-writer';

const DOMAIN = `<domain type='qemu'><name>web</name><uuid>11111111-2222-3333-4444-555555555555</uuid><memory unit='KiB'>262144</memory><vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><interface type='network'><mac address='52:54:00:00:00:01'/><source network='default'/></interface><graphics type='vnc' passwd='abc12345'/></devices></domain>`;

/** A small bundle written by the real writer, as a gather would, without any host. */
async function makeBundle(dir: string): Promise<string> {
  const file = path.join(dir, 'b.tar.gz');
  const w = new BundleWriter(file, 'diag-test', true, { appVersion: '0.0.0', options: {} });
  await w.put('hosts/lab1/facts.json', JSON.stringify({ name: 'lab1', collectedAt: 0, hostname: 'lab1', libvirtVersion: '9.0.0', qemuVersion: '7.2.0', kvm: true, cpuModel: 'x86_64', cpus: 2, memoryKiB: 4194304, pools: [{ name: 'tiny', active: true, capacity: 100, allocation: 97, available: 3, path: '/x' }], domains: [{ uuid: '11111111-2222-3333-4444-555555555555', name: 'web', state: 'running', reason: 1, file: 'hosts/lab1/libvirt/domains/web.xml' }], libvirtError: null }));
  await w.put('hosts/lab1/libvirt/domains/web.xml', DOMAIN);
  await w.put('hosts/lab1/files/var/log/libvirt/libvirtd.log', '2026-11-23 06:00:01.000+0000: 1: info : starting\n2026-11-23 07:00:01.000+0000: 1: error : something broke\n');
  await w.put('hosts/lab1/logs/dmesg.txt', '[Mon Nov 23 06:00:00 2026] kvm: emulation failure\n');
  w.item({ host: 'lab1', out: 'hosts/lab1/nodeinfo.txt', kind: 'command', command: 'virsh -r nodeinfo', exitCode: 1, durationMs: 3, stderr: 'error: failed to connect' });
  await w.finish({ skipped: ['lab9\tunreachable\tconnection refused'], version: 'Hangar 0.0.0\n' });
  return file;
}

describe('opening a bundle offline', () => {
  it('summarises hosts, skipped hosts, failed items and recomputes health findings', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-open-'));
    const b = await openBundle(await makeBundle(dir));
    const s = b.summary;
    expect(s.checksumsOk).toBe(true);
    expect(s.hosts.map((h) => [h.name, h.libvirtVersion, h.vms.map((v) => v.name)])).toEqual([['lab1', '9.0.0', ['web']]]);
    expect(s.skipped).toEqual(['lab9\tunreachable\tconnection refused']);
    expect(s.failedItems).toEqual([expect.objectContaining({ host: 'lab1', out: 'hosts/lab1/nodeinfo.txt', exitCode: 1 })]);
    expect(s.findings.map((f) => `${f.checkId}:${f.hostName}`).sort()).toEqual(['GuestAgentMissing:lab1', 'HostUnreachable:lab9', 'KernelKvmErrors:lab1', 'PoolCapacityLow:lab1']);
    // The VNC password was masked on the way in.
    expect((await b.store.read('hosts/lab1/libvirt/domains/web.xml')).toString()).not.toContain('abc12345');
    await b.store.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('searches logs across hosts with a time window', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-open-'));
    const b = await openBundle(await makeBundle(dir));
    expect((await searchLogs(b, { query: 'broke', limit: 10 })).matches).toEqual([expect.objectContaining({ host: 'lab1', lineNo: 2, path: 'hosts/lab1/files/var/log/libvirt/libvirtd.log' })]);
    expect((await searchLogs(b, { query: '', from: Date.parse('2026-11-23T06:30:00Z'), limit: 10 })).matches.map((m) => m.line)).toEqual(['2026-11-23 07:00:01.000+0000: 1: error : something broke']);
    expect((await searchLogs(b, { query: 'starting', hosts: ['lab2'], limit: 10 })).matches).toEqual([]);
    await b.store.close();
    fs.rmSync(dir, { recursive: true });
  });

  it('reads the times at the start of journal, libvirt and syslog lines', () => {
    expect(lineTime('2026-11-23T06:00:01.123456+0000 host kernel: x', 2026)).toBe(Date.parse('2026-11-23T06:00:01.123456+00:00'));
    expect(lineTime('2026-11-23 07:00:01.000+0000: 1: error', 2026)).toBe(Date.parse('2026-11-23T07:00:01.000+00:00'));
    expect(lineTime('no time here', 2026)).toBeNull();
  });

  it('refuses what is not a bundle', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-open-'));
    fs.writeFileSync(path.join(dir, 'x.tar.gz'), 'not a tar');
    await expect(openBundle(path.join(dir, 'x.tar.gz'))).rejects.toThrow(/not a Hangar bundle|not a readable/);
    await expect(openBundle(path.join(dir, 'missing.tar.gz'))).rejects.toThrow(/No bundle at/);
    fs.rmSync(dir, { recursive: true });
  });
});
