import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SERIES, type MetricsSample } from '../../../engine/contract/metrics';
import { silentLogger } from '../../../engine/logger';
import { RoundComputer } from '../../../engine/metrics/host-sampler';
import { MetricsService } from '../../../engine/metrics/metrics-service';
import { parsePoolProbe, poolProbeCommand } from '../../../engine/metrics/pool-identity';
import { poolTargetPath } from '../../../engine/xml/pool';
import { Db } from '../../../engine/store/db';

const GiB = 1024 ** 3;

describe('shared pools', () => {
  it('recognises a directory on a shared filesystem by mount source and inode, and a local disk as its own', () => {
    const paths = ['/var/lib/libvirt/images', "/srv/it's shared"];
    const out = ['ext4   /dev/vda[/hosts/lab1]', '5367134', '--hangar-pool--', 'fuse.glusterfs /srv/shared-data', '5367126', '--hangar-pool--', ''].join('\n');
    expect(parsePoolProbe(out, paths)).toEqual(new Map([["/srv/it's shared", 'shared:fuse.glusterfs /srv/shared-data#5367126']]));
    // A path the probe could not stat is nobody's shared pool.
    expect(parsePoolProbe('nfs srv:/export\n-\n--hangar-pool--\n', ['/x']).size).toBe(0);
  });

  it('quotes every path it probes (a pool path is host data, never shell code)', () => {
    const cmd = poolProbeCommand(['/a b', "/x';reboot;'"]);
    expect(cmd).toContain("'-T' '/a b'");
    expect(cmd).toContain(`'--' '/x'\\'';reboot;'\\'''`);
  });

  it("reads a pool's target directory, not its source's", () => {
    const xml = `<pool type='netfs'><name>n</name><source><host name='nfs1'/><dir path='/export'/></source><target><path>/mnt/a&amp;b</path></target></pool>`;
    expect(poolTargetPath(xml)).toBe('/mnt/a&b');
    expect(poolTargetPath(`<pool type='rbd'><source><name>x</name></source></pool>`)).toBeNull();
  });
});

describe('fleet totals', () => {
  let dir = '';
  let db: Db | null = null;
  let svc: MetricsService | null = null;
  afterEach(async () => {
    await svc?.close();
    await db?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("count a pool two hosts share once, and host memory as each host's physical memory", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mx-fleet-'));
    db = await Db.open(path.join(dir, 'h.db'));
    const published: MetricsSample[] = [];
    const now = Date.UTC(2026, 0, 1, 10, 0, 0);
    svc = new MetricsService({ db, logger: silentLogger, intervalSec: () => 5, vmCount: () => 0, migrating: () => [], publish: (s) => published.push(s), now: () => now });
    await svc.init();
    // Two hosts on one big machine: the memory counters see 24 GiB, each host has 7 GiB.
    const mem = { total: 24 * 1024 * 1024, free: 20 * 1024 * 1024 };
    for (const h of ['lab1', 'lab2']) {
      const round = new RoundComputer(h, 2).compute(
        now,
        [],
        null,
        mem,
        [
          { name: 'default', capacity: 250 * GiB, allocation: 10 * GiB, available: 240 * GiB },
          { name: 'shared', capacity: 250 * GiB, allocation: 20 * GiB, available: 230 * GiB, key: 'shared:fuse.glusterfs /srv#42' },
        ],
        0,
        new Map(),
        7 * GiB,
      );
      (svc as unknown as { onRound(r: unknown): void }).onRound({ ...round, cpuMs: 0 });
    }
    svc.fleetRound();
    const fleet = published.find((s) => s.hostId === 'fleet')!.entities[0]!.values;
    const v = (name: (typeof SERIES.fleet)[number]) => fleet[SERIES.fleet.indexOf(name)];
    expect(v('memTotal')).toBe(14 * GiB);
    expect(v('memUsed')).toBe(8 * GiB); // 4 GiB used per host as the counters say, within its 7
    expect(v('storageCap')).toBe(750 * GiB); // two local pools and the shared one, once
    expect(v('storageAlloc')).toBe(40 * GiB);
  });
});
