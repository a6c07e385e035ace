import crypto from 'node:crypto';
import { HangarError } from '../contract/errors';
import { leftovers, type Job, type JobArtifact, type JobRef } from '../contract/jobs';
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
  /** The job's journal of what it makes on hosts (DESIGN §2). */
  journal: JobJournal;
}

export type ArtifactSpec = Omit<JobArtifact, 'id' | 'state'>;

export interface JobJournal {
  /**
   * Records, durably, that the job is about to create this: call it BEFORE asking for it, so a
   * crash in between still leaves a record. Refuses (throws) when the record cannot be written.
   */
  artifact(spec: ArtifactSpec): Promise<ArtifactHandle>;
}

export interface ArtifactHandle {
  /** It exists now (the job still owns it; success makes it part of the result). */
  created(): Promise<void>;
  /** The job deleted it again (a rollback), or it never came to be. */
  removed(): Promise<void>;
}

/** Deletes one leftover on its host; resolves too when it is not there (any more). */
export type ArtifactCleaner = (artifact: JobArtifact, signal: AbortSignal) => Promise<void>;

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
  private cleaner: ArtifactCleaner | null = null;

  constructor(
    private readonly repo: JobRepo,
    private readonly hub: EventHub,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads the recent journal and closes what a previous run left unfinished as `interrupted`:
   * nothing resumes it, and what it journalled but did not finish is reported as left behind.
   */
  async init(): Promise<void> {
    const interrupted = await this.repo.unfinished();
    const now = Date.now();
    const closed = interrupted.map<Job>((j) => ({ ...j, state: 'interrupted', finishedAt: now, cancellable: false }));
    await this.repo.save(closed);
    for (const j of closed) {
      const left = leftovers(j);
      if (left.length) this.logger.warn('interrupted job left things behind', { jobId: j.id, kind: j.kind, leftovers: left.map((a) => `${a.kind} ${a.pool ? `${a.pool}/` : ''}${a.name} on ${a.hostId}`) });
    }
    this.jobs.upsert((await this.repo.recent(KEEP_IN_MEMORY)).reverse());
  }

  /** How leftovers are deleted (the engine knows the hosts; the runner does not). */
  setCleaner(cleaner: ArtifactCleaner): void {
    this.cleaner = cleaner;
  }

  /** Starts a job that deletes what a finished job left behind, item by item, journalling each. */
  async cleanup(jobId: string): Promise<JobRef> {
    const job = this.get(jobId);
    const left = leftovers(job);
    if (left.length === 0) throw new HangarError('CONFLICT', 'This task left nothing behind to clean up');
    if (job.cleanupJobId && this.live.has(job.cleanupJobId)) throw new HangarError('CONFLICT', 'A clean-up of this task is already running');
    const cleaner = this.cleaner;
    if (!cleaner) throw new HangarError('INTERNAL', 'No clean-up is available in this engine');
    const ref = await this.start(
      { kind: 'jobs.cleanup', title: { key: 'job.cleanup', args: { items: left.map((a) => a.name).join(', ') } }, target: { hostId: left[0]!.hostId, jobId }, cancellable: true },
      async (ctx) => {
        for (const [i, a] of left.entries()) {
          if (ctx.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
          ctx.progress(i / left.length, { key: `job.cleanup.${a.kind}`, args: { name: a.name, ...(a.pool ? { pool: a.pool } : {}) } });
          await cleaner(a, ctx.signal);
          await this.patchFinished(jobId, (j) => ({ ...j, artifacts: (j.artifacts ?? []).map((x) => (x.id === a.id ? { ...x, state: 'removed' } : x)) }));
        }
        return { removed: left.length };
      },
    );
    await this.patchFinished(jobId, (j) => ({ ...j, cleanupJobId: ref.jobId }));
    return ref;
  }

  /** The user keeps what a finished job left: it is no longer reported as left behind. */
  async keep(jobId: string): Promise<Job> {
    const job = this.get(jobId);
    if (leftovers(job).length === 0) throw new HangarError('CONFLICT', 'This task left nothing behind');
    if (job.cleanupJobId && this.live.has(job.cleanupJobId)) throw new HangarError('CONFLICT', 'A clean-up of this task is running');
    return this.patchFinished(jobId, (j) => ({ ...j, artifacts: (j.artifacts ?? []).map((a) => (a.state === 'creating' || a.state === 'created' ? { ...a, state: 'kept' } : a)) }));
  }

  /** Changes a finished job's journal (its artifacts), published like any job change. */
  private async patchFinished(jobId: string, patch: (j: Job) => Job): Promise<Job> {
    const next = patch(this.get(jobId));
    this.jobs.upsert([next]);
    this.hub.publish('job.updated', next);
    await this.repo.save([next]);
    return next;
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
      journal: { artifact: (spec) => this.journalArtifact(live, spec) },
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

  private async journalArtifact(live: Live, spec: ArtifactSpec): Promise<ArtifactHandle> {
    const id = String((live.job.artifacts?.length ?? 0) + 1);
    const set = async (state: JobArtifact['state']) => {
      live.job = { ...live.job, artifacts: (live.job.artifacts ?? []).map((a) => (a.id === id ? { ...a, state } : a)) };
      await this.commit(live);
    };
    live.job = { ...live.job, artifacts: [...(live.job.artifacts ?? []), { ...spec, id, state: 'creating' }] };
    this.jobs.upsert([live.job]);
    this.hub.publish('job.updated', live.job);
    try {
      await this.repo.save([live.job]);
    } catch (err) {
      throw new HangarError('INTERNAL', `Could not journal the ${spec.kind} ${spec.name} before creating it, so it was not created: ${String(err)}`);
    }
    return { created: () => set('created'), removed: () => set('removed') };
  }

  private async finish(live: Live, state: 'succeeded' | 'failed' | 'cancelled', error: HangarError | null, result: unknown) {
    if (live.flushTimer) clearTimeout(live.flushTimer);
    // What a successful job made is its result; what a failed one still holds is left behind.
    const artifacts = state === 'succeeded' ? live.job.artifacts?.map((a) => (a.state === 'creating' || a.state === 'created' ? { ...a, state: 'done' as const } : a)) : live.job.artifacts;
    live.job = {
      ...live.job,
      ...(artifacts ? { artifacts } : {}),
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
