import { HangarError } from '../contract/errors';
import type { Job } from '../contract/jobs';
import type { MethodParamsParsed } from '../contract/methods';
import { sleep } from '../common/abort';
import type { JobContext, JobHandler, JobResumer, JobSpec } from './job-runner';

type Params = MethodParamsParsed<'engine.selfTest'>;

/** What the resumable self-test persists after each step: enough to continue after a restart. */
interface SelfTestState {
  steps: number;
  stepMs: number;
  done: number;
  /** How many times the job has run (1 + restarts survived). */
  runs: number;
  resumedAt: number[];
}

async function walk(ctx: JobContext, from: number, p: Pick<Params, 'steps' | 'stepMs' | 'failAtStep'>, after?: (step: number) => Promise<void>): Promise<void> {
  for (let step = from; step <= p.steps; step++) {
    ctx.progress((step - 1) / p.steps, { key: 'job.selfTest.step', args: { step, total: p.steps } });
    await sleep(p.stepMs, ctx.signal);
    if (p.failAtStep === step) throw new HangarError('INTERNAL', `Self-test failed at step ${step} as asked`);
    await after?.(step);
  }
}

/** Walks the steps, saving after each one; a run after a restart goes on from the last step saved. */
function resumableWalk(ctx: JobContext): Promise<unknown> {
  const s = ctx.state as SelfTestState;
  const state: SelfTestState = { ...s, runs: s.runs + 1, resumedAt: s.runs > 0 ? [...s.resumedAt, s.done] : s.resumedAt };
  return (async () => {
    await ctx.saveState(state);
    await walk(ctx, state.done + 1, state, (done) => ctx.saveState({ ...state, done }));
    return { steps: state.steps, runs: state.runs, resumedAt: state.resumedAt };
  })();
}

/** The self-test's spec: the resumable variant is its own kind, since a kind declares resumability. */
export function selfTestSpec(p: Params): JobSpec {
  return {
    kind: p.resumable ? 'engine.selfTestResumable' : 'engine.selfTest',
    title: { key: p.children ? 'job.selfTest.parent' : 'job.selfTest.title', args: { steps: p.steps, ...(p.children ? { children: p.children } : {}) } },
    ...(p.target ? { target: p.target } : {}),
    cancellable: true,
    ...(p.resumable ? { stepState: { steps: p.steps, stepMs: p.stepMs, done: 0, runs: 0, resumedAt: [] } satisfies SelfTestState } : {}),
  };
}

/**
 * `engine.selfTest`: a job that does nothing but walk through steps. It proves the whole job path
 * (start, progress, cancel, failure, journal, locks, nesting, resume) end to end without a host.
 */
export function selfTestJob(p: Params): JobHandler {
  if (p.resumable) {
    return (ctx) => resumableWalk(ctx);
  }
  if (p.children) {
    const children = p.children;
    return async (ctx) => {
      const refs = [];
      for (let i = 1; i <= children; i++) {
        refs.push(await ctx.child({ kind: 'engine.selfTest', title: { key: 'job.selfTest.child', args: { index: i, total: children } }, cancellable: true }, selfTestJob({ ...p, children: 0 })));
      }
      const done: Job[] = await Promise.all(refs.map((r) => ctx.finished(r.jobId)));
      const bad = done.find((j) => j.state !== 'succeeded');
      if (bad) throw new HangarError(bad.state === 'cancelled' ? 'CANCELLED' : 'INTERNAL', `A child task ended ${bad.state}`);
      return { children: done.length };
    };
  }
  return async (ctx) => {
    await walk(ctx, 1, p);
    return { steps: p.steps };
  };
}

/** After a restart, the resumable self-test continues from the step it saved. */
export const resumeSelfTest: JobResumer = () => (ctx) => resumableWalk(ctx);
