import { HangarError } from '../contract/errors';
import type { Host } from '../contract/hosts';
import type { JobKind, JobRef } from '../contract/jobs';
import type { JobRunner } from '../jobs/job-runner';
import type { HostManager } from './host-manager';

type HostKind = Extract<JobKind, `host.${string}`>;

/**
 * What changes a host is a job on the host (DESIGN §2): it takes the host's lock, shows on the
 * Tasks page and in the host's history, and its result is what the direct answer used to be.
 */
export function hostJob(jobs: JobRunner, hosts: HostManager, kind: HostKind, hostId: string, work: () => Promise<unknown>): Promise<JobRef> {
  const host: Host | undefined = hosts.hosts.get(hostId);
  if (!host) throw new HangarError('NOT_FOUND', `No host ${hostId}`);
  return jobs.start({ kind, title: { key: `job.${kind}`, args: { name: host.name } }, target: { kind: 'host', id: hostId }, hostId, cancellable: false }, () => work());
}
