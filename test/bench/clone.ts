/**
 * bench:clone (issue 16), on the same 1 GiB qcow2 (all of it data) in one run, on one lab host:
 *   clone_ms:      Hangar's full clone of a stopped VM with that disk (vms.clone, job to the end);
 *   virt_clone_ms: the peer on the same host: `virt-clone` when installed there, else the copy it
 *                  makes, `qemu-img convert -O qcow2` (`peer` says which);
 *   ratio:         clone_ms / virt_clone_ms (goal ≤ 1.2);
 *   linked_ms:     a linked clone of that disk as a template (goal < 1 s);
 *   snapshot_ms, revert_ms: a memory snapshot and its revert of a running test guest, through
 *                  Hangar's snapshot methods when the engine has them (else null, with the reason).
 * Medians of BENCH_RUNS runs after a warm-up. Prints one JSON object as its last line.
 */
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Engine } from '../../engine/engine';
import { isMethodName } from '../../engine/contract';
import { finishedJob } from '../helpers/run-job';
import { labEngine } from '../integration/fleet/lab-engine';
import { defineDomain, readSerialLog, serialLogPath, shellQuote, sshRun, testGuestXml, virsh, waitFor, labTimeouts } from '../lab/lab-info';
import { benchLog, ensureLab, median, round } from './bench-kit';

const log = benchLog('clone');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const { lab, release } = ensureLab(log, 1);
// lab2 when there is one (lab3 is where fault drills run).
const h = lab.hosts[1] ?? lab.hosts[0]!;
const tag = crypto.randomBytes(3).toString('hex');
const SRC = `clone-bench-${tag}`;
const DISK = `${SRC}.qcow2`;
const GUEST = `clone-bench-guest-${tag}`;
const made: { doms: string[]; vols: string[] } = { doms: [SRC, GUEST], vols: [DISK] };

async function timedJob(engine: Engine, start: () => Promise<{ jobId: string }>): Promise<number> {
  const t0 = performance.now();
  const { jobId } = await start();
  const job = await finishedJob(engine, jobId, 600_000);
  if (job.state !== 'succeeded') throw new Error(`${job.kind} ${job.state}: ${job.error?.message}`);
  return performance.now() - t0;
}

async function drop(doms: string[], vols: string[]): Promise<void> {
  await sshRun(h, [...doms.map((d) => `virsh destroy ${d} >/dev/null 2>&1; virsh undefine --nvram ${d} >/dev/null 2>&1`), ...vols.map((v) => `virsh vol-delete --pool default ${v} >/dev/null 2>&1`), 'true'].join('; '));
}

