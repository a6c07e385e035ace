import crypto from 'node:crypto';
import type { Host, Job, Vm } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { defineDomain, labTimeouts, readLabInfo, readSerialLog, sshExec, sshRun, testGuestXml, virsh, waitFor, type LabHost, type LabInfo } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';

/**
 * The migration tests' lab: an engine with lab1 and lab2 added, guests named `miglive-*` (with
 * their volumes) made through virsh, every one of them removed from every host afterwards.
 */
export interface MigLab {
  lab: LabInfo;
  engine: Engine;
  h1: LabHost;
  h2: LabHost;
  hosts: Host[];
  hostId(h: LabHost): string;
  jobs: Map<string, Job>;
  finished(jobId: string, ms?: number): Promise<Job>;
  /** A guest on h1 (started unless `start: false`), visible in the engine's inventory; disk: 'shared' | 'local' | none. */
  guest(what: string, opts?: { disk?: 'shared' | 'local'; start?: boolean; memoryMiB?: number }): Promise<{ name: string; vm: Vm; volume: string | null; pool: string | null }>;
  vmOn(name: string): Promise<Vm>;
  dispose(): Promise<void>;
}

export const tag = crypto.randomBytes(3).toString('hex');

export async function migLab(label: string): Promise<MigLab> {
  const lab = readLabInfo();
  const [h1, h2] = lab.hosts as [LabHost, LabHost];
  const t = await labEngine(lab, `miglive-${label}`);
  const engine = t.engine;
  const jobs = new Map<string, Job>();
  engine.subscribe('job.updated', {}, (j) => jobs.set(j.id, j));
  for (const h of [h1, h2]) await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
  const hosts = await waitFor('both hosts connected with facts', async () => {
    const hs = (await engine.call('hosts.list', {})).hosts;
    return hs.length === 2 && hs.every((h) => h.state === 'connected' && h.facts) ? hs : undefined;
  }, 60_000, 200);
  const names: { name: string; volume: string | null; pool: string | null }[] = [];
  const vmOn = (name: string) =>
    waitFor(`${name} in the inventory`, async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === name), 30_000, 200);
  return {
    lab,
    engine,
    h1,
    h2,
    hosts,
    hostId: (h) => hosts.find((x) => x.name === h.name)!.id,
    jobs,
    finished: (jobId, ms = 180_000) =>
      waitFor(`job ${jobId} to finish`, async () => {
        const j = jobs.get(jobId) ?? (await engine.call('jobs.get', { jobId }));
        return j.state !== 'queued' && j.state !== 'running' ? j : undefined;
      }, ms, 100),
    async guest(what, opts = {}) {
      const name = `miglive-${what}-${tag}`;
      let disk: string | undefined;
      let volume: string | null = null;
      let pool: string | null = null;
      if (opts.disk) {
        pool = opts.disk === 'shared' ? 'shared' : 'default';
        volume = `${name}.qcow2`;
        await virsh(h1, ['vol-create-as', pool, volume, '64M', '--format', 'qcow2']);
        disk = (await virsh(h1, ['vol-path', '--pool', pool, volume])).trim();
      }
      names.push({ name, volume, pool });
      await defineDomain(h1, testGuestXml({ name, network: null, lab, ...(disk ? { disk } : {}), ...(opts.memoryMiB ? { memoryMiB: opts.memoryMiB } : {}) }), { lab });
      if (opts.start !== false) {
        await virsh(h1, ['start', name]);
        await waitFor(`${name} to boot`, async () => (await readSerialLog(h1, name)).includes(lab.guest.banner), labTimeouts(lab).bootMs, 250);
      }
      const vm = await waitFor(`${name} in the inventory on ${h1.name}`, async () => {
        const v = (await engine.call('vms.list', {})).vms.find((x) => x.name === name);
        return v && (opts.start === false || v.state === 'running') ? v : undefined;
      }, 30_000, 200);
      return { name, vm, volume, pool };
    },
    vmOn,
    async dispose() {
      await t.dispose();
      for (const h of lab.hosts) {
        const cmds = names.map(({ name, volume }) => {
          const q = (s: string) => `'${s}'`;
          return `virsh destroy ${q(name)} >/dev/null 2>&1; virsh undefine ${q(name)} --nvram >/dev/null 2>&1; ${volume ? `virsh vol-delete --pool default ${q(volume)} >/dev/null 2>&1; virsh vol-delete --pool shared ${q(volume)} >/dev/null 2>&1;` : ''}`;
        });
        await sshRun(h, `${cmds.join(' ')} true`).catch(() => undefined);
      }
    },
  };
}

/** `virsh domstate --reason` on a host, or null when the domain is not there. */
export async function domstate(h: LabHost, name: string): Promise<string | null> {
  const r = await sshExec(h, `virsh domstate '${name}' --reason`);
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Names of all domains (running or not) on a host. */
export async function domains(h: LabHost): Promise<string[]> {
  return (await virsh(h, ['list', '--all', '--name'])).split('\n').map((s) => s.trim()).filter(Boolean);
}
