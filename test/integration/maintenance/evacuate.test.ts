/**
 * Issue 15, host maintenance against the lab, checked with virsh on the hosts: a host with a
 * shared-disk guest, a local-disk guest (storage copy), a guest whose policy is shutdown and a
 * stopped guest is emptied by one resumable host.evacuate job; a real `hangar serve` is killed with
 * SIGKILL while the moves run and started again on the same data: the evacuation continues, the host
 * ends `ready`, placement and the migration pre-flight refuse it, hosts.remove is refused while it
 * has VMs, and leaving maintenance moves nothing back.
 *
 * Only this test's own guests (maint-*) are moved: the host emptied is lab3 or lab1, whichever holds
 * no other engineer's guest (waiting a while for one to), and the plan is checked to name only ours
 * before the evacuation starts.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, HostMaintenance, Job } from '../../../engine/contract';
import { connectApi } from '../../bench/ws-api';
import { startServe, tempDataDir, type Serve } from '../../e2e/serve-fixture';
import { defineDomain, readLabInfo, shellQuote, sshExec, sshRun, testGuestXml, virsh, waitFor, type LabHost } from '../../lab/lab-info';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const lab = readLabInfo();
const TAG = crypto.randomBytes(2).toString('hex');
const NAMES = { shared: `maint-shared-${TAG}`, local: `maint-local-${TAG}`, down: `maint-down-${TAG}`, stopped: `maint-stopped-${TAG}` };
const ALL = Object.values(NAMES);
const isOurs = (n: string) => n.startsWith('maint-');

type Api = Awaited<ReturnType<typeof connectApi>>;

async function domainsOn(h: LabHost): Promise<string[]> {
  return (await virsh(h, ['list', '--all', '--name'])).split('\n').map((s) => s.trim()).filter(Boolean);
}

describe.skipIf(lab.hosts.length < 3)('host maintenance empties a host, survives kill -9, and ends ready', () => {
  let dataDir: string;
  let home: string;
  const serves: Serve[] = [];
  let api: Api;
  let source: LabHost;
  let localPoolPath = '';

  beforeAll(async () => {
    const built = spawnSync(process.execPath, ['scripts/build.mjs', 'cli'], { cwd: ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
    // The host to empty: lab3 or lab1, holding nobody else's guest.
    const candidates = [lab.hosts[2]!, lab.hosts[0]!];
    source = await waitFor(
      'lab3 or lab1 without other engineers\' guests',
      async () => {
        for (const h of candidates) if ((await domainsOn(h)).every(isOurs)) return h;
        return undefined;
      },
      300_000,
      5_000,
    );
    console.log(`[maint] emptying ${source.name}`);
    localPoolPath = (await sshRun(source, `virsh pool-dumpxml default | sed -n 's:.*<path>\\(.*\\)</path>.*:\\1:p'`)).trim();
    const sharedDisk = path.join(lab.sharedPoolPath, `${NAMES.shared}.qcow2`);
    const localDisk = path.join(localPoolPath, `${NAMES.local}.qcow2`);
    await sshRun(source, `qemu-img create -q -f qcow2 ${shellQuote(sharedDisk)} 32M && qemu-img create -q -f qcow2 ${shellQuote(localDisk)} 32M && virsh -q pool-refresh shared && virsh -q pool-refresh default`);
    for (const h of lab.hosts) if (h !== source) await sshRun(h, 'virsh -q pool-refresh shared');
    await defineDomain(source, testGuestXml({ name: NAMES.shared, memoryMiB: 192, disk: sharedDisk, network: null, lab }));
    await defineDomain(source, testGuestXml({ name: NAMES.local, memoryMiB: 192, disk: localDisk, network: null, lab }));
    await defineDomain(source, testGuestXml({ name: NAMES.down, memoryMiB: 128, network: null, lab }));
    await defineDomain(source, testGuestXml({ name: NAMES.stopped, memoryMiB: 128, network: null, lab }));
    for (const n of [NAMES.shared, NAMES.local, NAMES.down]) await virsh(source, ['start', n]);
    dataDir = await tempDataDir();
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-maint-home-'));
  }, 600_000);

  afterAll(async () => {
    for (const s of serves) await s.stop().catch(() => undefined);
    for (const h of lab.hosts) {
      const cmd = ALL.map((n) => `virsh -q destroy ${n} >/dev/null 2>&1; virsh -q undefine ${n} >/dev/null 2>&1;`).join(' ');
      await sshRun(h, `${cmd} rm -f ${shellQuote(lab.sharedPoolPath)}/maint-*-${TAG}.qcow2; for p in $(virsh -q pool-list --name); do for v in $(virsh -q vol-list "$p" 2>/dev/null | awk '{print $1}' | grep '^maint-.*-${TAG}'); do virsh -q vol-delete "$v" --pool "$p" >/dev/null 2>&1; done; done; true`).catch(() => undefined);
    }
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    if (home) await fs.rm(home, { recursive: true, force: true });
  });

  const serve = async () => {
    const s = await startServe(dataDir, [], { HOME: home });
    serves.push(s);
    return { s, api: await connectApi(s.url) };
  };
  const job = (jobId: string) => api.call('jobs.get', { jobId });

  it('plans, refuses removal, evacuates across a kill -9, ends ready, and leaving moves nothing back', async () => {
    const first = await serve();
    api = first.api;
    const hosts: Host[] = [];
    for (const h of lab.hosts) hosts.push(await api.call('hosts.add', { address: h.address, name: h.name, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint }));
    const hostId = hosts.find((h) => h.name === source.name)!.id;
    const nameOf = (id: string | null) => hosts.find((h) => h.id === id)?.name ?? null;
    await waitFor('our four guests in the inventory', async () => (await api.call('vms.list', {})).vms.filter((v) => ALL.includes(v.name) && v.hostId === hostId).length === 4, 60_000, 500);
    const idOf = async (n: string) => (await api.call('vms.list', {})).vms.find((v) => v.name === n)!.id;
    const downId = await idOf(NAMES.down);

    // The plan, VM by VM, before anything moves.
    // Another engineer's guest may pass through the host: wait for it to leave rather than move it.
    const plan = await waitFor(
      'a plan that names only our guests',
      async () => {
        const p = await api.call('hosts.maintenancePlan', { hostId, actions: { [downId]: 'shutdown' } });
        if (!p.steps.every((s) => isOurs(s.name))) console.log(`[maint] waiting: others' guests on ${source.name}: ${p.steps.filter((s) => !isOurs(s.name)).map((s) => s.name).join(', ')}`);
        return p.steps.every((s) => isOurs(s.name)) && p;
      },
      300_000,
      10_000,
    );
    const byName = Object.fromEntries(plan.steps.map((s) => [s.name, s]));
    console.log(`[maint] plan: ${plan.steps.map((s) => `${s.name} → ${s.action} ${nameOf(s.targetHostId) ?? '-'}${s.blocked ? ` (blocked ${JSON.stringify(s.blocked)})` : ''}`).join('; ')}`);
    expect(plan.steps.every((s) => isOurs(s.name)), 'only our guests are on the host').toBe(true);
    for (const storage of ['shared', 'copy'] as const) {
      const pre = await api.call('vms.migrateCheck', { vmId: await idOf(NAMES.shared), storage });
      console.log(`[maint] pre-flight (${storage}) of ${NAMES.shared}: candidates ${pre.candidates.map((c) => c.host).join(', ')}; refused ${pre.refused.map((r) => `${r.host}: ${r.reasons.map((x) => JSON.stringify(x)).join('+')}`).join('; ') || 'none'}`);
    }
    expect(byName[NAMES.shared]).toMatchObject({ action: 'migrate', blocked: null });
    expect(byName[NAMES.local]).toMatchObject({ action: 'migrateCopy', blocked: null });
    expect(byName[NAMES.down]).toMatchObject({ action: 'shutdown', blocked: null });
    expect(byName[NAMES.stopped]).toMatchObject({ action: 'moveDefinition', blocked: null });
    for (const s of plan.steps) expect(s.targetHostId).not.toBe(hostId);

    // A host that still has VMs cannot be removed.
    const { jobId: removeJob } = await api.call('hosts.remove', { hostId });
    const removal = await waitFor('the removal to end', async () => { const j = await job(removeJob); return j.state !== 'queued' && j.state !== 'running' && j; }, 30_000, 200);
    expect(removal.state).toBe('failed');
    expect(removal.error?.message).toMatch(/still has .*VM/);

    // Enter: the host is preparing at once, and one parent job runs the moves.
    const t0 = Date.now();
    const { jobId } = await api.call('hosts.enterMaintenance', { hostId, actions: { [downId]: 'shutdown' }, shutdownTimeoutSec: 30, planVmIds: plan.steps.map((s) => s.vmId) });
    expect((await api.call('hosts.maintenance', { hostId })).state).toBe('preparing');
    expect((await api.call('hosts.list', {})).hosts.find((h) => h.id === hostId)!.maintenance).toBe('preparing');

    // kill -9 while a migration runs.
    await waitFor('a move running under the evacuation', async () => (await api.call('jobs.list', { limit: 200 })).jobs.some((j) => j.parentId === jobId && j.kind === 'vm.migrate' && j.state === 'running'), 120_000, 100);
    const mid: HostMaintenance = await api.call('hosts.maintenance', { hostId });
    console.log(`[maint] killed at ${Date.now() - t0} ms: ${mid.plan!.steps.map((s) => `${s.name}=${s.state}`).join(', ')}`);
    api.close();
    await first.s.kill();

    const second = await serve();
    api = second.api;
    const t1 = Date.now();
    const end = await waitFor(
      'the host to end its evacuation',
      async () => {
        const m = await api.call('hosts.maintenance', { hostId });
        return m.state !== 'preparing' && m;
      },
      600_000,
      1000,
    );
    const parent: Job = await job(jobId);
    console.log(`[maint] ${end.state} ${Date.now() - t1} ms after the restart (${Date.now() - t0} ms in all); steps: ${end.plan!.steps.map((s) => `${s.name}=${s.state}${s.error ? ` ${JSON.stringify(s.error)}` : ''}`).join(', ')}`);
    expect(parent.state).toBe('succeeded');
    expect(end.state).toBe('ready');
    expect(end.plan!.steps.every((s) => s.state === 'done')).toBe(true);

    // virsh on every host: nothing of ours is left on the source; each went where planned and as planned.
    expect((await domainsOn(source)).filter((n) => ALL.includes(n))).toEqual([]);
    for (const [name, state] of [[NAMES.shared, 'running'], [NAMES.local, 'running'], [NAMES.down, 'shut off'], [NAMES.stopped, 'shut off']] as const) {
      const where = [];
      for (const h of lab.hosts) if ((await domainsOn(h)).includes(name)) where.push(h);
      expect(where.map((h) => h.name), name).toHaveLength(1);
      expect((await virsh(where[0]!, ['domstate', name])).trim(), name).toBe(state);
      if (state === 'running') expect((await virsh(where[0]!, ['domstate', '--reason', name])).trim(), name).toMatch(/running \(migrated/);
    }
    // The copied disk is whole on its new host.
    let localHost: LabHost | undefined;
    for (const h of lab.hosts) if ((await domainsOn(h)).includes(NAMES.local)) localHost = h;
    const disk = (await virsh(localHost!, ['domblklist', NAMES.local])).split('\n').map((l) => l.trim().split(/\s+/)).find((c) => c[0] === 'vda')![1]!;
    const qcheck = await sshExec(localHost!, `qemu-img check -U ${shellQuote(disk)}`);
    expect(qcheck.code, qcheck.stdout + qcheck.stderr).toBe(0);

    // Placement and the migration pre-flight skip a host in maintenance.
    const sharedId = await idOf(NAMES.shared);
    const check = await api.call('vms.migrateCheck', { vmId: sharedId, hostId });
    expect(check.candidates).toEqual([]);
    expect(check.refused.find((r) => r.hostId === hostId)?.reasons.map((r) => r.key)).toContain('placement.why.maintenance');

    // Leaving moves nothing back.
    const exit = await api.call('hosts.exitMaintenance', { hostId });
    await waitFor('leaving maintenance', async () => (await job(exit.jobId)).state === 'succeeded', 30_000, 200);
    expect((await api.call('hosts.maintenance', { hostId })).state).toBe('none');
    await new Promise((r) => setTimeout(r, 3000));
    expect((await domainsOn(source)).filter((n) => ALL.includes(n))).toEqual([]);
  }, 900_000);
});
