import { JOB_KINDS, type Job, type JobTarget, type JobWait } from '../contract/jobs';

/** One lock per typed target. */
export const targetKey = (t: JobTarget): string => `${t.kind}:${t.id}`;

/** Whether `job` descends from `ancestorId`: a child never waits for the lock its parent holds. */
function descendsFrom(job: Job, ancestorId: string, byId: (id: string) => Job | undefined): boolean {
  for (let p = job.parentId, n = 0; p && n < 32; p = byId(p)?.parentId, n++) if (p === ancestorId) return true;
  return false;
}

/**
 * The job that holds `job`'s target, if any: one running on it, or one queued on it ahead of
 * `job` (a job not yet in `active` is behind every queued one).
 */
export function lockHolder(job: Job, active: readonly Job[], byId: (id: string) => Job | undefined): Job | null {
  if (!job.target || !JOB_KINDS[job.kind].mutating) return null;
  const key = targetKey(job.target);
  const own = active.findIndex((a) => a.id === job.id);
  for (const [i, other] of active.entries()) {
    if (other.id === job.id || !other.target || !JOB_KINDS[other.kind].mutating || targetKey(other.target) !== key) continue;
    if (descendsFrom(job, other.id, byId) || descendsFrom(other, job.id, byId)) continue;
    if (other.state === 'running') return other;
    if (other.state === 'queued' && (own < 0 || i < own)) return other;
  }
  return null;
}

/** A job of the same kind already running or waiting on `job`'s target (a request made twice). */
export function sameKindOnTarget(job: Job, active: readonly Job[]): Job | null {
  if (!job.target) return null;
  const key = targetKey(job.target);
  return active.find((a) => a.id !== job.id && a.kind === job.kind && a.target !== undefined && targetKey(a.target) === key) ?? null;
}

export type KindLimits = { perHost?: number; fleet?: number };

/** The limits a kind declares in JOB_KINDS. */
export const declaredLimits = (kind: Job['kind']): KindLimits | undefined => (JOB_KINDS[kind] as { limits?: KindLimits }).limits;

/**
 * Why `job` (queued) cannot start now, or null when it may. `active`: queued and running jobs,
 * oldest first. `limitsOf`: the kind's limits in force (a setting may override what JOB_KINDS declares).
 */
export function blocker(job: Job, active: readonly Job[], byId: (id: string) => Job | undefined, limitsOf: (kind: Job['kind']) => KindLimits | undefined = declaredLimits): JobWait | null {
  const holder = lockHolder(job, active, byId);
  if (holder) return { reason: 'target', jobId: holder.id };
  const limits = limitsOf(job.kind);
  if (limits) {
    const same = active.filter((a) => a.state === 'running' && a.kind === job.kind);
    const { perHost, fleet } = limits;
    if (perHost !== undefined && job.hostId !== undefined && same.filter((a) => a.hostId === job.hostId).length >= perHost) return { reason: 'limit', scope: 'host', limit: perHost };
    if (fleet !== undefined && same.length >= fleet) return { reason: 'limit', scope: 'fleet', limit: fleet };
  }
  return null;
}

/** A parent's progress is its children's: a finished child counts whole, one that cannot tell as nothing. */
export function parentProgress(children: readonly Job[]): number | null {
  if (children.length === 0) return null;
  const done = (c: Job) => c.state !== 'queued' && c.state !== 'running';
  return children.reduce((sum, c) => sum + (done(c) ? 1 : (c.progress ?? 0)), 0) / children.length;
}
