import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../engine/contract';
import { createEngine, type Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';

const cipher = aesGcmCipher(Buffer.alloc(32, 7), 'test-key');

async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('engine (in-process, real SQLite in a worker)', () => {
  let dir: string;
  let engine: Engine;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-engine-'));
    engine = await createEngine({ dataDir: dir, secrets: cipher, logger: silentLogger, runtime: 'in-process', localLibvirt: 'none' });
  });
  afterEach(async () => {
    await engine.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reports its info, with SQLite from the worker', async () => {
    const info = await engine.call('engine.info', {});
    expect(info.contractVersion).toBe(1);
    expect(info.sqliteVersion).toMatch(/^3\./);
    expect(info.secrets).toEqual({ backend: 'test-key', available: true });
  });

  it('runs a self-test job to success with progress, step text and events', async () => {
    const updates: Job[] = [];
    engine.subscribe('job.updated', {}, (j) => updates.push(j));
    const { jobId } = await engine.call('engine.selfTest', { steps: 3, stepMs: 30 });
    const done = await waitFor(() => updates.find((j) => j.id === jobId && j.state === 'succeeded'));
    expect(done.progress).toBe(1);
    expect(updates.some((j) => j.state === 'running' && j.step?.key === 'job.selfTest.step')).toBe(true);
    expect(updates.map((j) => j.state)).toContain('queued');
  });

  it('cancels a running job', async () => {
    const { jobId } = await engine.call('engine.selfTest', { steps: 50, stepMs: 100 });
    await waitFor(async () => ((await engine.call('jobs.get', { jobId })).state === 'running' ? true : undefined));
    await engine.call('jobs.cancel', { jobId });
    const job = await waitFor(async () => {
      const j = await engine.call('jobs.get', { jobId });
      return j.state === 'cancelled' ? j : undefined;
    });
    expect(job.finishedAt).not.toBeNull();
    await expect(engine.call('jobs.cancel', { jobId })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('records a failing job with its error', async () => {
    const { jobId } = await engine.call('engine.selfTest', { steps: 2, stepMs: 10, failAtStep: 1 });
    const job = await waitFor(async () => {
      const j = await engine.call('jobs.get', { jobId });
      return j.state === 'failed' ? j : undefined;
    });
    expect(job.error?.message).toMatch(/step 1/);
  });

  it('keeps jobs across a restart and closes interrupted ones', async () => {
    const a = await engine.call('engine.selfTest', { steps: 1, stepMs: 1 });
    await waitFor(async () => ((await engine.call('jobs.get', a)).state === 'succeeded' ? true : undefined));
    const b = await engine.call('engine.selfTest', { steps: 100, stepMs: 1000 });
    await engine.close();
    engine = await createEngine({ dataDir: dir, secrets: cipher, logger: silentLogger, runtime: 'in-process', localLibvirt: 'none' });
    const { jobs } = await engine.call('jobs.list', {});
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(byId.get(a.jobId)?.state).toBe('succeeded');
    expect(['cancelled', 'interrupted']).toContain(byId.get(b.jobId)?.state);
  });

  it('sends a jobs snapshot on subscribe, then versioned deltas', async () => {
    const feed: { kind: string; version: number }[] = [];
    engine.subscribe('jobs', {}, (p) => feed.push(p));
    expect(feed[0]?.kind).toBe('snapshot');
    await engine.call('engine.selfTest', { steps: 1, stepMs: 1 });
    await waitFor(() => (feed.length >= 3 ? true : undefined));
    const versions = feed.slice(1).map((f) => f.version);
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(feed.slice(1).every((f) => f.kind === 'delta')).toBe(true);
  });

  it('rejects unknown methods and invalid params without side effects', async () => {
    await expect(engine.call('nope' as never, {} as never)).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    await expect(engine.call('engine.selfTest', { steps: -1 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    await expect(engine.call('settings.update', { language: 'fr' as never })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    expect((await engine.call('jobs.list', {})).jobs).toHaveLength(0);
  });

  it('persists settings', async () => {
    await engine.call('settings.update', { language: 'ko', theme: 'dark' });
    await engine.close();
    engine = await createEngine({ dataDir: dir, secrets: cipher, logger: silentLogger, runtime: 'in-process', localLibvirt: 'none' });
    expect(await engine.call('settings.get', {})).toMatchObject({ language: 'ko', theme: 'dark', shutdownTimeoutSec: 120, metricsIntervalSec: 5 });
  });
});
