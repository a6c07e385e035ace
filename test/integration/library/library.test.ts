/**
 * Issue 17, the template and ISO library, against the lab: a template from a running VM is
 * refused; from a stopped VM it is listed at once but offered only once Ready; a copy lab1→lab2
 * has the same sha256 on both hosts (sha256sum over SSH) and lab2 is then offered; VMs made from
 * it get the OS catalogue's devices (Windows: SATA + e1000, Debian 12: virtio) and libosinfo's
 * metadata (virsh dumpxml); a library ISO in the shared pool attaches (virsh domblklist) and
 * ejects; deleting a template a linked clone uses is refused naming the clone; deleting one
 * host's copy keeps the other; a pool holding a template is not stopped.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LibraryItem } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import type { Engine } from '../../../engine/engine';
import { defineDomain, readLabInfo, shellQuote, sshRun, testGuestXml, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';
import { finishedJob } from '../../helpers/run-job';
import { refusal } from '../../helpers/refusal';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const h2 = lab.hosts[1] as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const SRC = `library-src-${tag}`;
const SRC_DISK = `${SRC}.qcow2`;
const TPL = `library-tpl-${tag}`;
const WIN = `library-win-${tag}`;
const DEB = `library-deb-${tag}`;
const CD = `library-cd-${tag}`;
const ISO_VOL = `library-iso-${tag}.iso`;
const ISO = `library-iso-${tag}`;
const POOL = `library-pool-${tag}`;

const sha256On = async (h: LabHost, path: string) => (await sshRun(h, `sha256sum ${shellQuote(path)}`)).trim().split(/\s+/)[0];

describe('library', () => {
  let engine: Engine;
  let te: { engine: Engine; dispose(): Promise<void> } | undefined;
  let id1 = '';
  let id2 = '';
  let itemId = '';
  let isoId = '';
  const item = async (id: string): Promise<LibraryItem> => (await engine.call('library.list', {})).items.find((i) => i.id === id)!;
  const vmId = (name: string) => waitFor(`${name} in the inventory`, async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === name)?.id, 30_000, 100);
  const done = async (jobId: string, ms = 300_000) => {
    const job = await finishedJob(engine, jobId, ms);
    expect(job.state, job.error?.message).toBe('succeeded');
    return job;
  };

  beforeAll(async () => {
    te = await labEngine(lab, 'library');
    engine = te.engine;
    id1 = (await engine.call('hosts.add', { address: h1.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint, name: h1.name })).id;
    id2 = (await engine.call('hosts.add', { address: h2.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h2.hostKeyFingerprint, name: h2.name })).id;
    await waitFor('both hosts connected', async () => (await engine.call('hosts.list', {})).hosts.filter((x) => x.state === 'connected').length === 2, 30_000, 100);
    const pool = (await virsh(h1, ['pool-dumpxml', 'default'])).match(/<path>([^<]+)<\/path>/)![1]!;
    await sshRun(h1, `cp ${shellQuote(lab.guest.baseImage)} ${shellQuote(`${pool}/${SRC_DISK}`)} && virsh pool-refresh default >/dev/null && cp ${shellQuote(lab.guest.iso)} ${shellQuote(`${lab.sharedPoolPath}/${ISO_VOL}`)} && virsh pool-refresh shared >/dev/null`);
    await defineDomain(h1, testGuestXml({ name: SRC, disk: `${pool}/${SRC_DISK}`, network: null, lab }));
    // A VM with an empty CD-ROM drive, for the ISO.
    await defineDomain(h1, testGuestXml({ name: CD, network: null, lab }).replace('<serial', "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>\n    <serial"));
  }, 180_000);

  afterAll(async () => {
    await te?.dispose();
    const rm = (h: LabHost, doms: string[]) =>
      sshRun(h, [...doms.map((d) => `virsh destroy ${d} >/dev/null 2>&1; virsh undefine --nvram ${d} >/dev/null 2>&1; virsh vol-delete --pool default ${d}-disk0.qcow2 >/dev/null 2>&1`), `for v in $(virsh vol-list default | awk '{print $1}' | grep -- '-${tag}'); do virsh vol-delete --pool default $v >/dev/null 2>&1; done`, 'true'].join('; ')).catch(() => undefined);
    await rm(h1, [SRC, CD, TPL]);
    await rm(h2, [WIN, DEB, TPL]);
    await sshRun(h1, `virsh pool-destroy ${POOL} >/dev/null 2>&1; rm -rf /var/tmp/${POOL}; virsh vol-delete --pool default ${SRC_DISK} >/dev/null 2>&1; rm -f ${shellQuote(`${lab.sharedPoolPath}/${ISO_VOL}`)}; true`).catch(() => undefined);
    for (const x of lab.hosts) await virsh(x, ['pool-refresh', 'shared']).catch(() => undefined);
  }, 120_000);

  it('refuses a template from a running VM', async () => {
    const src = await vmId(SRC);
    await virsh(h1, ['start', SRC]);
    await waitFor('running in the inventory', async () => (await engine.call('vms.get', { vmId: src })).vm.state === 'running', 30_000, 200);
    const e = await refusal(engine.call('library.registerFromVm', { vmId: src, name: TPL, osId: 'debian12' }));
    expect(e.code).toBe('CONFLICT');
    expect(e.details?.message).toMatchObject({ key: 'library.err.vmRunning', args: { name: SRC } });
    expect((await engine.call('library.list', {})).items.find((i) => i.name === TPL)).toBeUndefined();
    await virsh(h1, ['destroy', SRC]);
    await waitFor('stopped in the inventory', async () => (await engine.call('vms.get', { vmId: src })).vm.state === 'stopped', 30_000, 200);
  }, 120_000);

  it('registers a stopped VM: listed at once, offered only once Ready, hashed on the host', async () => {
    const src = await vmId(SRC);
    const r = await engine.call('library.registerFromVm', { vmId: src, name: TPL, osId: 'debian12', description: 'from the lab guest', minMemoryMiB: 256 });
    itemId = r.itemId;
    const early = await item(itemId);
    expect(early.copies[0]?.state).not.toBe('ready');
    expect(early.readyOn).toEqual([]);
    // Nothing uses it before it is Ready.
    const e = await refusal(engine.call('vms.create', { name: `library-early-${tag}`, hostId: id1, source: { kind: 'library', itemId, mode: 'copy' }, network: null }));
    expect(e.code).toBe('CONFLICT');
    await done(r.jobId);
    const ready = await item(itemId);
    expect(ready.readyOn).toEqual([id1]);
    const c = ready.copies[0]!;
    expect(c.state).toBe('ready');
    expect(c.sha256).toBe(await sha256On(h1, c.path));
    // A flattened, standalone image.
    const info = JSON.parse(await sshRun(h1, `qemu-img info --output=json ${shellQuote(c.path)}`)) as { format: string; 'backing-filename'?: string };
    expect(info.format).toBe('qcow2');
    expect(info['backing-filename']).toBeUndefined();
  }, 400_000);

  it('copies lab1 → lab2 with the same sha256 on both, and lab2 is then offered', async () => {
    const before = await refusal(engine.call('vms.create', { name: WIN, hostId: id2, source: { kind: 'library', itemId, mode: 'copy' }, network: null }));
    expect(before.details?.message).toMatchObject({ key: 'library.err.notOnHost' });
    const { jobId } = await engine.call('library.copyToHost', { itemId, toHostId: id2, pool: 'default' });
    await done(jobId);
    const it2 = await item(itemId);
    expect(it2.readyOn.sort()).toEqual([id1, id2].sort());
    const c1 = it2.copies.find((c) => c.hostId === id1)!;
    const c2 = it2.copies.find((c) => c.hostId === id2)!;
    const [s1, s2] = [await sha256On(h1, c1.path), await sha256On(h2, c2.path)];
    expect(s1).toBe(s2);
    expect(c2.sha256).toBe(s2);
  }, 400_000);

  it('gives a Windows VM SATA and e1000, a Debian 12 one virtio, each with libosinfo metadata', async () => {
    const win = await engine.call('vms.create', { name: WIN, hostId: id2, osId: 'windows', source: { kind: 'library', itemId, mode: 'copy' }, diskPool: 'default', network: 'default' });
    await done(win.jobId);
    const deb = await engine.call('vms.create', { name: DEB, hostId: id2, source: { kind: 'library', itemId, mode: 'overlay' }, diskPool: 'default', network: 'default' });
    await done(deb.jobId);
    const wx = await virsh(h2, ['dumpxml', WIN]);
    expect(wx).toMatch(/<target dev='sda' bus='sata'\/>/);
    expect(wx).toMatch(/<model type='e1000'\/>/);
    // libvirt writes foreign metadata back with double quotes.
    expect(wx).toMatch(/<libosinfo:os id=["']http:\/\/microsoft.com\/win\/11["']\/>/);
    const dx = await virsh(h2, ['dumpxml', DEB]);
    expect(dx).toMatch(/<target dev='vda' bus='virtio'\/>/);
    expect(dx).toMatch(/<model type='virtio'\/>/);
    expect(dx).toMatch(/<libosinfo:libosinfo xmlns:libosinfo=['"]http:\/\/libosinfo.org\/xmlns\/libvirt\/domain\/1.0['"]>/);
    expect(dx).toMatch(/<libosinfo:os id=["']http:\/\/debian.org\/debian\/12["']\/>/);
  }, 300_000);

  it('refuses to delete a template a linked clone uses, naming it; one host\'s copy goes, the other stays', async () => {
    const all = await refusal(engine.call('library.delete', { itemId }));
    expect(all.code).toBe('CONFLICT');
    expect(all.details?.message).toMatchObject({ key: 'library.err.linkedClones' });
    expect(all.message).toContain(DEB);
    const c2 = (await item(itemId)).copies.find((c) => c.hostId === id2)!;
    const one = await refusal(engine.call('library.deleteCopy', { itemId, hostId: id2, pool: c2.pool, volume: c2.volume }));
    expect(one.message).toContain(DEB);
    expect(one.message).not.toContain(WIN); // a full copy does not read the template
    // A pool holding a template is not stopped (on lab1 no VM uses the default pool's template copy).
    // Without the linked clone, lab2's copy goes and lab1's stays; the full copy still has its disk.
    await sshRun(h2, `virsh undefine ${DEB} >/dev/null && virsh vol-delete --pool default ${DEB}-disk0.qcow2 >/dev/null`);
    const del = await engine.call('library.deleteCopy', { itemId, hostId: id2, pool: c2.pool, volume: c2.volume });
    await done(del.jobId, 60_000);
    const after = await item(itemId);
    expect(after.readyOn).toEqual([id1]);
    expect(await virsh(h2, ['vol-list', 'default'])).not.toContain(c2.volume);
    expect(await virsh(h2, ['vol-list', 'default'])).toContain(`${WIN}-disk0.qcow2`);
  }, 120_000);

  it('attaches a library ISO from the shared pool (domblklist) and ejects it; refuses a template as an ISO', async () => {
    const r = await engine.call('library.adopt', { kind: 'iso', name: ISO, osId: 'linux', bootable: true, hostId: id1, pool: 'shared', volume: ISO_VOL });
    isoId = r.itemId;
    await done(r.jobId, 120_000);
    const iso = await item(isoId);
    // On the shared file system: every connected host sees it.
    expect(iso.copies[0]?.shared).toBe(true);
    expect(iso.readyOn.sort()).toEqual([id1, id2].sort());
    const cd = await vmId(CD);
    await virsh(h1, ['start', CD]);
    await waitFor('running', async () => (await engine.call('vms.get', { vmId: cd })).vm.state === 'running', 30_000, 200);
    const wrong = await refusal(engine.call('vms.setMedia', { vmId: cd, target: 'hdc', libraryIso: itemId }).then((x) => finishedJob(engine, x.jobId)).then((j) => { if (j.error) throw HangarError.fromData(j.error); }));
    expect(wrong.details?.message).toMatchObject({ key: 'library.err.notIso' });
    await done((await engine.call('vms.setMedia', { vmId: cd, target: 'hdc', libraryIso: isoId })).jobId, 60_000);
    expect(await virsh(h1, ['domblklist', CD])).toContain(ISO_VOL);
    await done((await engine.call('vms.setMedia', { vmId: cd, target: 'hdc', iso: null })).jobId, 60_000);
    expect(await virsh(h1, ['domblklist', CD])).not.toContain(ISO_VOL);
    await done((await engine.call('library.delete', { itemId: isoId })).jobId, 60_000);
    await virsh(h1, ['destroy', CD]);
  }, 200_000);

  it('refuses to stop or delete a pool holding a library item, naming it', async () => {
    // A pool of this test's own: a refusal that failed would stop nobody else's.
    await sshRun(h1, `mkdir -p /var/tmp/${POOL} && virsh pool-create-as ${POOL} dir --target /var/tmp/${POOL} >/dev/null && virsh vol-create-as ${POOL} ${POOL}.img 1M >/dev/null`);
    const r = await engine.call('library.adopt', { kind: 'template', name: POOL, osId: 'other', hostId: id1, pool: POOL, volume: `${POOL}.img` });
    await done(r.jobId, 60_000);
    for (const action of ['stop', 'delete'] as const) {
      const e = await refusal(engine.call('storage.poolAction', { hostId: id1, pool: POOL, action }));
      expect(e.code).toBe('CONFLICT');
      expect(e.details?.message).toMatchObject({ key: action === 'stop' ? 'library.err.poolStop' : 'library.err.poolDelete', args: { pool: POOL, templates: POOL } });
    }
    expect((await virsh(h1, ['pool-info', POOL]))).toMatch(/State:\s+running/);
    await done((await engine.call('library.delete', { itemId: r.itemId })).jobId, 60_000);
  }, 120_000);

  it('deletes the template when nothing links to it', async () => {
    const { jobId } = await engine.call('library.delete', { itemId });
    await done(jobId, 60_000);
    expect(await item(itemId)).toBeUndefined();
  }, 60_000);
});
