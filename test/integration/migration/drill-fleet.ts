/**
 * The engine side of the migration drills and bench:migrate: lab hosts added to an in-process
 * engine, VMs found by name, and a sampler of the engine's migration jobs over time.
 */
import type { Job, Vm } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { waitFor, type LabHost, type LabInfo } from '../../lab/lab-info';

/** Adds the lab hosts (trusting the fingerprints lab.json names); returns host ids by lab name, once each is connected. */
export async function addLabHosts(engine: Engine, lab: LabInfo, hosts: readonly LabHost[] = lab.hosts): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const h of hosts) {
    const host = await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, name: h.name, acceptHostKey: h.hostKeyFingerprint });
    ids[h.name] = host.id;
  }
  await waitFor('the lab hosts connected', async () => {
    const list = (await engine.call('hosts.list', {})).hosts;
    return Object.values(ids).every((id) => list.find((x) => x.id === id)?.state === 'connected');
  }, 60_000, 200);
  return ids;
}

/** Waits until the engine shows the VM named `name` and `ok(vm)` holds. */
export async function vmWhen(engine: Engine, name: string, what: string, ok: (vm: Vm) => boolean, timeoutMs = 60_000): Promise<Vm> {
  return waitFor(`${name}: ${what}`, async () => {
    const vm = (await engine.call('vms.list', {})).vms.find((v) => v.name === name);
    return vm && ok(vm) ? vm : undefined;
  }, timeoutMs, 100);
}

export interface JobSample {
  at: number;
  /** Migration jobs running, by source host id. */
  running: Record<string, number>;
  fleet: number;
  queuedForLimit: number;
}

/** Polls the engine's job list every `intervalMs` and records how many migrations run at once, per source host and in the fleet. */
export class MigrationJobSampler {
  readonly samples: JobSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private busy = false;

  constructor(private engine: Engine, private jobIds: () => readonly string[], intervalMs = 100) {
    this.timer = setInterval(() => void this.tick(), intervalMs);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const mine = new Set(this.jobIds());
      const { jobs } = await this.engine.call('jobs.list', { limit: 1000, states: ['queued', 'running'] });
      const ours = jobs.filter((j: Job) => j.kind === 'vm.migrate' && mine.has(j.id));
      const running: Record<string, number> = {};
      for (const j of ours.filter((j) => j.state === 'running')) running[j.hostId ?? '?'] = (running[j.hostId ?? '?'] ?? 0) + 1;
      this.samples.push({
        at: Date.now(),
        running,
        fleet: ours.filter((j) => j.state === 'running').length,
        queuedForLimit: ours.filter((j) => j.state === 'queued' && j.waitingFor?.reason === 'limit').length,
      });
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get maxFleet(): number {
    return Math.max(0, ...this.samples.map((s) => s.fleet));
  }

  get maxPerHost(): number {
    return Math.max(0, ...this.samples.flatMap((s) => Object.values(s.running)));
  }
}
