import type { ErrorData } from '../contract/errors';
import type { Job, JobArtifact, JobKind, JobState, JobTarget, JobWait } from '../contract/jobs';
import type { Message } from '../contract/message';
import type { Db } from '../store/db';

interface JobRow {
  id: string;
  kind: JobKind;
  title: string;
  target: string | null;
  state: JobState;
  progress: number | null;
  step: string | null;
  cancellable: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  result: string | null;
  artifacts: string | null;
  cleanup_job_id: string | null;
  host_id: string | null;
  parent_id: string | null;
  waiting_for: string | null;
  step_state: string | null;
}

const json = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

function fromRow(r: JobRow): Job {
  const job: Job = {
    id: r.id,
    kind: r.kind,
    title: JSON.parse(r.title) as Message,
    state: r.state,
    progress: r.progress,
    step: json<Message>(r.step),
    cancellable: r.cancellable === 1,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: json<ErrorData>(r.error),
  };
  const target = json<JobTarget>(r.target);
  if (target) job.target = target;
  if (r.host_id !== null) job.hostId = r.host_id;
  if (r.parent_id !== null) job.parentId = r.parent_id;
  const waitingFor = json<JobWait>(r.waiting_for);
  if (waitingFor) job.waitingFor = waitingFor;
  if (r.result !== null) job.result = JSON.parse(r.result);
  if (r.artifacts !== null) job.artifacts = JSON.parse(r.artifacts) as JobArtifact[];
  if (r.cleanup_job_id !== null) job.cleanupJobId = r.cleanup_job_id;
  return job;
}

const UPSERT = `INSERT INTO jobs(id, kind, title, target, state, progress, step, cancellable, created_at, started_at, finished_at, error, result, artifacts, cleanup_job_id, host_id, parent_id, waiting_for, step_state)
  VALUES (@id, @kind, @title, @target, @state, @progress, @step, @cancellable, @created_at, @started_at, @finished_at, @error, @result, @artifacts, @cleanup_job_id, @host_id, @parent_id, @waiting_for, @step_state)
  ON CONFLICT(id) DO UPDATE SET state = excluded.state, progress = excluded.progress, step = excluded.step,
    cancellable = excluded.cancellable, started_at = excluded.started_at, finished_at = excluded.finished_at,
    error = excluded.error, result = excluded.result, artifacts = excluded.artifacts, cleanup_job_id = excluded.cleanup_job_id,
    waiting_for = excluded.waiting_for`;

const str = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** The job journal in SQLite. */
export class JobRepo {
  constructor(private readonly db: Db) {}

  /** Writes jobs; `stepStates` (by index) is written only when a job is first inserted. */
  async save(jobs: Job[], stepStates?: readonly unknown[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.db.batch(
      jobs.map((j, i) => ({
        sql: UPSERT,
        params: {
          id: j.id,
          kind: j.kind,
          title: JSON.stringify(j.title),
          target: str(j.target),
          state: j.state,
          progress: j.progress,
          step: str(j.step),
          cancellable: j.cancellable ? 1 : 0,
          created_at: j.createdAt,
          started_at: j.startedAt,
          finished_at: j.finishedAt,
          error: str(j.error),
          result: str(j.result),
          artifacts: str(j.artifacts),
          cleanup_job_id: j.cleanupJobId ?? null,
          host_id: j.hostId ?? null,
          parent_id: j.parentId ?? null,
          waiting_for: str(j.waitingFor),
          step_state: str(stepStates?.[i]),
        },
      })),
    );
  }

  async recent(limit: number): Promise<Job[]> {
    const rows = await this.db.all<JobRow>('SELECT * FROM jobs ORDER BY created_at DESC, id DESC LIMIT ?', [limit]);
    return rows.map(fromRow);
  }

  /** A resumable job's step state, written before the job goes on past that step. */
  async saveStepState(jobId: string, state: unknown): Promise<void> {
    await this.db.run('UPDATE jobs SET step_state = ? WHERE id = ?', [str(state), jobId]);
  }

  /** Jobs the previous engine run left unfinished, with their step state: resumed or closed as interrupted. */
  async unfinished(): Promise<{ job: Job; stepState: unknown }[]> {
    const rows = await this.db.all<JobRow>("SELECT * FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_at");
    return rows.map((r) => ({ job: fromRow(r), stepState: json<unknown>(r.step_state) ?? undefined }));
  }
}
