import { call } from './call';

/** Jobs (tasks): cancel one, and decide about what a failed one left behind. */

export const cancelJob = (jobId: string) => call('jobs.cancel', { jobId });

export const cleanUpJobLeftovers = (jobId: string) => call('jobs.cleanup', { jobId });

export const keepJobLeftovers = (jobId: string) => call('jobs.keep', { jobId });
