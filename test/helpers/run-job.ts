import { FINAL_JOB_STATES, type Job, type JobMethodName, type JobResult, type MethodParams } from '../../engine/contract';
import { HangarError } from '../../engine/contract/errors';
import type { Engine } from '../../engine/engine';

/** Polls a job until it has finished (or the time is up) and returns it as it ended. */
export async function finishedJob(engine: Pick<Engine, 'call'>, jobId: string, timeoutMs = 120_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await engine.call('jobs.get', { jobId });
    if (FINAL_JOB_STATES.includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} (${job.kind}) still ${job.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Calls a method that answers with a job and waits for it: resolves with the job's result, or
 * rejects with the job's error, as the direct answer did before these methods became jobs.
 */
export async function runJob<M extends JobMethodName>(engine: Pick<Engine, 'call'>, method: M, params: MethodParams<M>): Promise<JobResult<M>> {
  const { jobId } = (await engine.call(method, params)) as { jobId: string };
  const job = await finishedJob(engine, jobId);
  if (job.state !== 'succeeded') throw job.error ? HangarError.fromData(job.error) : new HangarError('CANCELLED', `The task ended ${job.state}`);
  return job.result as JobResult<M>;
}
