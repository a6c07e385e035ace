import crypto, { type Hash } from 'node:crypto';
import fs from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HangarError } from '../../contract/errors';
import type { UploadResult } from '../../contract/transfer';
import type { JobContext } from '../../jobs/job-runner';
import { isNotFound, type LibvirtConnection } from '../../libvirt';
import { STREAM_CHUNK_MAX } from '../../libvirt/protocol/constants';
import type { Logger } from '../../logger';
import { buildVolumeXml } from '../../xml/volume';
import type { UploadIntoPool } from './api';
import { checkImageInfo, ISO_MAGIC, type HostShell } from './host-checks';
import { TransferMeter } from './meter';

const MiB = 1024 ** 2;
/**
 * Bytes each stage of the pipe (file read, hashing tap) holds: one libvirt stream packet (256 KiB).
 * Larger buffers did not go faster, and each stage's buffer plus the copies made on the way to the
 * socket (packet framing, SSH cipher) are what an upload adds to the engine's memory (issue 17).
 */
const STAGE_BYTES = STREAM_CHUNK_MAX;

export interface TransferTuning {
  /** No byte for this long: the link is taken as broken. */
  stallMs: number;
  /** After a broken link, how long the partial volume waits for a resume before it is deleted. */
  resumeWindowMs: number;
  /** How long a ticket waits for its request. */
  ticketTtlMs: number;
  /** A resume point (the hash state at that byte) is kept every this many bytes. */
  checkpointBytes: number;
  /** A file or stream source is resumed by the engine itself this many times. */
  autoResumes: number;
}

export const DEFAULT_TUNING: TransferTuning = {
  stallMs: 30_000,
  resumeWindowMs: 10 * 60_000,
  ticketTtlMs: 60_000,
  checkpointBytes: 32 * MiB,
  autoResumes: 5,
};

/** The bytes of one attempt: a PUT body (settled with the attempt's outcome) or a source opened at the offset. */
export interface Body {
  stream: Readable;
  settle(err: Error | null): void;
}

/** An error that ends the upload for good (a resume would not help): wrong bytes, too many bytes. */
const FINAL = Symbol('final');
const final = (err: HangarError): HangarError => Object.assign(err, { [FINAL]: true });
const isFinal = (err: unknown) => typeof err === 'object' && err !== null && FINAL in err;

interface Checkpoint {
  offset: number;
  hash: Hash;
}

export interface UploadRunDeps {
  libvirt(hostId: string): LibvirtConnection;
  shell(hostId: string): HostShell;
  refreshPool(hostId: string, pool: string): Promise<unknown>;
  logger: Logger;
  tuning: TransferTuning;
}

/**
 * One upload into a new volume: the job's handler and the state a resume needs. The bytes pass
 * through a hashing tap into libvirt's volume upload stream (backpressure end to end: a PUT body is
 * read only as fast as libvirt takes it). Every `checkpointBytes` the hash state is copied; after
 * a broken link the newest copy whose prefix hashes the same on the host is where the next attempt
 * starts. The volume exists only while the job runs or waits for a resume: any other end deletes it.
 */
export class UploadRun {
  readonly meter: TransferMeter;
  jobId = '';
  private hash: Hash = crypto.createHash('sha256');
  private checkpoints: Checkpoint[] = [];
  /** Where the next attempt starts (verified on the host when it is not 0). */
  private offset = 0;
  private waiter: { resolve(b: Body): void; reject(e: Error): void } | null = null;
  private early: Body | null = null;
  /** Set while the job waits after a broken link; a resume needs the host's prefix checked first. */
  private broken: { until: number; verified: boolean } | null = null;
  private path: string | null = null;
  private lastReport = 0;

  constructor(
    readonly spec: UploadIntoPool,
    private readonly deps: UploadRunDeps,
  ) {
    this.meter = new TransferMeter(spec.size);
  }

