/**
 * Issue 8: while a live migration runs (here started with virsh, throttled so it lasts), the
 * engine samples its job — transfer rate and progress — for that VM, from libvirt's
 * migration-iteration event on; no per-VM call for VMs that are not migrating.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERIES, type MetricsSample } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { labEngine } from './lab-engine';
import { defineDomain, labTimeouts, readLabInfo, readSerialLog, sshExec, sshRun, testGuestXml, virsh, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const [h1, h2] = lab.hosts as [LabHost, LabHost];
const NAME = `mx-mig-${crypto.randomBytes(3).toString('hex')}`;
const BPS = SERIES.vm.indexOf('migBps');
const PROGRESS = SERIES.vm.indexOf('migProgress');

describe.skipIf(lab.hosts.length < 2)('migration progress in the metrics', () => {
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;

  beforeAll(async () => {
    await defineDomain(h1, testGuestXml({ name: NAME, memoryMiB: 256, lab }));
    await virsh(h1, ['start', NAME]);
    await waitFor('the guest to boot', async () => (await readSerialLog(h1, NAME)).includes(lab.guest.banner), labTimeouts(lab).bootMs, 500);
    t = await labEngine(lab, 'metrics-migration');
  }, 120_000);

  afterAll(async () => {
    await t?.dispose();
    for (const h of [h1, h2]) await sshRun(h, `virsh domjobabort ${NAME} >/dev/null 2>&1; virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; true`).catch(() => undefined);
  });

  it('records the transfer rate and progress while the migration runs', async () => {
    const engine = t!.engine;
    await engine.call('settings.update', { metricsIntervalSec: 1 });
    const host = await engine.call('hosts.add', { address: h1.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint });
    const vm = await waitFor('the VM in the inventory', async () => (await engine.call('vms.list', {})).vms.find((v) => v.hostId === host.id && v.name === NAME && v.state === 'running'), 30_000, 100);
    const seen: { bps: number | null; progress: number | null }[] = [];
    engine.subscribe('metrics.sample', { vmId: vm.id }, (s: MetricsSample) => {
      const v = s.entities.find((e) => e.kind === 'vm')?.values;
      if (v) seen.push({ bps: v[BPS] ?? null, progress: v[PROGRESS] ?? null });
    });
    await waitFor('samples before the migration', async () => seen.length >= 2, 20_000, 100);
    expect(seen.every((s) => s.bps === null)).toBe(true);

    // 2 MiB/s: the guest's memory takes long enough to watch.
    const migration = sshExec(h1, `virsh migrate --live --bandwidth 2 ${NAME} qemu+ssh://${h2.address}/system`, { timeoutMs: 300_000 });
    const during = await waitFor('a sample of the running migration', async () => seen.find((s) => (s.bps ?? 0) > 0 && s.progress !== null), 60_000, 200);
    expect(during.bps).toBeGreaterThan(0);
    expect(during.bps).toBeLessThan(64 * 1024 * 1024);
    expect(during.progress).toBeGreaterThanOrEqual(0);
    expect(during.progress).toBeLessThanOrEqual(100);

    // The history has it too, at the raw resolution of a 15-minute chart.
    await new Promise((r) => setTimeout(r, 1500));
    const q = await engine.call('metrics.query', { target: { kind: 'vm', vmId: vm.id }, from: Date.now() - 15 * 60_000 });
    const g = q.groups.find((x) => x.kind === 'vm');
    expect(g?.avg[BPS]?.some((v) => (v ?? 0) > 0)).toBe(true);

    await sshRun(h1, `virsh domjobabort ${NAME}`);
    await migration;
    // Once libvirt reports no job, the series are empty again.
    const n = seen.length;
    await waitFor('samples after the migration ended', async () => seen.length >= n + 3 && seen.slice(-2).every((s) => s.bps === null), 20_000, 200);
  }, 180_000);
});
