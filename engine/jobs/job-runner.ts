import crypto from 'node:crypto';
import { HangarError } from '../contract/errors';
import { FINAL_JOB_STATES, JOB_KINDS, leftovers, type Job, type JobArtifact, type JobKind, type JobKindPolicy, type JobRef, type JobTarget, type JobWait } from '../contract/jobs';
import type { Message } from '../contract/message';
import { Collection } from '../events/collection';
import type { EventHub } from '../events/event-hub';
import type { Logger } from '../logger';
import type { JobRepo } from './job-repo';
import { blocker, declaredLimits, lockHolder, parentProgress, sameKindOnTarget, type KindLimits } from './job-scheduling';

export interface JobContext {
  /** Aborted when the user cancels the job (or the engine shuts down). */
  signal: AbortSignal;
  /** Reports progress (0..1, or null when unknown) and, optionally, the current step. */
  progress(progress: number | null, step?: Message): void;
  /** A vm.migrate job's live figures (libvirt's job stats), published with the job like its progress. */
  migration(stats: NonNullable<Job['migration']>): void;
  /** A volume.upload / volume.download job's bytes, rate and ETA, published with the job like its progress. */
  transfer(stats: NonNullable<Job['transfer']>): void;
  /** The job can no longer be cancelled from here on (a migration past its switch to post-copy). */
  uncancellable(): void;
  /** The job's journal of what it makes on hosts (DESIGN §2). */
  journal: JobJournal;
  /**
   * A resumable kind's step state: what it saved last (undefined on a first run). After an engine
   * restart the job runs again with this, and continues from there.
   */
  state: unknown;
  /** Persists the step state durably before resolving (resumable kinds). */
  saveState(state: unknown): Promise<void>;
  /** Starts a child job: this job's progress becomes its children's, and cancelling it cancels them. */
  child(spec: Omit<JobSpec, 'parentId'>, handler: JobHandler): Promise<JobRef>;
  /** Resolves with the job once it has finished (at once when it already has). */
  finished(jobId: string): Promise<Job>;
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
  kind: JobKind;
  title: Message;
  /** What it acts on: a mutating kind takes this target's lock. */
  target?: JobTarget;
  /** The host it runs against (per-host limits, the host's history). */
  hostId?: string;
  parentId?: string;
  cancellable: boolean;
  /** A resumable kind's first step state, journalled with the job so even a crash before its first step can resume it. */
  stepState?: unknown;
}

export type JobHandler = (ctx: JobContext) => Promise<unknown>;
/** Rebuilds a resumable job's handler after a restart, from the job and its saved step state. */
export type JobResumer = (job: Job) => JobHandler;

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
  stepState: unknown;
  children: string[];
}