  get volumeTarget() {
    return { kind: 'volume' as const, id: `${this.spec.hostId}/${this.spec.pool}/${this.spec.name}` };
  }

  /** Whether a PUT may start now (the job waits for one). */
  get acceptsBody(): boolean {
    return this.early === null && (this.broken === null || this.broken.verified);
  }

  /** A PUT body arrived (with a ticket): the job takes it now or when it gets there. */
  offer(body: Body): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.resolve(body);
    } else if (!this.early) this.early = body;
    else body.settle(new HangarError('CONFLICT', 'This upload is already receiving its bytes'));
  }

  /** After a broken link: checks the host's prefix, and says from which byte the next PUT starts. */
  async prepareResume(signal: AbortSignal): Promise<number> {
    if (!this.broken) {
      if (this.early || this.meter.stats().phase !== 'waiting') throw new HangarError('CONFLICT', 'This upload is not waiting for a resume', { message: { key: 'transfer.err.notResumable' } });
      return this.offset;
    }
    if (!this.broken.verified) {
      await this.verifyPrefix(signal);
      this.broken.verified = true;
    }
    return this.offset;
  }

  /** The job: create the volume, take the bytes (with resumes), check them on the host. */
  async run(ctx: JobContext): Promise<UploadResult> {
    const { spec } = this;
    let made: Awaited<ReturnType<JobContext['journal']['artifact']>> | null = null;
    let ok = false;
    const report = (force = false) => {
      const now = Date.now();
      if (!force && now - this.lastReport < 200) return;
      this.lastReport = now;
      const stats = this.meter.stats();
      ctx.transfer(stats);
      ctx.progress(this.meter.fraction() * 0.97);
      spec.onProgress?.(stats);
    };
    try {
      const conn = this.deps.libvirt(spec.hostId);
      const pool = await conn.storagePoolLookupByName(spec.pool);
      made = await ctx.journal.artifact({ kind: 'volume', hostId: spec.hostId, pool: spec.pool, name: spec.name });
      await conn.storageVolCreateXml(pool, buildVolumeXml({ name: spec.name, capacityBytes: spec.size, allocationBytes: 0, format: 'raw', backing: null }));
      await made.created();
      this.path = await conn.storageVolGetPath(await conn.storageVolLookupByName(pool, spec.name));

      let resumes = 0;
      for (;;) {
        if (ctx.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
        this.meter.waiting(this.broken ? { offset: this.offset, until: this.broken.until } : undefined);
        report(true);
        const body = await this.nextBody(ctx.signal);
        this.broken = null;
        try {
          await this.attempt(body.stream, ctx.signal, report);
          body.settle(null);
          break;
        } catch (err) {
          body.settle(err as Error);
          if (ctx.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
          if (isFinal(err)) throw err;
          this.deps.logger.warn('upload link broken', { jobId: this.jobId, at: this.meter.offset, error: String(err) });
          if (spec.source.kind !== 'ticket' && resumes >= this.deps.tuning.autoResumes) throw err;
          resumes++;
          this.broken = { until: Date.now() + this.deps.tuning.resumeWindowMs, verified: false };
          // Back to the newest resume point until the host says which one holds.
          this.rewind(this.checkpoints.length ? this.checkpoints[this.checkpoints.length - 1]! : null);
        }
      }

      this.meter.verifying();
      report(true);
      ctx.progress(0.97, { key: 'job.volume.upload.verifying', args: { name: spec.name } });
      const result = await this.verify(ctx.signal);
      await this.deps.refreshPool(spec.hostId, spec.pool).catch(() => null);
      if (spec.onComplete) await spec.onComplete(result);
      ok = true;
      return result;
    } finally {
      this.waiter = null;
      this.early?.settle(new HangarError('CANCELLED', 'The upload ended'));
      this.early = null;
      if (!ok && made) {
        const removed = await this.deleteVolume();
        if (removed) await made.removed().catch(() => undefined);
      }
    }
  }

  /** The next attempt's bytes: a PUT (waiting for it, or for a resume, within the window) or the source reopened. */
  private async nextBody(signal: AbortSignal): Promise<Body> {
    const { source } = this.spec;
    if (source.kind !== 'ticket') {
      if (this.broken) await this.waitForHostAndVerify(signal);
      const stream = source.kind === 'file' ? fs.createReadStream(source.path, { start: this.offset, highWaterMark: STAGE_BYTES }) : await source.open(this.offset, signal);
      return { stream, settle: () => undefined };
    }
    if (this.early) {
      const b = this.early;
      this.early = null;
      return b;
    }
    const limit = this.broken ? this.broken.until - Date.now() : this.deps.tuning.resumeWindowMs;
    return new Promise<Body>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const timer = setTimeout(() => {
        done();
        this.waiter = null;
        reject(
          this.broken
            ? new HangarError('TIMEOUT', `The link broke at ${Math.round(this.offset / MiB)} MiB and no resume came in time: the partial volume is deleted`, { message: { key: 'transfer.err.gaveUp', args: { name: this.spec.name } } })
            : new HangarError('TIMEOUT', 'No bytes arrived for the upload', { message: { key: 'transfer.err.noBytes', args: { name: this.spec.name } } }),
        );
      }, Math.max(0, limit));
      const onAbort = () => {
        done();
        this.waiter = null;
        reject(new HangarError('CANCELLED', 'Cancelled'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiter = {
        resolve: (b) => {
          done();
          resolve(b);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
    });
  }

  /** One attempt: from `offset` to the end, through the hashing tap into the volume. */
  private async attempt(source: Readable, signal: AbortSignal, report: () => void): Promise<void> {
    const { size } = this.spec;
    const conn = this.deps.libvirt(this.spec.hostId);
    const vol = await conn.storageVolLookupByName(await conn.storagePoolLookupByName(this.spec.pool), this.spec.name);
    const up = await conn.storageVolUpload(vol, this.offset, size - this.offset);
    this.meter.startAt(this.offset);
    let position = this.offset;
    let nextCheckpoint = position + this.deps.tuning.checkpointBytes;
    let timer: NodeJS.Timeout | null = null;
    const tap = new Transform({
      highWaterMark: STAGE_BYTES,
      transform: (chunk: Buffer, _enc, cb) => {
        if (position + chunk.length > size) {
          cb(final(new HangarError('INVALID_PARAMS', `More bytes than the ${size} announced`, { message: { key: 'transfer.err.tooLong', args: { size: String(size) } } })));
          return;
        }
        this.hash.update(chunk);
        position += chunk.length;
        this.meter.add(chunk.length);
        if (position >= nextCheckpoint) {
          this.checkpoints.push({ offset: position, hash: this.hash.copy() });
          if (this.checkpoints.length > 8) this.checkpoints.shift();
          nextCheckpoint = position + this.deps.tuning.checkpointBytes;
        }
        arm();
        report();
        cb(null, chunk);
      },
      flush: (cb) => {
        if (timer) clearTimeout(timer);
        if (position < size) cb(new HangarError('UNREACHABLE', `The upload ended at byte ${position} of ${size}`, { message: { key: 'transfer.err.short', args: { done: `${Math.floor(position / MiB)} MiB`, size: `${Math.floor(size / MiB)} MiB` } } }));
        else cb();
      },
    });
    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => tap.destroy(new HangarError('TIMEOUT', `The upload stalled for ${this.deps.tuning.stallMs / 1000} s`)), this.deps.tuning.stallMs);
    };
    arm();
    const stop = () => tap.destroy(new HangarError('CANCELLED', 'Cancelled'));
    signal.addEventListener('abort', stop);
    try {
      await pipeline(source, tap, up);
    } finally {
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      if (!up.destroyed && !up.writableFinished) up.destroy();
    }
  }

  private rewind(to: Checkpoint | null): void {
    if (to) {
      this.offset = to.offset;
      this.hash = to.hash.copy();
      this.checkpoints = this.checkpoints.filter((c) => c.offset <= to.offset);
    } else {
      this.offset = 0;
      this.hash = crypto.createHash('sha256');
      this.checkpoints = [];
    }
  }

  /** Finds the newest resume point whose prefix the host has, byte for byte (else byte 0). */
  private async verifyPrefix(signal: AbortSignal): Promise<void> {
    const shell = this.deps.shell(this.spec.hostId);
    const path = this.path!;
    const candidates = [...this.checkpoints].reverse().slice(0, 3);
    for (const c of candidates) {
      const there = await shell.prefixSha256(path, c.offset, signal);
      if (there === c.hash.copy().digest('hex')) {
        this.rewind(c);
        this.deps.logger.info('upload resumes', { jobId: this.jobId, offset: c.offset });
        return;
      }
    }
    this.rewind(null);
  }

  /** An engine-side source: wait for the host to answer again (within the window), then check where to resume. */
  private async waitForHostAndVerify(signal: AbortSignal): Promise<void> {
    const until = this.broken!.until;
    for (;;) {
      if (signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
      try {
        this.deps.libvirt(this.spec.hostId);
        await this.verifyPrefix(signal);
        return;
      } catch (err) {
        if (signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
        if (Date.now() > until) throw new HangarError('TIMEOUT', `The link to the host did not come back: ${String(err)}`, { message: { key: 'transfer.err.gaveUp', args: { name: this.spec.name } } });
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  }

  /** sha256sum and qemu-img info on the host; anything wrong fails the job (and so deletes the volume). */
  private async verify(signal: AbortSignal): Promise<UploadResult> {
    const { spec } = this;
    const sent = this.hash.digest('hex');
    if (spec.sha256 && spec.sha256 !== sent) {
      throw final(new HangarError('INVALID_PARAMS', `The bytes received hash to ${sent}, not the ${spec.sha256} announced`, { message: { key: 'transfer.err.checksum', args: { name: spec.name } } }));
    }
    const shell = this.deps.shell(spec.hostId);
    const path = this.path!;
    const there = await shell.prefixSha256(path, spec.size, signal);
    if (there !== sent) {
      throw new HangarError('INTERNAL', `The volume on the host hashes to ${there}, not ${sent} as sent`, { message: { key: 'transfer.err.hostChecksum', args: { name: spec.name } } });
    }
    const facts = checkImageInfo(await shell.qemuImgInfo(path, signal), spec.format);
    if (spec.format === 'iso' && (await shell.peek(path, ISO_MAGIC.offset, ISO_MAGIC.text.length, signal)) !== ISO_MAGIC.text) {
      throw new HangarError('INVALID_PARAMS', 'The file is not an ISO 9660 image', { message: { key: 'transfer.err.format', args: { expected: 'iso', found: 'raw' } } });
    }
    return { hostId: spec.hostId, pool: spec.pool, name: spec.name, path, size: spec.size, format: spec.format, sha256: sent, virtualSize: facts.virtualSize || spec.size };
  }

  /** Deletes the partial or refused volume; false when it could not (the job then names it as left behind). */
  private async deleteVolume(): Promise<boolean> {
    for (let i = 0; i < 3; i++) {
      try {
        const conn = this.deps.libvirt(this.spec.hostId);
        const pool = await conn.storagePoolLookupByName(this.spec.pool);
        await conn.storageVolDelete(await conn.storageVolLookupByName(pool, this.spec.name));
        await this.deps.refreshPool(this.spec.hostId, this.spec.pool).catch(() => null);
        return true;
      } catch (err) {
        if (isNotFound(err)) return true;
        this.deps.logger.warn('could not delete the partial upload', { jobId: this.jobId, error: String(err) });
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
    return false;
  }
}
