/**
 * Issue 17 / seed 002 L111–113: a template from a snapshot, while the VM keeps running. An internal
 * snapshot inside the disk the running VM writes to is refused; an external one is registered: the
 * template is the frozen image (qemu-img compare on the host), not the disk as the VM changed it
 * afterwards (the guest writes to it after the snapshot), standalone qcow2 with the recorded sha256,
 * the VM never restarted, and a VM made from the template starts.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../engine/engine';
import { defineDomain, readLabInfo, shellQuote, sshExec, sshRun, testGuestXml, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { refusal } from '../../helpers/refusal';
import { finishedJob } from '../../helpers/run-job';
import { labEngine } from '../fleet/lab-engine';
import { bootedShell, guestSays } from '../snapshots/snap-lab';

const lab = readLabInfo();
const h = lab.hosts[0] as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const SRC = `snaptpl-src-${tag}`;
const TPL = `snaptpl-tpl-${tag}`;
const NEW = `snaptpl-new-${tag}`;
const IMAGES = '/var/lib/libvirt/images';
const DISK = `${IMAGES}/${SRC}.qcow2`;

describe('library: template from a snapshot', () => {
  let te: { engine: Engine; dispose(): Promise<void> } | undefined;
  let engine: Engine;
  let hostId = '';
  let itemId = '';
  const done = async (jobId: string, ms = 240_000) => {
    const job = await finishedJob(engine, jobId, ms);
    expect(job.state, job.error?.message).toBe('succeeded');
    return job;
  };
  const vmId = (name: string, state?: string) =>
    waitFor(`${name}${state ? ` ${state}` : ''} in the inventory`, async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === name && (!state || v.state === state))?.id, 60_000, 200);

  beforeAll(async () => {
    te = await labEngine(lab, 'snaptpl');
    engine = te.engine;
    hostId = (await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name })).id;
    await sshRun(h, `cp ${shellQuote(lab.guest.baseImage)} ${DISK} && virsh pool-refresh default >/dev/null`);
    await defineDomain(h, testGuestXml({ name: SRC, disk: DISK, network: null, memoryMiB: 128, lab }));
  }, 120_000);

  afterAll(async () => {
    if (itemId) await engine.call('library.delete', { itemId }).then((r) => finishedJob(engine, r.jobId, 60_000)).catch(() => undefined);
    await te?.dispose();
    await sshExec(
      h,
      [SRC, NEW].map((d) => `virsh destroy ${d} >/dev/null 2>&1; virsh undefine ${d} --snapshots-metadata >/dev/null 2>&1; virsh vol-delete --pool default ${d}-disk0.qcow2 >/dev/null 2>&1`).join('; ') +
        `; rm -f ${IMAGES}/${SRC}*; for v in $(virsh vol-list default | awk '{print $1}' | grep -- '-${tag}'); do virsh vol-delete --pool default $v >/dev/null 2>&1; done; virsh pool-refresh default >/dev/null 2>&1; true`,
    ).catch(() => undefined);
  }, 120_000);

  it('refuses the running VM\'s internal snapshot, registers its external one while it runs, and a VM made from it starts', async () => {
    const t0 = Date.now();
    const lap = (what: string) => console.log(`[snaptpl] ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const src = await vmId(SRC, 'stopped');
    // An internal snapshot, taken while stopped; then the VM runs on that very image.
    await done((await engine.call('snapshots.create', { vmId: src, name: 'int1' })).jobId, 60_000);
    await virsh(h, ['start', SRC]);
    await vmId(SRC, 'running');
    const domId = (await virsh(h, ['domid', SRC])).trim();
    const live = await refusal(engine.call('library.registerFromVm', { vmId: src, snapshot: 'int1', name: TPL, osId: 'debian12' }));
    expect(live.code).toBe('CONFLICT');
    expect(live.details?.message).toMatchObject({ key: 'library.err.snapshotLive', args: { name: SRC, snapshot: 'int1' } });
    expect((await engine.call('library.list', {})).items.some((i) => i.name === TPL)).toBe(false);

    // An external snapshot: the VM goes on in an overlay, the image below it is frozen.
    await done((await engine.call('snapshots.create', { vmId: src, name: 'ext1', external: true, quiesce: false })).jobId, 60_000);
    const overlay = `${IMAGES}/${SRC}-vda-ext1.qcow2`;
    // The running VM changes its disk after the snapshot (the guest zeroes its first 64 KiB: into the overlay).
    lap('external snapshot');
    await bootedShell(lab, h, SRC);
    lap('source booted');
    await guestSays(h, SRC, 'dd if=/dev/zero of=/dev/vda bs=65536 count=1 conv=fsync 2>/dev/null && echo WROTE-$((40+2))', 'WROTE-42');

    const r = await engine.call('library.registerFromVm', { vmId: src, snapshot: 'ext1', name: TPL, osId: 'debian12', minMemoryMiB: 128 });
    itemId = r.itemId;
    expect((await engine.call('library.list', {})).items.find((i) => i.id === itemId)?.readyOn).toEqual([]);
    await done(r.jobId);
    lap('registered');
    const item = (await engine.call('library.list', {})).items.find((i) => i.id === itemId)!;
    expect(item.source).toBe(`snapshot:${SRC}/ext1`);
    expect(item.readyOn).toEqual([hostId]);
    const c = item.copies[0]!;
    // Standalone qcow2, hashed on the host; the frozen image's content, not the disk as the VM changed it.
    const info = JSON.parse(await sshRun(h, `qemu-img info --output=json ${shellQuote(c.path)}`)) as { format: string; 'backing-filename'?: string };
    expect(info.format).toBe('qcow2');
    expect(info['backing-filename']).toBeUndefined();
    expect((await sshRun(h, `sha256sum ${shellQuote(c.path)}`)).split(/\s+/)[0]).toBe(c.sha256);
    expect(await sshRun(h, `qemu-img compare -U ${shellQuote(c.path)} ${DISK}`)).toContain('identical');
    expect((await sshExec(h, `qemu-img compare -U ${shellQuote(c.path)} ${overlay}`)).code).toBe(1);
    // The VM ran throughout: the same QEMU process.
    expect((await virsh(h, ['domstate', SRC])).trim()).toBe('running');
    expect((await virsh(h, ['domid', SRC])).trim()).toBe(domId);

    // A VM made from the template starts on it (that such a VM boots is the library e2e's check).
    await done((await engine.call('vms.create', { name: NEW, hostId, source: { kind: 'library', itemId, mode: 'copy' }, memoryMiB: 256, network: null, start: true })).jobId);
    expect((await virsh(h, ['domstate', NEW])).trim()).toBe('running');
    lap('started');
  }, 600_000);
});
