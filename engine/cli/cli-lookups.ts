import { HangarError } from '../contract/errors';
import type { Job } from '../contract/jobs';
import type { Engine } from '../engine';

/** Known hosts connect in the background: give them a moment; one that stays unreachable is the caller's to report. */
export async function hostsSettled(engine: Pick<Engine, 'call'>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { hosts } = await engine.call('hosts.list', {});
    if (hosts.every((h) => h.state !== 'connecting') || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A VM by name, id or UUID; a name on several hosts must be given by UUID. A host's inventory
 * arrives a moment after it connects, so a VM not seen yet is looked for a little longer.
 */
export async function vmIdByName(engine: Pick<Engine, 'call'>, n: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let found: { id: string; lastSeen?: unknown }[] = [];
  for (;;) {
    const { vms } = await engine.call('vms.list', {});
    found = vms.filter((v) => v.name === n || v.id === n || v.uuid === n);
    // At start the list holds the last-known VMs (warm start) before their hosts answer: wait for
    // the live one, so the command does not act on a host that is still connecting.
    if ((found.length > 0 && found.every((v) => !v.lastSeen)) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (found.length === 0) {
    const { hosts } = await engine.call('hosts.list', {});
    throw new HangarError('NOT_FOUND', `No VM ${n} (hosts: ${hosts.map((h) => `${h.name} ${h.state}${h.lastError ? ` (${h.lastError.message})` : ''}`).join(', ') || 'none'})`);
  }
  if (found.length > 1) throw new HangarError('INVALID_PARAMS', `VM name ${n} is on several hosts: give its UUID`);
  return found[0]!.id;
}

/** Follows a job to its end, its percent on stderr; resolves with the job as it ended. */
export function followJob(engine: Pick<Engine, 'call' | 'subscribe'>, jobId: string): Promise<Job> {
  return new Promise<Job>((resolve) => {
    const settle = (j: Job) => {
      if (j.state !== 'succeeded' && j.state !== 'failed' && j.state !== 'cancelled' && j.state !== 'interrupted') return false;
      off();
      resolve(j);
      return true;
    };
    const off = engine.subscribe('job.updated', { jobId }, (j) => {
      if (!settle(j) && j.progress !== null && j.state === 'running') process.stderr.write(`\r${Math.round(j.progress * 100)}%   `);
    });
    void engine.call('jobs.get', { jobId }).then(settle, () => undefined);
  });
}
