/**
 * Issue 16, clone, against the lab: a full clone has a new UUID and MAC and no backing file, and
 * both VMs boot to the READY line at once; a linked clone of a template (the lab's base.qcow2)
 * boots; a linked clone of a running VM's live disk is refused; a cancelled full clone leaves
 * nothing behind. Checked with virsh, qemu-img info and the guests' serial consoles on the host.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloneResult, Job } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import type { Engine } from '../../../engine/engine';
import { defineDomain, labTimeouts, readLabInfo, readSerialLog, serialLogPath, shellQuote, sshRun, testGuestXml, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';
import { finishedJob } from '../../helpers/run-job';

const lab = readLabInfo();
// lab2: lab3 is where other sessions run their fault drills.
const h = (lab.hosts[1] ?? lab.hosts[0]) as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const BASE = `clone-base-${tag}.qcow2`;
const SRC = `clone-src-${tag}`;
const SRC_DISK = `${SRC}.qcow2`;
const FULL = `clone-full-${tag}`;
const TPL = `clone-tpl-${tag}`;
const BIG = `clone-big-${tag}`;
const CANCEL = `clone-cancel-${tag}`;
const SNAPFULL = `clone-snapfull-${tag}`;
const SNAPLINK = `clone-snaplink-${tag}`;
const SHARED = `clone-shared-${tag}`;
const MOVED = `clone-moved-${tag}`;
// Another host, for a clone that goes elsewhere over the shared pool.
const other = lab.hosts.find((x) => x.name !== h.name) as LabHost;
const t = labTimeouts(lab);

async function refusal(p: Promise<unknown>): Promise<HangarError> {
  try {
    await p;
  } catch (err) {
    return HangarError.from(err);
  }
  throw new Error('expected a refusal');
}

const qemuImgInfo = async (path: string) => JSON.parse(await sshRun(h, `qemu-img info -U --output=json ${shellQuote(path)}`)) as { 'backing-filename'?: string; format: string };
const volPath = async (name: string) => (await virsh(h, ['vol-path', '--pool', 'default', name])).trim();
const macsOf = async (dom: string) => [...(await virsh(h, ['dumpxml', dom])).matchAll(/<mac address='([^']+)'/g)].map((m) => m[1]!);

describe('clone', () => {
  let engine: Engine;
  let te: { engine: Engine; dispose(): Promise<void> } | undefined;
  let hostId: string;
  let pool = '';
  const vmId = (name: string) => waitFor(`${name} in the inventory`, async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === name)?.id, 30_000, 100);

  beforeAll(async () => {
    te = await labEngine(lab, 'clone');
    engine = te.engine;
    const host = await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
    hostId = host.id;
    await engine.call('hosts.add', { address: other.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: other.hostKeyFingerprint, name: other.name });
    await waitFor('both hosts connected', async () => (await engine.call('hosts.list', {})).hosts.filter((x) => x.state === 'connected').length === 2, 30_000, 100);
    // A chain to flatten: the lab's base image in the pool, and the source's disk an overlay on it.
    pool = (await virsh(h, ['pool-dumpxml', 'default'])).match(/<path>([^<]+)<\/path>/)![1]!;
    await sshRun(h, `cp ${shellQuote(lab.guest.baseImage)} ${shellQuote(`${pool}/${BASE}`)} && qemu-img create -q -f qcow2 -F qcow2 -b ${shellQuote(`${pool}/${BASE}`)} ${shellQuote(`${pool}/${SRC_DISK}`)} && ` +
      // A 1 GiB disk of data for the cancelled copy.
      `qemu-img create -q -f qcow2 ${shellQuote(`${pool}/${BIG}.qcow2`)} 1G && qemu-io -f qcow2 -c 'write -P 0x5a 0 1G' ${shellQuote(`${pool}/${BIG}.qcow2`)} >/dev/null && virsh pool-refresh default >/dev/null`);
    await defineDomain(h, testGuestXml({ name: SRC, disk: `${pool}/${SRC_DISK}`, lab }));
    await defineDomain(h, testGuestXml({ name: BIG, disk: `${pool}/${BIG}.qcow2`, network: null, lab }));
    await sshRun(h, `qemu-img create -q -f qcow2 ${shellQuote(`${lab.sharedPoolPath}/${SHARED}.qcow2`)} 64M && virsh pool-refresh shared >/dev/null`);
    await defineDomain(h, testGuestXml({ name: SHARED, disk: `${lab.sharedPoolPath}/${SHARED}.qcow2`, network: null, lab }));
  }, 180_000);

  afterAll(async () => {
    await te?.dispose();
    await sshRun(other, `virsh undefine ${MOVED} >/dev/null 2>&1; virsh vol-delete --pool shared ${MOVED}-disk0.qcow2 >/dev/null 2>&1; true`).catch(() => undefined);
    await sshRun(h, `virsh undefine ${SHARED} >/dev/null 2>&1; rm -f ${shellQuote(`${lab.sharedPoolPath}/${SHARED}.qcow2`)}; virsh pool-refresh shared >/dev/null 2>&1; true`).catch(() => undefined);
    // Every host lists the shared pool's files: they forget the removed ones at a refresh.
    for (const x of lab.hosts) await virsh(x, ['pool-refresh', 'shared']).catch(() => undefined);
    const doms = [SNAPLINK, SNAPFULL, SRC, FULL, TPL, BIG, CANCEL];
    const vols = [`${SNAPLINK}-disk0.qcow2`, `${SNAPFULL}-disk0.qcow2`, BASE, SRC_DISK, `${FULL}-disk0.qcow2`, `${TPL}-disk0.qcow2`, `${TPL}-seed.iso`, `${BIG}.qcow2`, `${CANCEL}-disk0.qcow2`];
    await sshRun(
      h,
      [...doms.map((d) => `virsh destroy ${d} >/dev/null 2>&1; virsh undefine --nvram --snapshots-metadata ${d} >/dev/null 2>&1; rm -f ${shellQuote(serialLogPath(d))} /var/log/libvirt/qemu/${d}.log`), ...vols.map((v) => `virsh vol-delete --pool default ${v} >/dev/null 2>&1`),
        // The overlays the snapshot made of the source's disk.
        `rm -f ${shellQuote(pool)}/${SRC}*; virsh pool-refresh default >/dev/null 2>&1`, 'true'].join('; '),
    ).catch(() => undefined);
  }, 120_000);

  it('a full clone has a new UUID and MAC, no backing file, and boots beside its source', async () => {
    const src = await vmId(SRC);
    const { jobId } = await engine.call('vms.clone', { source: { kind: 'vm', vmId: src }, name: FULL, mode: 'full' });
    const job = await finishedJob(engine, jobId, 300_000);
    expect(job.state, job.error?.message).toBe('succeeded');
    const r = job.result as CloneResult;
    expect(r.uuid).not.toBe(src);
    expect((await virsh(h, ['domuuid', FULL])).trim()).toBe(r.uuid);
    const [srcMac] = await macsOf(SRC);
    const [cloneMac] = await macsOf(FULL);
    expect(cloneMac).toMatch(/^52:54:00:/);
    expect(cloneMac).not.toBe(srcMac);
    expect(r.macs).toEqual([cloneMac]);
    // The chain is flattened: the clone's disk stands alone.
    const info = await qemuImgInfo(await volPath(`${FULL}-disk0.qcow2`));
    expect(info.format).toBe('qcow2');
    expect(info['backing-filename']).toBeUndefined();
    expect((await qemuImgInfo(await volPath(SRC_DISK)))['backing-filename']).toContain(BASE);
    // Both at once, each to its own READY line.
    await virsh(h, ['start', SRC]);
    await virsh(h, ['start', FULL]);
    await waitFor('both guests to boot', async () => (await readSerialLog(h, SRC)).includes(lab.guest.banner) && (await readSerialLog(h, FULL)).includes(lab.guest.banner), t.bootMs * 2, 500);
    expect((await virsh(h, ['domstate', SRC])).trim()).toBe('running');
    expect((await virsh(h, ['domstate', FULL])).trim()).toBe('running');
  }, 600_000);

  it('refuses a linked clone of a running VM\'s live disk, and a full clone of it without a snapshot', async () => {
    const src = await vmId(SRC);
    await waitFor('the source running in the inventory', async () => (await engine.call('vms.get', { vmId: src })).vm.state === 'running', 30_000, 200);
    const linked = await refusal(engine.call('vms.clone', { source: { kind: 'vm', vmId: src }, name: `clone-no-${tag}`, mode: 'linked' }));
    expect(linked.code).toBe('CONFLICT');
    expect(linked.details?.message).toMatchObject({ key: 'clone.err.linkedLive', args: { name: SRC, disk: 'vda' } });
    expect(linked.message).toContain('never on a disk a running VM writes to');
    const full = await refusal(engine.call('vms.clone', { source: { kind: 'vm', vmId: src }, name: `clone-no-${tag}`, mode: 'full' }));
    expect(full.details?.message).toMatchObject({ key: 'clone.err.running' });
    // The same disk offered as a template: still the disk a running VM writes to.
    const asTemplate = await refusal(engine.call('vms.clone', { source: { kind: 'template', pool: 'default', volume: SRC_DISK }, name: `clone-no-${tag}`, mode: 'linked' }));
    expect(asTemplate.details?.message).toMatchObject({ key: 'clone.err.linkedLive', args: { name: SRC, disk: 'vda' } });
    // Nothing was made.
    expect(await virsh(h, ['list', '--all', '--name'])).not.toContain(`clone-no-${tag}`);
  });

  it('clones a running VM in full from a new snapshot, and links a clone to that snapshot', async () => {
    const src = await vmId(SRC);
    const { jobId } = await engine.call('vms.clone', { source: { kind: 'vm', vmId: src, newSnapshot: true }, name: SNAPFULL, mode: 'full' });
    const job = await finishedJob(engine, jobId, 300_000);
    expect(job.state, job.error?.message).toBe('succeeded');
    const snapshot = (job.result as CloneResult).snapshot!;
    expect(snapshot).toBe(`clone-${SNAPFULL}`);
    // The snapshot ran as the clone's child, under its hold on the VM.
    const child = (await engine.call('jobs.list', {})).jobs.find((j) => j.parentId === jobId);
    expect(child).toMatchObject({ kind: 'vm.snapshotCreate', state: 'succeeded' });
    expect(await virsh(h, ['snapshot-list', '--name', SRC])).toContain(snapshot);
    expect((await virsh(h, ['domstate', SRC])).trim()).toBe('running');
    expect((await qemuImgInfo(await volPath(`${SNAPFULL}-disk0.qcow2`)))['backing-filename']).toBeUndefined();
    // The frozen image under the snapshot is what a linked clone may sit on.
    const linked = await engine.call('vms.clone', { source: { kind: 'vm', vmId: src, snapshot }, name: SNAPLINK, mode: 'linked' });
    const lj = await finishedJob(engine, linked.jobId, 120_000);
    expect(lj.state, lj.error?.message).toBe('succeeded');
    expect((await qemuImgInfo(await volPath(`${SNAPLINK}-disk0.qcow2`)))['backing-filename']).toBe(`${pool}/${SRC_DISK}`);
    // Deleting that snapshot would commit the VM's later writes into the clone's base: refused.
    const del = await refusal(engine.call('snapshots.delete', { vmId: src, name: snapshot }));
    expect(del.details?.message).toMatchObject({ key: 'clone.err.snapshotHasClones', args: { snapshot, volume: `${SNAPLINK}-disk0.qcow2` } });
    expect(await virsh(h, ['snapshot-list', '--name', SRC])).toContain(snapshot);
  }, 600_000);

  it('a linked clone of a template boots', async () => {
    const { jobId } = await engine.call('vms.clone', { source: { kind: 'template', pool: 'default', volume: BASE, memoryMiB: 256 }, name: TPL, mode: 'linked', hostId });
    const job = await finishedJob(engine, jobId, 120_000);
    expect(job.state, job.error?.message).toBe('succeeded');
    const info = await qemuImgInfo(await volPath(`${TPL}-disk0.qcow2`));
    expect(info['backing-filename']).toContain(BASE);
    // The test reads the console from a log file: give the serial port one before it starts.
    await sshRun(h, `f=$(mktemp) && virsh dumpxml --inactive ${TPL} | sed "s|<serial type='pty'>|<serial type='pty'><log file='${serialLogPath(TPL)}' append='off'/>|" > "$f" && virsh define "$f" >/dev/null && rm -f "$f" && virsh start ${TPL} >/dev/null`);
    await waitFor('the linked clone to boot', async () => (await readSerialLog(h, TPL)).includes(lab.guest.banner), t.bootMs * 3, 1000);
  }, 600_000);

  it('a clone goes to another host over the shared pool, and is refused there from local storage', async () => {
    const hosts = (await engine.call('hosts.list', {})).hosts;
    const there = hosts.find((x) => x.name === other.name)!;
    const { jobId } = await engine.call('vms.clone', { source: { kind: 'vm', vmId: await vmId(SHARED) }, name: MOVED, mode: 'full', hostId: there.id });
    const job = await finishedJob(engine, jobId, 300_000);
    expect(job.state, job.error?.message).toBe('succeeded');
    expect((job.result as CloneResult).hostId).toBe(there.id);
    expect((await virsh(other, ['domuuid', MOVED])).trim()).toBe((job.result as CloneResult).uuid);
    expect((await virsh(other, ['vol-list', 'shared'])).includes(`${MOVED}-disk0.qcow2`)).toBe(true);
    // The source's disk on lab-local storage: the other host cannot read it.
    const e = await refusal(engine.call('vms.clone', { source: { kind: 'vm', vmId: await vmId(BIG) }, name: `clone-no-${tag}`, mode: 'full', hostId: there.id }));
    expect(e.details?.message).toMatchObject({ key: 'clone.err.unreachable', args: { host: other.name, source: h.name } });
  }, 300_000);

  it('a cancelled full clone leaves nothing behind', async () => {
    const big = await vmId(BIG);
    const seen: Job[] = [];
    const off = engine.subscribe('job.updated', {}, (j) => seen.push(j));
    const { jobId } = await engine.call('vms.clone', { source: { kind: 'vm', vmId: big }, name: CANCEL, mode: 'full' });
    await waitFor('the copy to start', async () => seen.some((j) => j.id === jobId && j.step?.key === 'job.vm.clone.copy'), 60_000, 20);
    await engine.call('jobs.cancel', { jobId });
    const job = await finishedJob(engine, jobId, 60_000);
    off();
    expect(job.state).toBe('cancelled');
    expect(job.artifacts?.length).toBeGreaterThan(0);
    expect(job.artifacts?.every((a) => a.state === 'removed')).toBe(true);
    await virsh(h, ['pool-refresh', 'default']);
    expect(await virsh(h, ['vol-list', 'default'])).not.toContain(CANCEL);
    expect(await virsh(h, ['list', '--all', '--name'])).not.toContain(CANCEL);
    // No copy goes on writing on the host.
    // (`[q]emu-img`: the pattern does not match the shell that runs pgrep.)
    await waitFor('no qemu-img left copying', async () => (await sshRun(h, `pgrep -f ${shellQuote(`[q]emu-img convert.*${CANCEL}`)} | wc -l`)).trim() === '0', 10_000, 250);
  }, 300_000);
});
