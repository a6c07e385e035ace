import { HangarError } from '../contract/errors';
import type { MethodParamsParsed } from '../contract/methods';
import { sleep } from '../common/abort';
import type { JobHandler } from './job-runner';

/**
 * `engine.selfTest`: a job that does nothing but walk through steps. It proves the whole job path
 * (start, progress, cancel, failure, journal) end to end without touching a host.
 */
export function selfTestJob(p: MethodParamsParsed<'engine.selfTest'>): JobHandler {
  return async (ctx) => {
    for (let step = 1; step <= p.steps; step++) {
      ctx.progress((step - 1) / p.steps, { key: 'job.selfTest.step', args: { step, total: p.steps } });
      await sleep(p.stepMs, ctx.signal);
      if (p.failAtStep === step) throw new HangarError('INTERNAL', `Self-test failed at step ${step} as asked`);
    }
    return { steps: p.steps };
  };
}
