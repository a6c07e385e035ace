import type { Job } from '../../../../engine/contract';

export interface JobLine {
  job: Job;
  /** 0 for a task of its own, 1 for a subtask, and so on. */
  depth: number;
}

/**
 * The Tasks page's order: newest task first, each followed by its subtasks in the order they were
 * started. A subtask whose parent is no longer listed stands on its own.
 */
export function jobTree(jobs: readonly Job[]): JobLine[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const children = new Map<string, Job[]>();
  const roots: Job[] = [];
  for (const j of jobs) {
    if (j.parentId && byId.has(j.parentId)) children.set(j.parentId, [...(children.get(j.parentId) ?? []), j]);
    else roots.push(j);
  }
  const out: JobLine[] = [];
  const seen = new Set<string>();
  const add = (job: Job, depth: number) => {
    if (seen.has(job.id)) return;
    seen.add(job.id);
    out.push({ job, depth });
    for (const c of (children.get(job.id) ?? []).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))) add(c, depth + 1);
  };
  for (const r of [...roots].sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id))) add(r, 0);
  return out;
}
