/**
 * Issue 8: load generated inside a lab guest (through its serial console) shows up in the engine's
 * samples, and the engine's CPU % and write bytes/s match what `virsh domstats` counts over the
 * same window within 10 %.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERIES, type MetricsSample } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { labEngine } from './lab-engine';
import { defineDomain, labTimeouts, readLabInfo, readSerialLog, sshRun, testGuestXml, typeOnSerial, virsh, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const NAME = `mx-load-${tag}`;
const DISK = `/var/lib/libvirt/images/${NAME}.qcow2`;
const CPU = SERIES.vm.indexOf('cpu');
const WR = SERIES.vm.indexOf('diskWr');

/** cpu.time and vda's wr.bytes as libvirt counts them, with the host's clock, in one ssh call. */
async function domstats(): Promise<{ at: number; cpuNs: number; wrBytes: number }> {
  const out = await sshRun(h1, `date +%s%N; virsh domstats --cpu-total --block ${NAME}`);
  const lines = out.split('\n');
  const field = (name: string) => Number(lines.find((l) => l.trim().startsWith(`${name}=`))!.split('=')[1]);
  const blk = lines.filter((l) => /block\.\d+\.name=vda/.test(l))[0]!.trim().split('.')[1];
  return { at: Number(lines[0]) / 1e6, cpuNs: field('cpu.time'), wrBytes: field(`block.${blk}.wr.bytes`) };
}

describe('metrics sampling against the lab', () => {
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;
  let engine: Engine;
  const samples: { at: number; values: (number | null)[] }[] = [];

  beforeAll(async () => {
    await sshRun(h1, `qemu-img create -q -f qcow2 ${DISK} 512M`);
    await defineDomain(h1, testGuestXml({ name: NAME, disk: DISK, network: null, memoryMiB: 128, lab }));
    await virsh(h1, ['start', NAME]);
    await waitFor('the guest to boot', async () => (await readSerialLog(h1, NAME)).includes(lab.guest.banner), labTimeouts(lab).bootMs, 500);
    t = await labEngine(lab, 'metrics');
    engine = t.engine;
    await engine.call('settings.update', { metricsIntervalSec: 2 });
  }, 180_000);

  afterAll(async () => {
    await t?.dispose();
    await sshRun(h1, `virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; rm -f ${DISK}; true`).catch(() => undefined);
  });

  it('sees CPU % and write bytes/s rise under load and agrees with virsh domstats within 10 %', async () => {
    const host = await engine.call('hosts.add', { address: h1.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint });
    const uuid = (await virsh(h1, ['domuuid', NAME])).trim();
    const key = `vm:${uuid}`;
    engine.subscribe('metrics.sample', { vmId: uuid }, (s: MetricsSample) => {
      const e = s.entities.find((x) => x.key === key);
      if (e) samples.push({ at: s.at, values: e.values });
    });
    await waitFor('idle samples', async () => samples.filter((s) => s.values[CPU] !== null).length >= 3, 30_000, 200);
    const idleCpu = Math.max(...samples.map((s) => s.values[CPU] ?? 0));
    const idleWr = Math.max(...samples.map((s) => s.values[WR] ?? 0));

    // A busy loop and a direct-I/O writer, both in the background of the guest's shell.
    await typeOnSerial(h1, NAME, 'while :; do :; done & while :; do dd if=/dev/zero of=/dev/vda bs=64k count=256 oflag=direct 2>/dev/null; done &');
    await new Promise((r) => setTimeout(r, 6000)); // let the load settle
    const a = await domstats();
    await new Promise((r) => setTimeout(r, 30_000));
    const b = await domstats();
    // The engine's samples whose intervals fall inside the window (each covers the 2 s before it).
    const inWindow = samples.filter((s) => s.at > a.at + 2000 && s.at <= b.at);
    expect(inWindow.length).toBeGreaterThanOrEqual(10);
    const mean = (i: number) => inWindow.reduce((acc, s) => acc + (s.values[i] ?? 0), 0) / inWindow.length;
    const engineCpu = mean(CPU);
    const engineWr = mean(WR);
    const virshCpu = ((b.cpuNs - a.cpuNs) / 1e9 / ((b.at - a.at) / 1000)) * 100; // 1 vCPU
    const virshWr = (b.wrBytes - a.wrBytes) / ((b.at - a.at) / 1000);
    console.log(JSON.stringify({ idleCpu, idleWr, engineCpu, virshCpu, engineWr, virshWr, samples: inWindow.length }));

    expect(engineCpu).toBeGreaterThan(idleCpu + 20);
    expect(engineWr).toBeGreaterThan(idleWr + 100_000);
    expect(Math.abs(engineCpu - virshCpu) / virshCpu).toBeLessThan(0.1);
    expect(Math.abs(engineWr - virshWr) / virshWr).toBeLessThan(0.1);

    // And the history answers a chart and a top-consumers list with the busy guest first.
    const q = await engine.call('metrics.query', { target: { kind: 'vm', vmId: uuid }, from: Date.now() - 15 * 60_000 });
    expect(q.resolution).toBe('raw');
    const g = q.groups.find((x) => x.key === key)!;
    expect(g.t.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...g.avg[CPU]!.map((v) => v ?? 0))).toBeGreaterThan(50);
    expect(q.groups.some((x) => x.kind === 'disk' && x.label === 'vda')).toBe(true);
    const top = await engine.call('metrics.top', { metric: 'storageThroughput', periodSec: 300, count: 5 });
    expect(top.items[0]?.vmId).toBe(uuid);
  }, 150_000);
});
