import { z } from 'zod';
import { ErrorData } from './errors';
import { Message } from './message';

/** `interrupted`: the engine stopped (crash, kill, power) while the job ran; it is over, not resumed. */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export const JobState = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobState>;

export const FINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export const JobId = z.string().min(1).max(64);

/**
 * Something a job makes on a host, journalled before the job asks for it, so that a job that
 * stops half-way can say what it left. `creating`: asked for, outcome unknown; `created`: it
 * exists and the job still owns it; `done`: the job succeeded and it is part of the result;
 * `removed`: the job (or a clean-up) deleted it, or it never came to be; `kept`: the user chose
 * to keep a leftover.
 */
export const ARTIFACT_STATES = ['creating', 'created', 'done', 'removed', 'kept'] as const;
export const JobArtifact = z.object({
  id: z.string(),
  kind: z.enum(['volume', 'domain']),
  hostId: z.string(),
  /** The storage pool, for a volume. */
  pool: z.string().optional(),
  name: z.string(),
  /** The libvirt UUID, for a domain: a clean-up never touches a namesake. */
  uuid: z.string().optional(),
  state: z.enum(ARTIFACT_STATES),
});
export type JobArtifact = z.infer<typeof JobArtifact>;

/** What a finished job left on hosts and nobody has dealt with yet. */
export function leftovers(job: Pick<Job, 'state' | 'artifacts'>): JobArtifact[] {
  if (!FINAL_JOB_STATES.includes(job.state)) return [];
  return (job.artifacts ?? []).filter((a) => a.state === 'creating' || a.state === 'created');
}

export const Job = z.object({
  id: JobId,
  kind: z.string(),
  title: Message,
  /** What the job acts on, e.g. `{hostId}` or `{vmId}`; used for filters and conflict checks. */
  target: z.record(z.string(), z.string()).optional(),
  state: JobState,
  /** 0..1, or null when the job cannot tell. */
  progress: z.number().min(0).max(1).nullable(),
  step: Message.nullable(),
  cancellable: z.boolean(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  error: ErrorData.nullable(),
  result: z.unknown().optional(),
  /** What the job made or meant to make on hosts, in order (see JobArtifact). */
  artifacts: z.array(JobArtifact).optional(),
  /** The clean-up job started for this job's leftovers, while or after it runs. */
  cleanupJobId: JobId.optional(),
});
export type Job = z.infer<typeof Job>;

/** What a mutating method returns at once. */
export const JobRef = z.object({ jobId: JobId });
export type JobRef = z.infer<typeof JobRef>;
