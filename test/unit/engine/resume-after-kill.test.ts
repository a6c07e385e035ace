import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../engine/contract';
import { connectApi } from '../../bench/ws-api';
import { startServe, tempDataDir, type Serve } from '../../e2e/serve-fixture';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * A resumable job survives `kill -9` of the engine: a real `hangar serve` process (the built CLI)
 * is killed with SIGKILL mid-job and started again on the same data directory; the job goes on
 * from the step it saved and finishes. A plain job running at the same moment is interrupted.
 */
describe('a resumable job after kill -9 of hangar serve', () => {
  let dataDir: string;
  const serves: Serve[] = [];
  beforeAll(() => {
    // The CLI as shipped, built from this tree (a stale build would test old code).
    const built = spawnSync(process.execPath, ['scripts/build.mjs', 'cli'], { cwd: ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  }, 120_000);
  afterAll(async () => {
    for (const s of serves) await s.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  const poll = async (get: () => Promise<Job>, pred: (j: Job) => boolean, ms: number): Promise<Job> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const j = await get();
      if (pred(j)) return j;
      if (Date.now() > deadline) throw new Error(`job never got there: ${JSON.stringify(j)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('finishes after the restart, from the step it had reached', async () => {
    dataDir = await tempDataDir();
    const first = await startServe(dataDir);
    serves.push(first);
    const api = await connectApi(first.url);
    const { jobId } = await api.call('engine.selfTest', { steps: 8, stepMs: 400, resumable: true });
    const plain = await api.call('engine.selfTest', { steps: 100, stepMs: 1000 });
    const before = await poll(() => api.call('jobs.get', { jobId }), (j) => (j.progress ?? 0) >= 3 / 8, 20_000);
    expect(before.state).toBe('running');
    api.close();

    await first.kill();
    expect(() => process.kill(first.pid, 0)).toThrow(); // gone, nothing flushed or closed

    const second = await startServe(dataDir);
    serves.push(second);
    const api2 = await connectApi(second.url);
    const t0 = Date.now();
    const done = await poll(() => api2.call('jobs.get', { jobId }), (j) => j.state !== 'queued' && j.state !== 'running', 20_000);
    const result = done.result as { steps: number; runs: number; resumedAt: number[] };
    console.log(`[resume] resumed at step ${result.resumedAt[0]} of 8 after kill -9; finished ${Date.now() - t0} ms after the restart`);
    expect(done.state).toBe('succeeded');
    expect(done.startedAt).toBe(before.startedAt);
    expect(result).toMatchObject({ steps: 8, runs: 2 });
    expect(result.resumedAt[0]).toBeGreaterThanOrEqual(3);
    // It went on from there: far less than the whole 8 × 400 ms again.
    expect(Date.now() - t0).toBeLessThan(8 * 400);
    expect((await api2.call('jobs.get', plain)).state).toBe('interrupted');
    api2.close();
  }, 90_000);
});
