import crypto from 'node:crypto';
import { HangarError } from '../contract/errors';
import type { Job, JobRef } from '../contract/jobs';
import type { Message } from '../contract/message';
import { Collection } from '../events/collection';
import type { EventHub } from '../events/event-hub';
import type { Logger } from '../logger';
import type { JobRepo } from './job-repo';

export interface JobContext {
  /** Aborted when the user cancels the job (or the engine shuts down). */
  signal: AbortSignal;
  /** Reports progress (0..1, or null when unknown) and, optionally, the current step. */
  progress(progress: number | null, step?: Message): void;
}

export interface JobSpec {
  kind: string;
  title: Message;
  target?: Record<string, string>;
  cancellable: boolean;
}

export type JobHandler = (ctx: JobContext) => Promise<unknown>;

const MAX_RUNNING = 8;
const KEEP_IN_MEMORY = 500;
/** Progress updates are coalesced: at most one event and one write per job in this window. */
const PROGRESS_INTERVAL_MS = 100;

interface Live {
  job: Job;
  handler: JobHandler;
  abort: AbortController;
  flushTimer: NodeJS.Timeout | null;
  lastFlush: number;
}

/**
 * The one job runner. A mutating method calls `start` and returns the JobRef at once; the job's
 * life reaches clients as `job.updated` events and as deltas of the `jobs` collection, and is
 * journalled in SQLite so it outlives a restart.
 */
export class JobRunner {
  readonly jobs = new Collection<Job>();
  private readonly live = new Map<string, Live>();
  private readonly queue: Live[] = [];
  private running = 0;
  private closed = false;

  constructor(
    private readonly repo: JobRepo,
    private readonly hub: EventHub,
    private readonly logger: Logger,
  ) {}

  /** Loads the recent journal and closes what a previous run left unfinished. */
  async init(): Promise<void> {
    const interrupted = await this.repo.unfinished();
    const now = Date.now();
    const closed = interrupted.map<Job>((j) => ({
      ...j,
      state: 'failed',
      finishedAt: now,
      cancellable: false,
      error: { code: 'INTERNAL', message: 'Interrupted: Hangar stopped while this job was running' },
    }));
    await this.repo.save(closed);
    this.jobs.upsert((await this.repo.recent(KEEP_IN_MEMORY)).reverse());
  }

  async start(spec: JobSpec, handler: JobHandler): Promise<JobRef> {
    if (this.closed) throw new HangarError('CONFLICT', 'The engine is shutting down');
    const job: Job = {
      id: crypto.randomUUID(),
      kind: spec.kind,
      title: spec.title,
      state: 'queued',
      progress: null,
      step: null,
      cancellable: spec.cancellable,
      createdAt: Date.now(),
      startedAt: null,
      finishedAt: null,
      error: null,
      ...(spec.target ? { target: spec.target } : {}),
    };
    const live: Live = { job, handler, abort: new AbortController(), flushTimer: null, lastFlush: 0 };
    this.live.set(job.id, live);
    await this.commit(live);
    this.queue.push(live);
    this.pump();
    return { jobId: job.id };
  }

  get(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job) throw new HangarError('NOT_FOUND', `No job ${jobId}`);
    return job;
  }

  async list(limit: number, states?: readonly string[]): Promise<Job[]> {
    const fromMemory = this.jobs.values().sort((a, b) => b.createdAt - a.createdAt);
    const all = fromMemory.length >= limit ? fromMemory : await this.repo.recent(limit);
    return all.filter((j) => !states || states.includes(j.state)).slice(0, limit);
  }

  async cancel(jobId: string): Promise<Job> {
    const live = this.live.get(jobId);
    if (!live) {
      const job = this.get(jobId);
      throw new HangarError('CONFLICT', `The job has already ${job.state === 'cancelled' ? 'been cancelled' : 'finished'}`);
    }
    if (!live.job.cancellable) throw new HangarError('CONFLICT', 'This job cannot be cancelled');
    if (live.job.state === 'queued') {
      this.queue.splice(this.queue.indexOf(live), 1);
      await this.finish(live, 'cancelled', null, undefined);
    } else {
      live.abort.abort();
    }
    return live.job;
  }

  /** Cancels what runs, waits briefly for it, and journals the rest as interrupted on next start. */
  async close(): Promise<void> {
    this.closed = true;
    for (const live of this.live.values()) live.abort.abort();
    const deadline = Date.now() + 3000;
    while (this.live.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  private pump(): void {
    while (this.running < MAX_RUNNING && this.queue.length > 0) {
      const live = this.queue.shift()!;
      this.running++;
      void this.run(live).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(live: Live): Promise<void> {
    live.job = { ...live.job, state: 'running', startedAt: Date.now() };
    await this.commit(live);
    const ctx: JobContext = {
      signal: live.abort.signal,
      progress: (progress, step) => {
        live.job = { ...live.job, progress: progress === null ? null : Math.min(1, Math.max(0, progress)), ...(step ? { step } : {}) };
        this.scheduleFlush(live);
      },
    };
    try {
      const result = await live.handler(ctx);
      if (live.abort.signal.aborted) await this.finish(live, 'cancelled', null, undefined);
      else await this.finish(live, 'succeeded', null, result);
    } catch (err) {
      const e = HangarError.from(err);
      if (live.abort.signal.aborted || e.code === 'CANCELLED') await this.finish(live, 'cancelled', null, undefined);
      else {
        this.logger.warn('job failed', { jobId: live.job.id, kind: live.job.kind, code: e.code, error: e.message });
        await this.finish(live, 'failed', e, undefined);
      }
    }
  }

  private async finish(live: Live, state: 'succeeded' | 'failed' | 'cancelled', error: HangarError | null, result: unknown) {
    if (live.flushTimer) clearTimeout(live.flushTimer);
    live.job = {
      ...live.job,
      state,
      finishedAt: Date.now(),
      cancellable: false,
      error: error ? error.toData() : null,
      ...(state === 'succeeded' ? { progress: 1 } : {}),
      ...(result !== undefined ? { result } : {}),
    };
    this.live.delete(live.job.id);
    await this.commit(live);
  }

  /** Leading and trailing edge: the first update shows at once, a burst costs one more. */
  private scheduleFlush(live: Live): void {
    if (live.flushTimer) return;
    const wait = live.lastFlush + PROGRESS_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      live.lastFlush = Date.now();
      void this.commit(live);
      return;
    }
    live.flushTimer = setTimeout(() => {
      live.flushTimer = null;
      live.lastFlush = Date.now();
      if (this.live.has(live.job.id)) void this.commit(live);
    }, wait);
  }

  /** Publishes the job's current state and journals it. */
  private async commit(live: Live): Promise<void> {
    const job = live.job;
    this.jobs.upsert([job]);
    this.hub.publish('job.updated', job);
    try {
      await this.repo.save([job]);
    } catch (err) {
      this.logger.error('job journal write failed', { jobId: job.id, error: String(err) });
    }
  }
}
