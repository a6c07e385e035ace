import { StoragePoolState } from '../../libvirt/protocol/flags';
import type { Readable } from 'node:stream';
import { ConsoleTickets } from '../../console/console-tickets';
import { HangarError } from '../../contract/errors';
import type { Job } from '../../contract/jobs';
import { TRANSFER_PATH, type TransferTicket, type UploadResult } from '../../contract/transfer';
import type { FleetLinks } from '../../hosts/fleet';
import type { JobRunner } from '../../jobs/job-runner';
import { isNotFound } from '../../libvirt';
import type { Logger } from '../../logger';
import type { Service } from '../../rpc/service';
import type { PoolInventory } from '../pool-inventory';
import type { TransferApi, UploadHandle, UploadIntoPool } from './api';
import { DownloadRun } from './download-run';
import { localShell, sshShell, type HostShell } from './host-checks';
import { DEFAULT_TUNING, UploadRun, type TransferTuning } from './upload-run';

export interface TransferDeps {
  fleet: Pick<FleetLinks, 'libvirt' | 'ssh'>;
  pools: PoolInventory;
  jobs: JobRunner;
  logger: Logger;
  /** Where clients reach transfer URLs when that is not the origin that served the UI (the app's loopback server). */
  origin: () => string | null;
  tuning?: Partial<TransferTuning>;
}

/** What the HTTP endpoint (engine/server/transfer-http.ts) needs: a ticket's upload or download, taken once. */
export interface TransferEndpoints {
  takeUpload(ticket: string): UploadRun | null;
  takeDownload(ticket: string): DownloadRun | null;
}

type Ticketed = { kind: 'upload'; run: UploadRun } | { kind: 'download'; run: DownloadRun };

