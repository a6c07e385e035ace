import { FINAL_JOB_STATES, type Job, type JobMethodName, type JobRef, type JobResult, type MethodParams } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import { useJobs } from '../stores/jobs-store';
import { call } from './call';

/** Resolves with the job once the jobs collection shows it finished. */
export function followJob(jobId: string): Promise<Job> {
  return new Promise((resolve) => {
    const done = (byId: Record<string, Job>): boolean => {
      const job = byId[jobId];
      if (!job || !FINAL_JOB_STATES.includes(job.state)) return false;
      resolve(job);
      return true;
    };
    if (done(useJobs.getState().byId)) return;
    const off = useJobs.subscribe((s) => {
      if (done(s.byId)) off();
    });
  });
}

/**
 * Calls a method that answers with a job and follows the job: resolves with its result, or
 * rejects with its error (a queued job waits its turn first). The screen reads it like an answer.
 */
export async function runJob<M extends JobMethodName>(method: M, params: MethodParams<M>): Promise<JobResult<M>> {
  const { jobId } = (await call(method, params)) as JobRef;
  const job = await followJob(jobId);
  if (job.state === 'succeeded') return job.result as JobResult<M>;
  throw job.error ? HangarError.fromData(job.error) : new HangarError('CANCELLED', `The task ended ${job.state}`);
}

export const cancelJob = (jobId: string) => call('jobs.cancel', { jobId });

export const cleanUpJobLeftovers = (jobId: string) => call('jobs.cleanup', { jobId });

export const keepJobLeftovers = (jobId: string) => call('jobs.keep', { jobId });
