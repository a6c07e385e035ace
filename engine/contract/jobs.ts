import { z } from 'zod';
import { ErrorData } from './errors';
import { Message } from './message';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const JobState = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobState>;

export const FINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export const JobId = z.string().min(1).max(64);

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
});
export type Job = z.infer<typeof Job>;

/** What a mutating method returns at once. */
export const JobRef = z.object({ jobId: JobId });
export type JobRef = z.infer<typeof JobRef>;