/** Bytes as the messages show them (units read the same in every language). */
export const sizeText = (n: number): string => (n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

/** Pool space is counted with this much to spare (file system metadata, a qcow2 growing its last cluster). */
const SPACE_MARGIN = 16 * 1024 ** 2;

/** Volume upload and download (issue 17): storage.uploadBegin/uploadResume/uploadCancel/downloadBegin, the engine-side TransferApi, the HTTP endpoints' tickets. */
export function transferService(deps: TransferDeps): Service & { readonly transfers: TransferApi & TransferEndpoints } {
  const tuning: TransferTuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const tickets = new ConsoleTickets<Ticketed>(() => undefined, tuning.ticketTtlMs);
  const uploads = new Map<string, UploadRun>();
  const shell = (hostId: string): HostShell => {
    const ssh = deps.fleet.ssh(hostId);
    return ssh ? sshShell(ssh) : localShell();
  };
  const url = (kind: 'upload' | 'download', ticket: string) => `${deps.origin() ?? ''}${TRANSFER_PATH}/${kind}/${ticket}`;
  const ticketFor = (kind: 'upload' | 'download', jobId: string, value: Ticketed, offset: number, size: number): TransferTicket => {
    const t = tickets.issue(kind, value);
    return { jobId, ticket: t.ticket, url: url(kind, t.ticket), offset, size, expiresAt: t.expiresAt };
  };

  /** Two libvirt calls, no SSH: the pool's state and free space as libvirt has them now. */
  async function checkTarget(spec: Pick<UploadIntoPool, 'hostId' | 'pool' | 'name' | 'size'>): Promise<void> {
    const conn = deps.fleet.libvirt(spec.hostId);
    const poolRef = await conn.storagePoolLookupByName(spec.pool).catch((err: unknown) => {
      if (isNotFound(err)) throw new HangarError('NOT_FOUND', `No pool ${spec.pool}`, { message: { key: 'transfer.err.noPool', args: { pool: spec.pool } } });
      throw err;
    });
    const pool = await conn.storagePoolGetInfo(poolRef);
    if (pool.state !== StoragePoolState.RUNNING) throw new HangarError('CONFLICT', `Pool ${spec.pool} is stopped`, { message: { key: 'pool.err.stopped', args: { pool: spec.pool } } });
    if (pool.available < spec.size + SPACE_MARGIN) {
      throw new HangarError('CONFLICT', `Pool ${spec.pool} has ${pool.available} bytes free, the upload needs ${spec.size}`, {
        message: { key: 'transfer.err.space', args: { pool: spec.pool, need: sizeText(spec.size), free: sizeText(pool.available) } },
      });
    }
    const exists = await conn.storageVolLookupByName(poolRef, spec.name).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
    if (exists) throw new HangarError('CONFLICT', `Pool ${spec.pool} already has a volume ${spec.name}`, { message: { key: 'transfer.err.exists', args: { pool: spec.pool, name: spec.name } } });
  }

  async function uploadIntoPool(spec: UploadIntoPool): Promise<UploadHandle> {
    await checkTarget(spec);
    const run = new UploadRun(spec, { libvirt: (h) => deps.fleet.libvirt(h), shell, refreshPool: (h, p) => deps.pools.refreshPool(h, p), logger: deps.logger, tuning });
    let settle!: { resolve(r: UploadResult): void; reject(e: unknown): void };
    const done = new Promise<UploadResult>((resolve, reject) => (settle = { resolve, reject }));
    done.catch(() => undefined);
    const ref = await deps.jobs.start(
      {
        kind: 'volume.upload',
        title: spec.title ?? { key: 'job.volume.upload', args: { name: spec.name, pool: spec.pool } },
        target: run.volumeTarget,
        hostId: spec.hostId,
        ...(spec.parentId ? { parentId: spec.parentId } : {}),
        cancellable: true,
      },
      async (ctx) => {
        try {
          const r = await run.run(ctx);
          settle.resolve(r);
          return r;
        } catch (err) {
          settle.reject(err);
          const e = err instanceof HangarError ? err : new HangarError('INTERNAL', String(err));
          spec.onFailed?.({ code: e.code, message: e.message });
          throw err;
        } finally {
          uploads.delete(run.jobId);
        }
      },
    );
    run.jobId = ref.jobId;
    uploads.set(ref.jobId, run);
    const ticket = spec.source.kind === 'ticket' ? ticketFor('upload', ref.jobId, { kind: 'upload', run }, 0, spec.size) : null;
    return { jobId: ref.jobId, ticket, done };
  }

  async function statVolume(ref: { hostId: string; pool: string; volume: string }, signal: AbortSignal) {
    const conn = deps.fleet.libvirt(ref.hostId);
    const vol = await conn.storageVolLookupByName(await conn.storagePoolLookupByName(ref.pool), ref.volume).catch((err: unknown) => {
      if (isNotFound(err)) throw new HangarError('NOT_FOUND', `No volume ${ref.volume} in pool ${ref.pool}`);
      throw err;
    });
    // The bytes a download gives are the file's (a qcow2's, not its virtual size), or the device's.
    const size = await shell(ref.hostId).sizeOf(await conn.storageVolGetPath(vol), signal);
    return { conn, vol, size };
  }

  async function openVolume(ref: { hostId: string; pool: string; volume: string }, offset: number, signal: AbortSignal): Promise<{ stream: Readable; size: number }> {
    const { conn, vol, size } = await statVolume(ref, signal);
    return { stream: await conn.storageVolDownload(vol, offset, 0), size };
  }

  const transfers: TransferApi & TransferEndpoints = {
    uploadIntoPool,
    openVolume,
    takeUpload: (t) => {
      const v = tickets.take(t, 'upload');
      return v?.kind === 'upload' ? v.run : null;
    },
    takeDownload: (t) => {
      const v = tickets.take(t, 'download');
      return v?.kind === 'download' ? v.run : null;
    },
  };

  const runOf = (jobId: string): UploadRun => {
    const run = uploads.get(jobId);
    if (!run) throw new HangarError('NOT_FOUND', 'This upload has ended', { message: { key: 'transfer.err.ended' } });
    return run;
  };

  return {
    name: 'transfer',
    transfers,
    handlers: {
      'storage.uploadBegin': async (p) => {
        const h = await uploadIntoPool({ ...p, source: { kind: 'ticket' } });
        return h.ticket!;
      },
      'storage.uploadResume': async (p, ctx) => {
        const run = runOf(p.jobId);
        const offset = await run.prepareResume(ctx.signal);
        return ticketFor('upload', p.jobId, { kind: 'upload', run }, offset, run.spec.size);
      },
      'storage.uploadCancel': async (p) => {
        const job: Job = await deps.jobs.cancel(p.jobId);
        return { cancelled: job.state === 'cancelled' || job.state === 'running' || job.state === 'queued' };
      },
      'storage.downloadBegin': async (p, ctx) => {
        const opened = await statVolume(p, ctx.signal);
        const run = new DownloadRun(p, opened.size, (h) => deps.fleet.libvirt(h), tuning.ticketTtlMs, tuning.stallMs);
        const ref = await deps.jobs.start(
          { kind: 'volume.download', title: { key: 'job.volume.download', args: { name: p.volume, pool: p.pool } }, target: { kind: 'volume', id: `${p.hostId}/${p.pool}/${p.volume}` }, hostId: p.hostId, cancellable: true },
          (jctx) => run.run(jctx),
        );
        run.jobId = ref.jobId;
        return ticketFor('download', ref.jobId, { kind: 'download', run }, 0, opened.size);
      },
    },
    close: () => tickets.clear(),
  };
}
