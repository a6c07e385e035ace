import type { Readable } from 'node:stream';
import type { Message } from '../../contract/message';
import type { TransferStats, TransferTicket, UploadFormat, UploadResult } from '../../contract/transfer';

/**
 * What another engine module calls to bring bytes into a pool (the library marks a template Ready
 * from `onComplete`, shows Uploading n% from `onProgress`), or to read a volume out (a copy
 * between hosts is `openVolume` on one host as the `stream` source of `uploadIntoPool` on another).
 */

/** Where the bytes come from. */
export type UploadSource =
  /** A person's browser or app: the bytes arrive as an HTTP PUT with the ticket `uploadIntoPool` returns. */
  | { kind: 'ticket' }
  /** A file on the engine's machine (the CLI); reopened at the verified offset after a broken link. */
  | { kind: 'file'; path: string }
  /** Any stream the caller can (re)open from a byte offset, e.g. another host's volume (`openVolume`). */
  | { kind: 'stream'; open: (offset: number, signal: AbortSignal) => Promise<Readable> };

export interface UploadIntoPool {
  hostId: string;
  pool: string;
  /** The new volume's name; an existing volume of that name is refused (CONFLICT), never overwritten. */
  name: string;
  /** The exact number of bytes that will be sent. */
  size: number;
  format: UploadFormat;
  /** When known: the bytes must hash to this as well. */
  sha256?: string;
  source: UploadSource;
  /** The job's title (default: "Upload <name> to <pool>"). */
  title?: Message;
  /** Runs this upload as a child of that job (its progress becomes the parent's). */
  parentId?: string;
  /** Every progress report (bytes only grow), coalesced to a few per second. */
  onProgress?(stats: TransferStats): void;
  /**
   * Runs inside the job once the volume is on the host and checked (sha256sum and qemu-img info
   * there): the job succeeds only after it resolves. Throwing fails the job and deletes the volume.
   */
  onComplete?(result: UploadResult): Promise<void> | void;
  /** The job failed or was cancelled; the volume is gone (or, while resumable, kept until the resume window ends). */
  onFailed?(error: { code: string; message: string }): void;
}

export interface UploadHandle {
  jobId: string;
  /** For a `ticket` source: where and with what the client sends the bytes; null otherwise. */
  ticket: TransferTicket | null;
  /** Resolves with the checked result, or rejects with the job's error. */
  done: Promise<UploadResult>;
}

export interface TransferApi {
  /** Checks the pool (running, enough free space, name free), creates the volume and starts a `volume.upload` job. */
  uploadIntoPool(spec: UploadIntoPool): Promise<UploadHandle>;
  /** A readable of a volume's bytes from `offset` (libvirt volume download), with its size. */
  openVolume(ref: { hostId: string; pool: string; volume: string }, offset: number, signal: AbortSignal): Promise<{ stream: Readable; size: number }>;
}
