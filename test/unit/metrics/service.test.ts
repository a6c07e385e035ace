import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SERIES } from '../../../engine/contract/metrics';
import { silentLogger } from '../../../engine/logger';
import { MetricsService } from '../../../engine/metrics/metrics-service';
import { Db } from '../../../engine/store/db';

const vmValues = (cpu: number, diskWr: number) => SERIES.vm.map((s) => (s === 'cpu' ? cpu : s === 'diskWr' ? diskWr : s === 'swapIn' || s === 'swapOut' ? null : 0));

describe('MetricsService queries (real SQLite)', () => {
  let dir = '';
  let db: Db | null = null;
  let svc: MetricsService | null = null;
  afterEach(async () => {
    await svc?.close();
    await db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ranks top consumers over the period and answers a VM chart with its devices', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-svc-'));
    db = await Db.open(path.join(dir, 'h.db'));
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    let now = t0;
    svc = new MetricsService({ db, logger: silentLogger, intervalSec: () => 5, vmCount: () => 3, migrating: () => [], publish: () => undefined, now: () => now });
    await svc.init();
    // Ten minutes: "busy" uses CPU, "writer" writes, "idle" does neither.
    for (let t = t0; t < t0 + 10 * 60_000; t += 5000) {
      now = t;
      svc.store.add(t, [
        { key: 'vm:busy', kind: 'vm', label: 'busy', values: vmValues(90, 1000) },
        { key: 'vm:writer', kind: 'vm', label: 'writer', values: vmValues(10, 5e7) },
        { key: 'vm:idle', kind: 'vm', label: 'idle', values: vmValues(1, 0) },
        { key: 'nic:busy/vnet0', kind: 'nic', label: 'vnet0', values: [1, 2, 3, 4] },
      ]);
    }
    now = t0 + 10 * 60_000;
    const cpu = await svc.top('cpu', 300, 2);
    expect(cpu.unit).toBe('percent');
    expect(cpu.items.map((i) => i.label)).toEqual(['busy', 'writer']);
    expect(cpu.items[0]!.value).toBeCloseTo(90);
    const io = await svc.top('storageThroughput', 3600, 5);
    expect(io.items.map((i) => i.vmId)).toEqual(['writer', 'busy', 'idle']);
    // No VM reports swap: nobody is listed rather than everyone at zero.
    expect((await svc.top('swap', 3600, 5)).items).toEqual([]);

    const q = await svc.query({ kind: 'vm', vmId: 'busy' }, now - 15 * 60_000, undefined, 720);
    expect(q.resolution).toBe('raw');
    expect(q.groups.map((g) => g.key).sort()).toEqual(['nic:busy/vnet0', 'vm:busy']);
    expect(q.groups.find((g) => g.kind === 'vm')!.t).toHaveLength(120);
    const day = await svc.query({ kind: 'vm', vmId: 'busy' }, now - 86_400_000, undefined, 720);
    expect(day.resolution).toBe('1m');
    expect(day.stepMs).toBe(120_000); // 1,440 minutes bucketed to at most 720 points
    await expect(svc.query({ kind: 'fleet' }, now + 120_000, now + 60_000, 720)).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });

  it('leaves a removed host out of Top consumers (no ghost after removing a duplicate host) (h1-hosts)', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-svc-'));
    db = await Db.open(path.join(dir, 'h.db'));
    const t0 = Date.UTC(2026, 0, 1, 10, 0, 0);
    let now = t0;
    // The inventory's VMs: a VM leaves it with its host (fc-identity: series are keyed by the VM's UUID).
    const vms = new Set(['u1', 'u2']);
    svc = new MetricsService({ db, logger: silentLogger, intervalSec: () => 5, vmCount: () => 2, migrating: () => [], publish: () => undefined, now: () => now, vmExists: (id) => vms.has(id) });
    await svc.init();
    for (let t = t0; t < t0 + 5 * 60_000; t += 5000) {
      now = t;
      svc.store.add(t, [
        { key: 'vm:u1', kind: 'vm', label: 'web', values: vmValues(50, 0) },
        { key: 'vm:u2', kind: 'vm', label: 'db', values: vmValues(40, 0) },
      ]);
    }
    now = t0 + 5 * 60_000;
    expect((await svc.top('cpu', 300, 5)).items.map((i) => i.vmId)).toEqual(['u1', 'u2']);
    vms.delete('u2'); // its host was removed
    expect((await svc.top('cpu', 300, 5)).items.map((i) => i.vmId)).toEqual(['u1']);
  });
});
