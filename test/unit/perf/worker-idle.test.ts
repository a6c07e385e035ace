import { describe, expect, it } from 'vitest';
import { WorkerPool } from '../../../engine/perf/worker-pool';
import type { ParseTask } from '../../../engine/xml/parse-pool';

const entry = new URL('../../../engine/xml/parse-worker.ts', import.meta.url);

describe('worker pool lifecycle (idle memory, issue 17/20)', () => {
  it('starts no worker until the first task, ends an idle one, and starts again on the next task', async () => {
    const pool = new WorkerPool<ParseTask, unknown>('idle-test', entry, 2, 300);
    try {
      expect(pool.workers).toBe(0);
      await pool.run({ kind: 'domains', xmls: [] });
      expect(pool.workers).toBe(1);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(pool.workers).toBe(0);
      await pool.run({ kind: 'domains', xmls: [] });
      expect(pool.workers).toBe(1);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('keeps a worker that is busy past the idle time', async () => {
    const pool = new WorkerPool<ParseTask, unknown>('idle-test', entry, 1, 200);
    try {
      for (let i = 0; i < 6; i++) {
        await pool.run({ kind: 'domains', xmls: [] });
        await new Promise((r) => setTimeout(r, 80));
      }
      expect(pool.workers).toBe(1);
    } finally {
      await pool.close();
    }
  }, 60_000);
});
