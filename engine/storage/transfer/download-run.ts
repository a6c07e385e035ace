import crypto from 'node:crypto';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HangarError } from '../../contract/errors';
import type { DownloadResult } from '../../contract/transfer';
import type { JobContext } from '../../jobs/job-runner';
import type { LibvirtConnection } from '../../libvirt';
import { TransferMeter } from './meter';

/** Where a GET's response goes: the job writes into it and ends it. */
export interface Sink {
  stream: Writable;
  /** Called once before the first byte (headers: size, file name). */
  begin(size: number): void;
  /** The download failed before its first byte: answer the request with the error. */
  fail(err: Error): void;
}

/**
 * One download of a volume: the job waits for its GET (the ticket's lifetime), then streams the
 * volume out of libvirt's volume download into the response, as fast as the client reads it.
 */
export class DownloadRun {
  readonly meter: TransferMeter;
  jobId = '';
  private waiter: { resolve(s: Sink): void; reject(e: Error): void } | null = null;
  private early: Sink | null = null;

  constructor(
    readonly ref: { hostId: string; pool: string; volume: string },
    readonly size: number,
    private readonly libvirt: (hostId: string) => LibvirtConnection,
    private readonly waitMs: number,
    private readonly stallMs: number,
  ) {
    this.meter = new TransferMeter(size);
  }

  offer(sink: Sink): void {
    if (this.waiter) this.waiter.resolve(sink);
    else this.early = sink;
  }

  async run(ctx: JobContext): Promise<DownloadResult> {
    this.meter.waiting();
    ctx.transfer(this.meter.stats());
    const sink = this.early ?? (await this.wait(ctx.signal));
    let down: Awaited<ReturnType<LibvirtConnection['storageVolDownload']>>;
    try {
      const conn = this.libvirt(this.ref.hostId);
      const vol = await conn.storageVolLookupByName(await conn.storagePoolLookupByName(this.ref.pool), this.ref.volume);
      down = await conn.storageVolDownload(vol, 0, 0);
    } catch (err) {
      sink.fail(err as Error);
      throw err;
    }
    sink.begin(this.size);
    this.meter.startAt(0);
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    let last = 0;
    let timer: NodeJS.Timeout | null = null;
    const tap = new Transform({
      transform: (chunk: Buffer, _e, cb) => {
        hash.update(chunk);
        bytes += chunk.length;
        this.meter.add(chunk.length);
        arm();
        const now = Date.now();
        if (now - last > 200) {
          last = now;
          ctx.transfer(this.meter.stats());
          ctx.progress(this.meter.fraction());
        }
        cb(null, chunk);
      },
    });
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => tap.destroy(new HangarError('TIMEOUT', `The download stalled for ${this.stallMs / 1000} s`, { message: { key: 'transfer.err.downloadBroken' } })), this.stallMs);
    };
    arm();
    const stop = () => tap.destroy(new HangarError('CANCELLED', 'Cancelled'));
    ctx.signal.addEventListener('abort', stop);
    try {
      await pipeline(down, tap, sink.stream);
    } catch (err) {
      if (ctx.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
      if (err instanceof HangarError) throw err;
      throw new HangarError('UNREACHABLE', `The download broke after ${bytes} bytes: ${String(err)}`, { message: { key: 'transfer.err.downloadBroken' } });
    } finally {
      if (timer) clearTimeout(timer);
      ctx.signal.removeEventListener('abort', stop);
    }
    ctx.transfer({ ...this.meter.stats(), bytesDone: bytes, etaSec: 0 });
    return { bytes, sha256: hash.digest('hex') };
  }

  private wait(signal: AbortSignal): Promise<Sink> {
    return new Promise<Sink>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new HangarError('TIMEOUT', 'The download was not started in time', { message: { key: 'transfer.err.noBytes', args: { name: this.ref.volume } } }));
      }, this.waitMs);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new HangarError('CANCELLED', 'Cancelled'));
      }, { once: true });
      this.waiter = {
        resolve: (s) => {
          clearTimeout(timer);
          this.waiter = null;
          resolve(s);
        },
        reject,
      };
    });
  }
}