const resumable = (kind: JobKind): boolean => 'resumable' in JOB_KINDS[kind] && JOB_KINDS[kind].resumable === true;
const sameWait = (a: JobWait | undefined, b: JobWait | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

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
  private readonly resumers = new Map<JobKind, JobResumer>();
  /** Resumable jobs a previous run left unfinished, until `resumePending` restarts them. */
  private pending: { job: Job; stepState: unknown }[] = [];
  private readonly waiters = new Map<string, ((job: Job) => void)[]>();
  private readonly limitOverrides = new Map<JobKind, () => KindLimits>();

  constructor(
    private readonly repo: JobRepo,
    private readonly hub: EventHub,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads the recent journal. What a previous run left unfinished is closed as `interrupted` (what
   * it journalled but did not finish is reported as left behind), unless its kind is resumable:
   * that waits, queued, for `resumePending` to continue it from its saved step state.
   */
  async init(): Promise<void> {
    const unfinished = await this.repo.unfinished();
    this.pending = unfinished.filter((u) => resumable(u.job.kind)).map((u) => ({ job: { ...u.job, state: 'queued' as const }, stepState: u.stepState }));
    await this.interrupt(unfinished.filter((u) => !resumable(u.job.kind)).map((u) => u.job));
    await this.repo.save(this.pending.map((p) => p.job));
    this.jobs.upsert((await this.repo.recent(KEEP_IN_MEMORY)).reverse());
  }

  private async interrupt(jobs: Job[]): Promise<void> {
    const now = Date.now();
    const closed = jobs.map<Job>(({ waitingFor: _w, ...j }) => ({ ...j, state: 'interrupted', finishedAt: now, cancellable: false }));
    await this.repo.save(closed);
    this.jobs.upsert(closed);
    for (const j of closed) {
      this.hub.publish('job.updated', j);
      const left = leftovers(j);
      if (left.length) this.logger.warn('interrupted job left things behind', { jobId: j.id, kind: j.kind, leftovers: left.map((a) => `${a.kind} ${a.pool ? `${a.pool}/` : ''}${a.name} on ${a.hostId}`) });
    }
  }

  /** How a resumable kind continues after a restart (register before `resumePending`). */
  registerResumer(kind: JobKind, resumer: JobResumer): void {
    this.resumers.set(kind, resumer);
  }

  /** Continues the resumable jobs the previous run left; one whose kind nobody resumes is interrupted. */
  async resumePending(): Promise<void> {
    const pending = this.pending.sort((a, b) => a.job.createdAt - b.job.createdAt);
    this.pending = [];
    const orphans: Job[] = [];
    for (const p of pending) {
      const resumer = this.resumers.get(p.job.kind);
      if (!resumer) {
        orphans.push(p.job);
        continue;
      }
      this.logger.info('resuming job', { jobId: p.job.id, kind: p.job.kind });
      const live: Live = { job: p.job, handler: resumer(p.job), abort: new AbortController(), flushTimer: null, lastFlush: 0, stepState: p.stepState, children: [] };
      this.live.set(p.job.id, live);
      this.queue.push(live);
    }
    for (const live of this.live.values()) if (live.job.parentId) this.live.get(live.job.parentId)?.children.push(live.job.id);
    await this.interrupt(orphans);
    this.pump();
  }

  /** A kind's limits from a setting, read each time a job waits (JOB_KINDS declares the defaults). */
  setLimits(kind: JobKind, limits: () => KindLimits): void {
    this.limitOverrides.set(kind, limits);
  }

  /** Re-reads what waits: call when a limit setting changed. */
  limitsChanged(): void {
    this.pump();
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
      { kind: 'jobs.cleanup', title: { key: 'job.cleanup', args: { items: left.map((a) => a.name).join(', ') } }, hostId: left[0]!.hostId, cancellable: true },
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

  /**
   * Queues a job and returns its reference at once. A mutating kind whose target is busy is
   * refused with CONFLICT naming the job that holds it, when the kind says so (or when the same
   * kind is already there, for kinds that refuse duplicates); otherwise the job waits, queued, and
   * says for what. What the kind preempts on the target is cancelled first.
   */
  async start(spec: JobSpec, handler: JobHandler): Promise<JobRef> {
    if (this.closed) throw new HangarError('CONFLICT', 'The engine is shutting down');
    const parent = spec.parentId ? this.live.get(spec.parentId) : undefined;
    if (spec.parentId && !parent) throw new HangarError('CONFLICT', 'The parent task has finished');
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
      ...(spec.hostId ? { hostId: spec.hostId } : {}),
      ...(spec.parentId ? { parentId: spec.parentId } : {}),
    };
    const policy: JobKindPolicy = JOB_KINDS[spec.kind];
    const preempted = policy.preempts ? this.active().filter((a) => a.target && job.target && a.target.kind === job.target.kind && a.target.id === job.target.id && policy.preempts!.includes(a.kind) && a.cancellable) : [];
    const others = this.active().filter((a) => !preempted.includes(a));
    const holder = policy.busy === 'conflict' ? lockHolder(job, others, (id) => this.jobs.get(id)) : policy.duplicate === 'conflict' ? sameKindOnTarget(job, others) : null;
    if (holder) {
      const name = String(holder.title.args?.['name'] ?? holder.target?.id ?? '');
      throw new HangarError('CONFLICT', `${name} is busy: the task ${holder.kind} (${holder.id}) is ${holder.state === 'running' ? 'running' : 'waiting'} on it`, {
        jobId: holder.id,
        kind: holder.kind,
        message: { key: 'job.err.busy', args: { name, jobId: holder.id } },
      });
    }
    for (const p of preempted) await this.cancel(p.id);
    const live: Live = { job, handler, abort: new AbortController(), flushTimer: null, lastFlush: 0, stepState: spec.stepState, children: [] };
    this.live.set(job.id, live);
    parent?.children.push(job.id);
    this.queue.push(live);
    const wait = this.waitOf(live);
    if (wait) live.job = { ...live.job, waitingFor: wait };
    await this.commit(live);
    this.pump();
    return { jobId: job.id };
  }

  /** Queued and running jobs, oldest first (the order locks are granted in). */
  private active(): Job[] {
    return [...this.live.values()].map((l) => l.job).sort((a, b) => a.createdAt - b.createdAt);
  }

  private waitOf(live: Live): JobWait | null {
    // A parent waiting for its children does not take a place from them.
    const busy = [...this.live.values()].filter((l) => l.job.state === 'running' && l.children.length === 0).length;
    const limitsOf = (kind: JobKind) => this.limitOverrides.get(kind)?.() ?? declaredLimits(kind);
    return blocker(live.job, this.active(), (id) => this.jobs.get(id), limitsOf) ?? (busy >= MAX_RUNNING ? { reason: 'capacity' } : null);
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

  /** Cancels the job and, first, its children (those that can be cancelled). */
  async cancel(jobId: string): Promise<Job> {
    const live = this.live.get(jobId);
    if (!live) {
      const job = this.get(jobId);
      throw new HangarError('CONFLICT', `The job has already ${job.state === 'cancelled' ? 'been cancelled' : 'finished'}`);
    }
    if (!live.job.cancellable) throw new HangarError('CONFLICT', 'This job cannot be cancelled');
    for (const child of live.children) {
      const c = this.live.get(child);
      if (c?.job.cancellable) await this.cancel(child);
    }
    if (live.job.state === 'queued') {
      this.queue.splice(this.queue.indexOf(live), 1);
      await this.finish(live, 'cancelled', null, undefined);
      this.pump();
    } else {
      live.abort.abort();
    }
    return live.job;
  }

  /**
   * Cancels what runs, waits briefly for it, and journals the rest as interrupted on next start.
   * A resumable job is not cancelled: it stays running (or queued) in the journal, and the next
   * start continues it from its step state.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const live of this.live.values()) live.abort.abort();
    const deadline = Date.now() + 3000;
    while (this.running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /**
   * Starts every queued job that may start, in order: a job whose target is locked, whose kind's
   * limit is reached, or that finds the engine full waits and says why. A job queued for a target
   * keeps its place: one queued later for the same target does not overtake it.
   */
  private pump(): void {
    if (this.closed) return;
    for (const live of [...this.queue]) {
      const wait = this.waitOf(live);
      if (wait) {
        if (!sameWait(wait, live.job.waitingFor)) {
          live.job = { ...live.job, waitingFor: wait };
          void this.commit(live);
        }
        continue;
      }
      this.queue.splice(this.queue.indexOf(live), 1);
      this.running++;
      void this.run(live).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(live: Live): Promise<void> {
    const { waitingFor: _w, ...job } = live.job;
    live.job = { ...job, state: 'running', startedAt: job.startedAt ?? Date.now() };
    await this.commit(live);
    const ctx: JobContext = {
      signal: live.abort.signal,
      progress: (progress, step) => {
        // With children, the progress is theirs; the job's own steps still show.
        const own = live.children.length > 0 ? live.job.progress : progress === null ? null : Math.min(1, Math.max(0, progress));
        live.job = { ...live.job, progress: own, ...(step ? { step } : {}) };
        this.scheduleFlush(live);
      },
      migration: (stats) => {
        live.job = { ...live.job, migration: stats };
        this.scheduleFlush(live);
      },
      transfer: (stats) => {
        live.job = { ...live.job, transfer: stats };
        this.scheduleFlush(live);
      },
      uncancellable: () => {
        live.job = { ...live.job, cancellable: false };
        this.scheduleFlush(live);
      },
      journal: { artifact: (spec) => this.journalArtifact(live, spec) },
      state: live.stepState,
      saveState: async (state) => {
        live.stepState = state;
        ctx.state = state;
        await this.repo.saveStepState(live.job.id, state);
      },
      child: (spec, handler) => {
        if (live.abort.signal.aborted) return Promise.reject(new HangarError('CANCELLED', 'Cancelled'));
        return this.start({ ...spec, parentId: live.job.id }, handler);
      },
      finished: (jobId) => this.finished(jobId),
    };
    // Cancelled (or the engine closing) while its start was being journalled: the handler never runs.
    if (live.abort.signal.aborted) {
      if (this.closed && resumable(live.job.kind)) this.leaveForResume(live);
      else await this.finish(live, 'cancelled', null, undefined);
      return;
    }
    try {
      const result = await live.handler(ctx);
      // A resumable job that returned has finished, even when the engine is closing around it.
      if (live.abort.signal.aborted && !(this.closed && resumable(live.job.kind))) await this.finish(live, 'cancelled', null, undefined);
      else await this.finish(live, 'succeeded', null, result);
    } catch (err) {
      const e = HangarError.from(err);
      if (this.closed && resumable(live.job.kind)) this.leaveForResume(live);
      else if (live.abort.signal.aborted || e.code === 'CANCELLED') await this.finish(live, 'cancelled', null, undefined);
      else {
        this.logger.warn('job failed', { jobId: live.job.id, kind: live.job.kind, code: e.code, error: e.message });
        await this.finish(live, 'failed', e, undefined);
      }
    }
  }

  /** The engine shuts down under a resumable job: the journal keeps it running for the next start. */
  private leaveForResume(live: Live): void {
    if (live.flushTimer) clearTimeout(live.flushTimer);
    this.live.delete(live.job.id);
  }

  finished(jobId: string): Promise<Job> {
    const job = this.jobs.get(jobId);
    if (!job) return Promise.reject(new HangarError('NOT_FOUND', `No job ${jobId}`));
    if (FINAL_JOB_STATES.includes(job.state)) return Promise.resolve(job);
    return new Promise((resolve) => this.waiters.set(jobId, [...(this.waiters.get(jobId) ?? []), resolve]));
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
    for (const resolve of this.waiters.get(live.job.id) ?? []) resolve(live.job);
    this.waiters.delete(live.job.id);
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

  /** Publishes the job's current state and journals it; a child's change moves its parent's progress. */
  private async commit(live: Live): Promise<void> {
    const job = live.job;
    this.jobs.upsert([job]);
    this.hub.publish('job.updated', job);
    const parent = job.parentId ? this.live.get(job.parentId) : undefined;
    if (parent) {
      const progress = parentProgress(parent.children.map((id) => this.jobs.get(id)).filter((j): j is Job => j !== undefined));
      if (progress !== parent.job.progress) {
        parent.job = { ...parent.job, progress };
        this.scheduleFlush(parent);
      }
    }
    try {
      await this.repo.save([job], [live.stepState]);
    } catch (err) {
      this.logger.error('job journal write failed', { jobId: job.id, error: String(err) });
    }
  }
}
