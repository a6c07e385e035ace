/**
 * Issue 16 (snapshots), against the lab, checked with virsh, qemu-img and the guest's serial
 * console: revert to a memory snapshot; the tree against `virsh snapshot-list`; quiesce with the
 * agent and NoGuestAgent without it; an external snapshot's overlay committed back; a snapshot
 * made with virsh, badged; refusals; two operations on one VM at once; VM delete leaves no volume.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import type { Engine } from '../../../engine/engine';
import { finishedJob, runJob } from '../../helpers/run-job';
import { labEngine } from '../fleet/lab-engine';
import { readSerialLog, sshRun, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { bootedShell, defineSnapGuest, guestSays, IMAGES, removeSnapGuest, snapLab, snapName, vmIdOf } from './snap-lab';

const lab = snapLab();
// lab1: lab3 hosts other branches' fault drills (libvirtd stopped for seconds), lab2 the clone bench.
const host = lab.hosts[0] as LabHost;
const A = snapName('mem');
const B = snapName('ext');
const C = snapName('raw');

describe(`snapshots on ${host.name} (${lab.accel})`, () => {
  let engine: Engine;
  let dispose: (() => Promise<void>) | undefined;
  let dataDir = '';
  let closed = false;
  let a = '';
  let b = '';
  let bDisk = '';

  beforeAll(async () => {
    await defineSnapGuest(lab, host, A);
    bDisk = await defineSnapGuest(lab, host, B);
    await defineSnapGuest(lab, host, C, { format: 'raw' });
    await virsh(host, ['start', A]);
    await virsh(host, ['start', B]);
    const t = await labEngine(lab, 'snap');
    engine = t.engine;
    dispose = t.dispose;
    dataDir = t.dir;
    await engine.call('hosts.add', { address: host.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: host.hostKeyFingerprint });
    a = await vmIdOf(engine, A, 'running');
    b = await vmIdOf(engine, B, 'running');
    await Promise.all([bootedShell(lab, host, A), bootedShell(lab, host, B)]);
  });

  afterAll(async () => {
    if (closed) fs.rmSync(dataDir, { recursive: true, force: true });
    else await dispose?.();
    for (const n of [A, B, C]) await removeSnapGuest(host, n);
  });

  const list = (vmId: string) => engine.call('snapshots.list', { vmId });
  const refusal = async (p: Promise<unknown>): Promise<HangarError> => {
    try {
      await p;
    } catch (err) {
      return err as HangarError;
    }
    throw new Error('expected a refusal');
  };

  it('reverts a running guest to a memory snapshot: running, with /tmp/m and without /tmp/m2', async () => {
    await guestSays(host, A, 'echo a > /tmp/m; echo WROTE-$((1+1))', 'WROTE-2');
    let t0 = Date.now();
    const made = await runJob(engine, 'snapshots.create', { vmId: a, name: 'm1', description: 'before m2', memory: true });
    const snapMs = Date.now() - t0;
    expect(made).toMatchObject({ name: 'm1', quiesced: null, indications: ['Online'] });
    await guestSays(host, A, 'echo b > /tmp/m2; echo WROTE-$((2+1))', 'WROTE-3');
    t0 = Date.now();
    await runJob(engine, 'snapshots.revert', { vmId: a, name: 'm1' });
    const revertMs = Date.now() - t0;
    const jobMs = async (kind: string) => {
      const j = (await engine.call('jobs.list', {})).jobs.find((x) => x.kind === kind && x.target?.id === a)!;
      return j.finishedAt! - j.startedAt!;
    };
    console.log(`[snap] jobs: snapshot ${await jobMs('vm.snapshotCreate')} ms, revert ${await jobMs('vm.snapshotRevert')} ms`);
    console.log(`[snap] memory snapshot ${snapMs} ms, revert ${revertMs} ms (job round trips included, ${lab.accel})`);
    expect((await virsh(host, ['domstate', A])).trim()).toBe('running');
    await guestSays(host, A, 'test -f /tmp/m && echo HAS-M-$((1+1)); test -f /tmp/m2 && echo HAS-M2-$((1+1)) || echo NO-M2-$((1+1))', 'NO-M2-2');
    expect(await readSerialLog(host, A)).toContain('HAS-M-2');
    const s = (await list(a)).snapshots.find((x) => x.name === 'm1')!;
    expect(s).toMatchObject({ memory: true, kind: 'internal', byHangar: true, current: true, description: 'before m2', state: 'running' });
    expect(s.sizeBytes).toBeGreaterThan(0);
  });

  it('s1, s2, revert to s1, s3: the tree equals virsh snapshot-list', async () => {
    for (const n of ['s1', 's2']) await runJob(engine, 'snapshots.create', { vmId: a, name: n, memory: true });
    await runJob(engine, 'snapshots.revert', { vmId: a, name: 's1' });
    await runJob(engine, 'snapshots.create', { vmId: a, name: 's3', memory: true });
    const mine = await list(a);
    const virshParents = (await virsh(host, ['snapshot-list', A, '--parent']))
      .split('\n')
      .slice(2)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[0])
      // Name, Creation Time (3 words), State, Parent (absent for a root).
      .map((c) => [c[0]!, c[5] ?? null] as const);
    const theirs = new Map(virshParents);
    expect(new Map(mine.snapshots.map((s) => [s.name, s.parent]))).toEqual(theirs);
    expect(mine.current).toBe((await virsh(host, ['snapshot-current', A, '--name'])).trim());
    expect(mine.current).toBe('s3');
    const s1 = mine.snapshots.find((s) => s.name === 's1')!;
    expect(s1.children.sort()).toEqual(['s2', 's3']);
    console.log(`[snap] virsh snapshot-list --tree:\n${await virsh(host, ['snapshot-list', A, '--tree'])}`);
    console.log(`[snap] Hangar: ${mine.snapshots.map((s) => `${'  '.repeat(s.depth)}${s.name}${s.current ? ' (current)' : ''}`).join(' | ')}`);
  });

  it('a snapshot made with virsh shows up, badged as made outside Hangar', async () => {
    await virsh(host, ['snapshot-create-as', A, 'byhand', 'made with virsh']);
    const s = (await list(a)).snapshots.find((x) => x.name === 'byhand')!;
    expect(s).toMatchObject({ byHangar: false, description: 'made with virsh', memory: true, parent: 's3', current: true });
  });

  it('two snapshot operations on one VM at once: the second waits for the first, never both running', async () => {
    const [j1, j2] = await Promise.all([engine.call('snapshots.create', { vmId: a, name: 'c1', memory: true }), engine.call('snapshots.create', { vmId: a, name: 'c2', memory: true })]);
    // Each request reads the VM before its job starts, so either may reach the lock first.
    const [q1, q2] = [await engine.call('jobs.get', j1), await engine.call('jobs.get', j2)];
    const waiting = [q1, q2].find((q) => q.state === 'queued');
    if (waiting) expect(waiting.waitingFor).toMatchObject({ reason: 'target', jobId: (waiting === q1 ? q2 : q1).id });
    const done: Job[] = [await finishedJob(engine, j1.jobId), await finishedJob(engine, j2.jobId)];
    expect(done.map((j) => j.state)).toEqual(['succeeded', 'succeeded']);
    const [first, second] = [...done].sort((x, y) => x.startedAt! - y.startedAt!);
    expect(second!.startedAt!).toBeGreaterThanOrEqual(first!.finishedAt!);
    const name = (j: Job) => (j.result as { name: string }).name;
    expect((await list(a)).snapshots.find((s) => s.name === name(second!))!.parent).toBe(name(first!));
  });

  it('refuses to resize a disk while the VM has snapshots (seed 000)', async () => {
    const job = await finishedJob(engine, (await engine.call('vms.resizeDisk', { vmId: a, target: 'vda', sizeGiB: 1 })).jobId);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('CONFLICT');
    expect(job.error?.details?.['message']).toMatchObject({ key: 'vm.err.snapshotsExist' });
  });

  it('deletes one snapshot (children move to its parent) and a subtree', async () => {
    await runJob(engine, 'snapshots.delete', { vmId: a, name: 's1' });
    let l = await list(a);
    expect(l.snapshots.find((s) => s.name === 's2')!.parent).toBe('m1');
    expect(l.snapshots.find((s) => s.name === 's3')!.parent).toBe('m1');
    await runJob(engine, 'snapshots.delete', { vmId: a, name: 's3', withChildren: true });
    l = await list(a);
    expect(l.snapshots.map((s) => s.name).sort()).toEqual(['m1', 's2']);
    expect((await virsh(host, ['snapshot-list', A, '--name'])).split('\n').filter(Boolean).sort()).toEqual(['m1', 's2']);
  });

  it('refuses a memory snapshot of a stopped VM, any snapshot of a raw disk, and past the maximum', async () => {
    const c = await vmIdOf(engine, C, 'stopped');
    const stopped = await refusal(engine.call('snapshots.create', { vmId: c, name: 'x', memory: true }));
    expect(stopped.details?.['message']).toMatchObject({ key: 'snap.err.memoryStopped' });
    const raw = await refusal(engine.call('snapshots.create', { vmId: c, name: 'x' }));
    expect(raw.details?.['message']).toMatchObject({ key: 'snap.err.disk.raw', args: { target: 'vda' } });
    console.log(`[snap] refused: ${stopped.message} / ${raw.message}`);
    await engine.call('settings.update', { snapshotMaxPerVm: 2 });
    try {
      const max = await refusal(engine.call('snapshots.create', { vmId: a, name: 'x', memory: true }));
      expect(max.details?.['message']).toMatchObject({ key: 'snap.err.max', args: { max: 2 } });
    } finally {
      await engine.call('settings.update', { snapshotMaxPerVm: 32 });
    }
  });

  it('an external snapshot adds an overlay; deleting it commits it back: one file again, the guest keeps its data', async () => {
    await runJob(engine, 'snapshots.create', { vmId: b, name: 'e1', external: true });
    const overlay = `${IMAGES}/${B}-vda-e1.qcow2`;
    const chain = await sshRun(host, `qemu-img info -U --backing-chain ${overlay}`);
    expect(chain).toContain(`backing file: ${bDisk}`);
    expect((await virsh(host, ['domblklist', B])).includes(overlay)).toBe(true);
    expect(await virsh(host, ['vol-list', 'default'])).toContain(`${B}-vda-e1.qcow2`);
    const l = await list(b);
    expect(l.snapshots[0]).toMatchObject({ name: 'e1', kind: 'external', memory: false });
    expect(l.externalRevert).toBe(false);
    // libvirt 9.0 on the lab cannot revert an external snapshot: refused, with the version.
    const rev = await refusal(engine.call('snapshots.revert', { vmId: b, name: 'e1' }));
    expect(rev.code).toBe('UNSUPPORTED');
    // Written after the snapshot: lands in the overlay, must survive the commit.
    await guestSays(host, B, "printf 'HANGAR-KEPT-DATA' | dd of=/dev/vda bs=512 count=1 conv=sync,fsync 2>/dev/null; echo DD-$((3+4))", 'DD-7');
    const del = await engine.call('snapshots.delete', { vmId: b, name: 'e1' });
    const job = await finishedJob(engine, del.jobId);
    expect(job.state).toBe('succeeded');
    const after = await sshRun(host, `qemu-img info -U --backing-chain ${bDisk}`);
    expect(after).not.toContain('backing file');
    expect((await virsh(host, ['domblklist', B])).includes(bDisk)).toBe(true);
    expect(await sshRun(host, `test -e ${overlay} && echo there || echo gone`)).toContain('gone');
    expect(await virsh(host, ['vol-list', 'default'])).not.toContain(`${B}-vda-e1.qcow2`);
    expect(await sshRun(host, `qemu-io -U -r -f qcow2 -c 'read -v 0 16' ${bDisk}`)).toMatch(/HANGAR.KEPT.DATA/);
  });

  it('quiesces through the guest agent; with qemu-ga killed, the snapshot is made unquiesced and NoGuestAgent shows', async () => {
    const q = await runJob(engine, 'snapshots.create', { vmId: b, name: 'q1', external: true });
    expect(q).toMatchObject({ quiesced: true, indications: ['Online'] });
    expect((await list(b)).conditions).toEqual([]);
    await guestSays(host, B, 'killall qemu-ga; sleep 1; pidof qemu-ga || echo NOAGENT-$((5+5))', 'NOAGENT-10');
    const n = await runJob(engine, 'snapshots.create', { vmId: b, name: 'q2', external: true });
    expect(n).toMatchObject({ quiesced: false, indications: ['Online', 'NoGuestAgent'] });
    const l = await list(b);
    expect(l.snapshots.find((s) => s.name === 'q2')).toMatchObject({ quiesced: false, indications: ['Online', 'NoGuestAgent'], byHangar: true });
    expect(l.conditions).toMatchObject([{ type: 'NoGuestAgent', snapshot: 'q2' }]);
  });

  it('deleting a VM with snapshots leaves no volume behind', async () => {
    const before = await virsh(host, ['vol-list', 'default']);
    expect(before).toContain(`${B}-vda-q2.qcow2`);
    expect(before).toContain(`${B}-vda-q1.qcow2`);
    const del = await engine.call('vms.delete', { vmId: b, deleteDisks: ['vda'], force: true });
    expect((await finishedJob(engine, del.jobId)).state).toBe('succeeded');
    await waitFor('B gone', async () => !(await engine.call('vms.list', {})).vms.some((v) => v.name === B), 20_000);
    await sshRun(host, 'virsh pool-refresh default >/dev/null');
    const vols = await virsh(host, ['vol-list', 'default']);
    expect(vols).not.toContain(B);
    expect(await sshRun(host, `ls ${IMAGES} | grep -c ${B} || true`)).toBe('0\n');
  });

  it('hangar snapshot list|create|delete on the command line, with the hosts of the data dir', async () => {
    // The CLI opens the same data dir: the in-process engine lets go of it first.
    await engine.close();
    closed = true;
    // The lab's host keys are in its own known_hosts (the in-process engine was given it): the CLI
    // reads ~/.ssh/known_hosts, so it runs with a HOME that has that file.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'snap-cli-home-'));
    fs.mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    fs.copyFileSync(lab.knownHostsPath, path.join(home, '.ssh', 'known_hosts'));
    const hangar = (...args: string[]) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        const p = spawn(process.execPath, ['scripts/run-ts.mjs', 'engine/cli/hangar.ts', 'snapshot', ...args, '--data-dir', dataDir], { env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
      });
    const made = await hangar('create', A, 'cli1', '--memory', '--description', 'from the CLI');
    expect(made, made.err).toMatchObject({ code: 0 });
    const listed = await hangar('list', A);
    expect(listed.code, listed.err).toBe(0);
    console.log(`[snap] hangar snapshot list:\n${listed.out}`);
    expect(listed.out).toMatch(/\* {2}\s*cli1 .*memory, internal/);
    const del = await hangar('delete', A, 'cli1');
    expect(del.code, del.err).toBe(0);
    expect(await virsh(host, ['snapshot-list', A, '--name'])).not.toContain('cli1');
    fs.rmSync(home, { recursive: true, force: true });
  });
});
