import { describe, expect, it } from 'vitest';
import { SERIES } from '../../../engine/contract/metrics';
import { parseDomainStats } from '../../../engine/metrics/counters';
import { hostCpuBusy, hostMemory, rate, vmRates } from '../../../engine/metrics/rates';
import type { TypedParam } from '../../../engine/libvirt/protocol/types';

const u = (field: string, value: number): TypedParam => ({ field, type: 4, value });
const s = (field: string, value: string): TypedParam => ({ field, type: 7, value });

/** A domain's bulk-stats record as libvirt sends it, with counters scaled by `k`. */
function record(k: number): TypedParam[] {
  return [
    { field: 'state.state', type: 1, value: 1 },
    u('cpu.time', 2e9 * k), // 2 s of CPU per step
    { field: 'vcpu.current', type: 2, value: 2 },
    u('vcpu.0.wait', 1e8 * k),
    u('vcpu.1.wait', 1e8 * k),
    u('balloon.current', 1048576),
    u('balloon.rss', 300000),
    u('balloon.swap_in', 10 * k),
    u('balloon.swap_out', 20 * k),
    { field: 'block.count', type: 2, value: 2 },
    s('block.0.name', 'vda'),
    u('block.0.rd.bytes', 4096 * k),
    u('block.0.wr.bytes', 1_000_000 * k),
    u('block.0.rd.reqs', 1 * k),
    u('block.0.wr.reqs', 100 * k),
    s('block.1.name', 'vdb'),
    u('block.1.wr.bytes', 500_000 * k),
    u('block.1.wr.reqs', 50 * k),
    { field: 'net.count', type: 2, value: 1 },
    s('net.0.name', 'vnet3'),
    u('net.0.rx.bytes', 10_000 * k),
    u('net.0.tx.bytes', 20_000 * k),
    u('net.0.rx.pkts', 10 * k),
    u('net.0.tx.pkts', 20 * k),
  ];
}

const v = (vals: (number | null)[], name: (typeof SERIES.vm)[number]) => vals[SERIES.vm.indexOf(name)];

describe('metrics rate math', () => {
  it('parses counters from a bulk-stats record', () => {
    const c = parseDomainStats(record(1));
    expect(c.cpuTime).toBe(2e9);
    expect(c.vcpus).toBe(2);
    expect(c.vcpuWait).toBe(2e8);
    expect(c.disks.map((d) => d.name)).toEqual(['vda', 'vdb']);
    expect(c.disks[0]!.c).toEqual([4096, 1_000_000, 1, 100]);
    expect(c.nics[0]).toEqual({ name: 'vnet3', c: [10_000, 20_000, 10, 20] });
  });

  it('computes per-second rates, CPU % of vCPUs and of the host, and sums devices', () => {
    const a = parseDomainStats(record(1));
    const b = parseDomainStats(record(2));
    const r = vmRates(a, b, 2, 8); // 2 s apart, host with 8 CPUs
    // 2e9 ns over 2 s on 2 vCPUs = 0.5 cores of 2 = 50 %; of 8 host CPUs = 12.5 %
    expect(v(r.vm, 'cpu')).toBeCloseTo(50);
    expect(v(r.vm, 'cpuHost')).toBeCloseTo(12.5);
    // 2e8 ns wait over 2 s, 2 vCPUs → 5 %
    expect(v(r.vm, 'vcpuWait')).toBeCloseTo(5);
    expect(v(r.vm, 'diskWr')).toBe((1_000_000 + 500_000) / 2);
    expect(v(r.vm, 'diskWrIops')).toBe(75);
    expect(v(r.vm, 'netTx')).toBe(10_000);
    expect(v(r.vm, 'swapOut')).toBe(10 * 1024);
    expect(v(r.vm, 'memUsed')).toBe(300000 * 1024); // no guest view: QEMU RSS
    expect(v(r.vm, 'memTotal')).toBe(1048576 * 1024);
    expect(r.disks.find((d) => d.name === 'vdb')!.values).toEqual([0, 250_000, 0, 25]);
    expect(r.nics[0]!.values).toEqual([5000, 10_000, 5, 10]);
  });

  it('prefers the guest view of memory when the balloon reports it', () => {
    const c = parseDomainStats([...record(1), u('balloon.available', 1000000), u('balloon.unused', 400000)]);
    expect(v(vmRates(undefined, c, 0, 4).vm, 'memUsed')).toBe(600000 * 1024);
  });

  it('reports no rate on the first reading or after a counter reset (a restarted guest)', () => {
    const first = vmRates(undefined, parseDomainStats(record(5)), 0, 4);
    expect(v(first.vm, 'cpu')).toBeNull();
    expect(v(first.vm, 'diskWr')).toBeNull();
    const reset = vmRates(parseDomainStats(record(5)), parseDomainStats(record(1)), 5, 4);
    expect(v(reset.vm, 'cpu')).toBeNull();
    expect(rate(10, 5, 1)).toBeNull();
    expect(rate(10, 20, 0)).toBeNull();
    expect(rate(10, 20, 2)).toBe(5);
  });

  it('computes host CPU busy % and memory used', () => {
    expect(hostCpuBusy(undefined, { user: 1 })).toBeNull();
    expect(hostCpuBusy({ kernel: 100, user: 100, idle: 800, iowait: 0 }, { kernel: 150, user: 200, idle: 1000, iowait: 50 })).toBeCloseTo(37.5); // 150 busy of 400
    expect(hostMemory({ total: 1000, free: 200, buffers: 100, cached: 100 })).toEqual({ used: 600 * 1024, total: 1000 * 1024 });
  });
});
