import { describe, expect, it } from 'vitest';
import type { Job } from '../../../engine/contract';
import { jobTree } from '../../../renderer/src/features/tasks/job-tree';

const job = (id: string, createdAt: number, parentId?: string): Job => ({
  id,
  kind: 'engine.selfTest',
  title: { key: 'job.selfTest.title' },
  state: 'running',
  progress: null,
  step: null,
  cancellable: true,
  createdAt,
  startedAt: null,
  finishedAt: null,
  error: null,
  ...(parentId ? { parentId } : {}),
});

describe('the Tasks page order', () => {
  it('puts each task newest first, its subtasks under it in the order they started, deeper ones deeper', () => {
    const lines = jobTree([job('old', 1), job('p', 5), job('c2', 7, 'p'), job('c1', 6, 'p'), job('g', 8, 'c1'), job('new', 9)]);
    expect(lines.map((l) => `${'-'.repeat(l.depth)}${l.job.id}`)).toEqual(['new', 'p', '-c1', '--g', '-c2', 'old']);
  });

  it('shows a subtask whose parent is no longer listed on its own', () => {
    expect(jobTree([job('c', 2, 'gone')]).map((l) => [l.job.id, l.depth])).toEqual([['c', 0]]);
  });
});
