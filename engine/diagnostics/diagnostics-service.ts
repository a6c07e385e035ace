import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { GatherParams } from '../contract/diagnostics';
import type { JobRef } from '../contract/jobs';
import type { JobRunner } from '../jobs/job-runner';
import { bundleDomains, bundleTree, fileContent, openBundle, searchLogs, type OpenedBundle } from './bundle/open-bundle';
import { gatherJob, type GatherDeps } from './gather/gather-job';

/**
 * Diagnostics: must-gather as a job, and the offline bundle viewer (bundles opened by path on the
 * engine's machine; by default the ones Hangar wrote are listed from DATA_DIR/bundles).
 */
export class DiagnosticsService {
  /**
   * One bundle open at a time, and one being opened: the newest open wins (the one still being
   * unpacked is cancelled, since only one could stay open), and opening one closes the one before
   * (each holds an unpacked copy on disk, up to 2 GiB).
   */
  private current: OpenedBundle | null = null;
  private opening: Promise<unknown> = Promise.resolve();
  private pending: AbortController | null = null;

  constructor(
    private readonly jobs: JobRunner,
    private readonly deps: GatherDeps,
  ) {}

  gather(p: z.output<typeof GatherParams>): Promise<JobRef> {
    const handler = gatherJob(p, this.deps); // refuses a bad scope before a job exists
    return this.jobs.start({ kind: 'diagnostics.gather', title: { key: 'job.gather.title', args: {} }, cancellable: true }, handler);
  }

  async listBundles(): Promise<Array<{ path: string; name: string; bytes: number; createdAt: number }>> {
    const dir = path.join(this.deps.dataDir, 'bundles');
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const out = [];
    for (const name of names.filter((n) => n.endsWith('.tar.gz'))) {
      const st = await fs.stat(path.join(dir, name)).catch(() => null);
      if (st?.isFile()) out.push({ path: path.join(dir, name), name, bytes: st.size, createdAt: st.mtimeMs });
    }
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }

  async openBundle(file: string) {
    if (!path.isAbsolute(file)) throw new HangarError('INVALID_PARAMS', 'Give the full path of the bundle file on the machine Hangar runs on', { message: { key: 'diag.bundle.error.relative', args: {} } });
    this.pending?.abort();
    const mine = new AbortController();
    this.pending = mine;
    const run = this.opening.then(() => {
      if (mine.signal.aborted) throw new HangarError('CANCELLED', `${file}: another bundle was opened meanwhile`, { message: { key: 'diag.bundle.error.superseded', args: {} } });
      return openBundle(file, mine.signal);
    });
    this.opening = run.catch(() => undefined);
    const b = await run.finally(() => {
      if (this.pending === mine) this.pending = null;
    });
    const before = this.current;
    this.current = b;
    await before?.store.close();
    return b.summary;
  }

  private get(id: string): OpenedBundle {
    const b = this.current;
    if (!b || b.id !== id) throw new HangarError('NOT_FOUND', 'That bundle is no longer open: open it again', { message: { key: 'diag.bundle.error.closed', args: {} } });
    return b;
  }

  tree(id: string) {
    return { files: bundleTree(this.get(id)) };
  }

  file(id: string, p: string) {
    return fileContent(this.get(id), p);
  }

  search(id: string, q: { query: string; from?: number | undefined; to?: number | undefined; hosts?: string[] | undefined; limit: number }) {
    return searchLogs(this.get(id), q);
  }

  async domains(id: string) {
    return { domains: await bundleDomains(this.get(id)) };
  }

  close(id: string): void {
    if (this.current?.id !== id) return;
    void this.current.store.close();
    this.current = null;
  }
}