const te = await labEngine(lab, 'bench-clone');
const engine = te.engine;
try {
  const pool = (await virsh(h, ['pool-dumpxml', 'default'])).match(/<path>([^<]+)<\/path>/)![1]!;
  const disk = `${pool}/${DISK}`;
  log(`writing a 1 GiB qcow2 on ${h.name}`);
  await sshRun(h, `qemu-img create -q -f qcow2 ${shellQuote(disk)} 1G && qemu-io -f qcow2 -c 'write -P 0x5a 0 1G' ${shellQuote(disk)} >/dev/null && virsh pool-refresh default >/dev/null`, { timeoutMs: 300_000 });
  await defineDomain(h, testGuestXml({ name: SRC, disk, network: null, lab }));
  await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
  const src = await waitFor('the source in the inventory', async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === SRC), 60_000, 100);

  const peerIsVirtClone = (await sshRun(h, 'command -v virt-clone || true')).trim() !== '';
  const peer = peerIsVirtClone ? 'virt-clone' : 'qemu-img convert';
  const hangar: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const name = `clone-bench-h${i}-${tag}`;
    const ms = await timedJob(engine, () => engine.call('vms.clone', { source: { kind: 'vm', vmId: src.id }, name, mode: 'full' }));
    await drop([name], [`${name}-disk0.qcow2`]);
    const out = `${pool}/clone-bench-p${i}-${tag}.qcow2`;
    const cmd = peerIsVirtClone
      ? `virt-clone --original ${shellQuote(SRC)} --name ${shellQuote(`clone-bench-p${i}-${tag}`)} --file ${shellQuote(out)} >/dev/null`
      : `qemu-img convert -O qcow2 -f qcow2 ${shellQuote(disk)} ${shellQuote(out)}`;
    const t0 = performance.now();
    await sshRun(h, cmd, { timeoutMs: 600_000 });
    const pms = performance.now() - t0;
    await sshRun(h, `virsh destroy clone-bench-p${i}-${tag} >/dev/null 2>&1; virsh undefine clone-bench-p${i}-${tag} >/dev/null 2>&1; rm -f ${shellQuote(out)}; virsh pool-refresh default >/dev/null`);
    if (i === 0) {
      log(`warm-up: Hangar ${round(ms)} ms, ${peer} ${round(pms)} ms`);
      continue;
    }
    hangar.push(ms);
    theirs.push(pms);
    log(`run ${i}/${RUNS}: Hangar ${round(ms)} ms, ${peer} ${round(pms)} ms`);
  }

  // The same image as a template: no VM may write to it, so its VM's definition goes first.
  await virsh(h, ['undefine', SRC]);
  await waitFor('the source gone from the inventory', async () => !(await engine.call('vms.list', {})).vms.some((v) => v.name === SRC), 30_000, 100);
  const linked: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const name = `clone-bench-l${i}-${tag}`;
    const ms = await timedJob(engine, () => engine.call('vms.clone', { source: { kind: 'template', pool: 'default', volume: DISK, memoryMiB: 128 }, name, mode: 'linked', hostId: src.hostId }));
    await drop([name], [`${name}-disk0.qcow2`, `${name}-seed.iso`]);
    if (i > 0) linked.push(ms);
    log(`linked ${i === 0 ? 'warm-up' : `${i}/${RUNS}`}: ${round(ms)} ms`);
  }

  // Memory snapshot and revert of a running guest, through Hangar's snapshot methods when present.
  let snapshot_ms: number | null = null;
  let revert_ms: number | null = null;
  let snapshotNote: string | null = null;
  if (isMethodName('snapshots.create') && isMethodName('snapshots.revert')) {
    const gdisk = `${pool}/${GUEST}.qcow2`;
    made.vols.push(`${GUEST}.qcow2`);
    await sshRun(h, `qemu-img create -q -f qcow2 ${shellQuote(gdisk)} 64M && virsh pool-refresh default >/dev/null`);
    await defineDomain(h, testGuestXml({ name: GUEST, disk: gdisk, network: null, lab }));
    await virsh(h, ['start', GUEST]);
    await waitFor('the guest to boot', async () => (await readSerialLog(h, GUEST)).includes(lab.guest.banner), labTimeouts(lab).bootMs, 500);
    const g = await waitFor('the guest in the inventory', async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === GUEST && v.state === 'running'), 60_000, 100);
    const snaps: number[] = [];
    const reverts: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const name = `s${i}`;
      const s = await timedJob(engine, () => engine.call('snapshots.create', { vmId: g.id, name, memory: true }));
      const r = await timedJob(engine, () => engine.call('snapshots.revert', { vmId: g.id, name }));
      if (i > 0) (snaps.push(s), reverts.push(r));
      log(`snapshot ${i === 0 ? 'warm-up' : `${i}/${RUNS}`}: ${round(s)} ms, revert ${round(r)} ms`);
    }
    snapshot_ms = round(median(snaps));
    revert_ms = round(median(reverts));
    await sshRun(h, `for s in $(virsh snapshot-list --name ${GUEST}); do virsh snapshot-delete ${GUEST} "$s" >/dev/null 2>&1; done; rm -f ${shellQuote(serialLogPath(GUEST))}; true`);
  } else snapshotNote = 'the engine has no snapshot methods yet (snapshots are built on another branch)';

  const clone_ms = round(median(hangar));
  const virt_clone_ms = round(median(theirs));
  console.log(
    JSON.stringify({
      bench: 'clone',
      accel: lab.accel,
      disk_gib: 1,
      clone_ms,
      virt_clone_ms,
      peer,
      ratio: round(clone_ms / virt_clone_ms, 2),
      goal_ratio: 1.2,
      linked_ms: round(median(linked)),
      goal_linked_ms: 1000,
      snapshot_ms,
      revert_ms,
      ...(snapshotNote ? { snapshot_note: snapshotNote } : {}),
      runs: RUNS,
    }),
  );
} finally {
  await te.dispose();
  await drop(made.doms, made.vols).catch(() => undefined);
  release();
}
