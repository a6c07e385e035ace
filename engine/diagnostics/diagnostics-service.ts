import fs from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { GatherParams } from '../contract/diagnostics';
import type { JobRef } from '../contract/jobs';
import type { JobRunner } from '../jobs/job-runner';
import { bundleDomains, fileContent, openBundle, searchLogs, type OpenedBundle } from './bundle/open-bundle';
import { gatherJob, type GatherDeps } from './gather/gather-job';

/** Opened bundles stay in memory while in use; the oldest is closed beyond this many. */
const MAX_OPEN = 4;

/**
 * Diagnostics: must-gather as a job, and the offline bundle viewer (bundles opened by path on the
 * engine's machine; by default the ones Hangar wrote are listed from DATA_DIR/bundles).
 */
export class DiagnosticsService {
  private readonly open = new Map<string, OpenedBundle>();

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
    if (!path.isAbsolute(file)) throw new HangarError('INVALID_PARAMS', 'Give the full path of the bundle file on the machine Hangar runs on');
    const b = await openBundle(file);
    this.open.set(b.id, b);
    while (this.open.size > MAX_OPEN) this.open.delete(this.open.keys().next().value!);
    return b.summary;
  }

  private get(id: string): OpenedBundle {
    const b = this.open.get(id);
    if (!b) throw new HangarError('NOT_FOUND', 'That bundle is no longer open: open it again');
    return b;
  }

  tree(id: string) {
    return { files: [...this.get(id).files].map(([p, b]) => ({ path: p, size: b.length })).sort((a, b) => a.path.localeCompare(b.path)) };
  }

  file(id: string, p: string) {
    return fileContent(this.get(id), p);
  }

  search(id: string, q: { query: string; from?: number | undefined; to?: number | undefined; hosts?: string[] | undefined; limit: number }) {
    return searchLogs(this.get(id), q);
  }

  domains(id: string) {
    return { domains: bundleDomains(this.get(id)) };
  }

  close(id: string): void {
    this.open.delete(id);
  }
}
