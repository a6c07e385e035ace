import { leftovers, type Job } from '../../contract/jobs';
import type { TaskLeftovers } from './snapshot';

/** What finished tasks journalled and still left on hosts, grouped per task and host. */
export function taskLeftovers(jobs: readonly Job[], hostName: (hostId: string) => string | undefined = () => undefined): TaskLeftovers[] {
  const out: TaskLeftovers[] = [];
  for (const j of jobs) {
    const byHost = new Map<string, string[]>();
    for (const a of leftovers(j)) byHost.set(a.hostId, [...(byHost.get(a.hostId) ?? []), a.kind === 'volume' ? `${a.pool}/${a.name}` : a.name]);
    const subject = j.title.args?.['name'];
    for (const [hostId, items] of byHost) out.push({ jobId: j.id, task: subject === undefined ? j.kind : `${j.kind} ${String(subject)}`, hostId, hostName: hostName(hostId) ?? hostId, items });
  }
  return out;
}
