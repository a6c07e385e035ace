/**
 * The maintenance plan of a host holding hundreds of domains comes back in seconds: the pre-flight
 * of every VM shares one probe per target host and one batched path check per host, instead of
 * two SSH execs, a volume listing and a CPU comparison per VM and per target.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../engine/engine';
import { defineBulk, undefineBulk } from '../../bench/bulk-domains';
import { readLabInfo, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';

const lab = readLabInfo();
const PREFIX = 'mplan-it';
const PER_HOST = 300;

describe.skipIf(lab.hosts.length < 3)(`the maintenance plan of a host with ${PER_HOST} domains`, () => {
  const source = lab.hosts[2] as LabHost;
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;

  beforeAll(async () => {
    await defineBulk(lab, [source], PREFIX, PER_HOST, 'c3d4');
  }, 300_000);

  afterAll(async () => {
    await t?.dispose();
    await undefineBulk(lab, [source], PREFIX);
  }, 300_000);

  it('names every VM with a target or a reason, in seconds', async () => {
    t = await labEngine(lab, 'mplan');
    const engine = t.engine;
    const hosts = await Promise.all(lab.hosts.map((h) => engine.call('hosts.add', { address: h.address, name: h.name, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint })));
    const hostId = hosts.find((h) => h.name === source.name)!.id;
    const ours = async () => (await engine.call('vms.list', {})).vms.filter((v) => v.name.startsWith(`${PREFIX}-`) && v.hostId === hostId);
    await waitFor(`all ${PER_HOST} in the inventory`, async () => (await ours()).length >= PER_HOST, 120_000, 250);
    const t0 = Date.now();
    const plan = await engine.call('hosts.maintenancePlan', { hostId, actions: {} });
    const ms = Date.now() - t0;
    const steps = plan.steps.filter((s) => s.name.startsWith(`${PREFIX}-`));
    const blocked = steps.filter((s) => s.blocked);
    console.log(JSON.stringify({ planMs: ms, steps: steps.length, blocked: blocked.length, firstBlocked: blocked[0]?.blocked, targets: [...new Set(steps.map((s) => s.targetHostId))].length }));
    expect(steps).toHaveLength(PER_HOST);
    // Stopped and defined on a shared read-only disk: each moves its definition to another host.
    for (const s of steps) expect(s).toMatchObject({ action: 'moveDefinition', blocked: null });
    expect(ms).toBeLessThan(30_000);
  }, 600_000);
});
