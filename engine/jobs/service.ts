import type { EventHub } from '../events/event-hub';
import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import type { Db } from '../store/db';
import { JobRepo } from './job-repo';
import { JobRunner } from './job-runner';
import { resumeSelfTest, selfTestJob, selfTestSpec } from './self-test';

/** The one job runner, its `jobs` and `job.updated` topics, and the methods that list, cancel and clean up jobs. */
export async function jobsService(deps: { db: Db; hub: EventHub; logger: Logger }): Promise<Service & { readonly runner: JobRunner }> {
  const { hub } = deps;
  const runner = new JobRunner(new JobRepo(deps.db), hub, deps.logger);
  await runner.init();
  hub.defineTopic('jobs', { initial: () => runner.jobs.snapshot() });
  runner.jobs.onDelta((delta) => hub.publish('jobs', delta));
  hub.defineTopic('job.updated', { matches: (f, job) => !f.jobId || f.jobId === job.id });
  runner.registerResumer('engine.selfTestResumable', resumeSelfTest);
  return {
    name: 'jobs',
    runner,
    handlers: {
      'engine.selfTest': (p) => runner.start(selfTestSpec(p), selfTestJob(p)),
      'jobs.list': async (p) => ({ jobs: await runner.list(p.limit, p.states) }),
      'jobs.get': async (p) => runner.get(p.jobId),
      'jobs.cancel': (p) => runner.cancel(p.jobId),
      'jobs.cleanup': (p) => runner.cleanup(p.jobId),
      'jobs.keep': (p) => runner.keep(p.jobId),
    },
    // Resumable jobs a previous run left continue with the engine's background work, once every
    // service is open (a one-shot command such as gather leaves them for the next long-lived engine).
    start: () => void runner.resumePending().catch((err: unknown) => deps.logger.error('resuming jobs failed', { error: String(err) })),
    close: () => runner.close(),
  };
}
