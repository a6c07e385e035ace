import { z } from 'zod';
import { HostId } from './hosts';
/** A job id (as jobs.ts has it; not imported, jobs.ts imports this file). */
const JobId = z.string().min(1).max(64);
import { StorageName } from './storage';

/**
 * Image bytes to and from a host's pool (issue 17): uploads stream into libvirt's volume upload,
 * downloads out of its volume download, through the engine with backpressure and never whole in
 * memory or on disk. A transfer is a job (`volume.upload` / `volume.download`) whose live figures
 * are the job's `transfer` field; the bytes themselves travel over HTTP with a single-use ticket:
 *
 *   PUT  <url>  body = the image (from `offset` on, when resuming)   → 204 once the bytes are on the host
 *   GET  <url>  → the volume's bytes (content-length = its size)
 *
 * `url` is the engine's own origin under `hangar serve` (a path such as `/transfer/upload/<ticket>`),
 * or an absolute loopback URL in the Electron app.
 */

/** Where transfer requests go: `${TRANSFER_PATH}/upload/<ticket>`, `${TRANSFER_PATH}/download/<ticket>`. */
export const TRANSFER_PATH = '/transfer';

/** What an upload holds: a disk image (qcow2 or raw) or a CD image (an ISO, which qemu-img reads as raw). */
export const UPLOAD_FORMATS = ['qcow2', 'raw', 'iso'] as const;
export const UploadFormat = z.enum(UPLOAD_FORMATS);
export type UploadFormat = z.infer<typeof UploadFormat>;

export const Sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'a SHA-256 as 64 lower-case hex digits');

/** 16 TiB: far beyond any image; keeps sizes inside exact integers. */
const MAX_UPLOAD_BYTES = 16 * 1024 ** 4;

export const UploadBeginParams = z
  .object({
    hostId: HostId,
    pool: StorageName,
    /** The new volume's name (a file name in a dir pool); an existing volume is never overwritten. */
    name: StorageName,
    /** The exact byte count that will be sent. */
    size: z.number().int().positive().max(MAX_UPLOAD_BYTES),
    format: UploadFormat,
    /** When given, the bytes received must hash to this too, else the volume is deleted and the job fails. */
    sha256: Sha256Hex.optional(),
  })
  .strict();
export type UploadBeginParams = z.infer<typeof UploadBeginParams>;

/** A ticket to PUT (or GET) the bytes once; a resume asks for a new one. */
export const TransferTicket = z.object({
  jobId: JobId,
  ticket: z.string(),
  /** Where to send the request (relative under `hangar serve`, absolute loopback in the app). */
  url: z.string(),
  /** Upload: the byte to start the body from (0, or the last offset the host verified when resuming). Download: 0. */
  offset: z.number().int().min(0),
  /** Bytes in all (the upload's size; the volume's size for a download). */
  size: z.number().int().min(0),
  /** The ticket is refused after this (ms since epoch) unless its request has started. */
  expiresAt: z.number(),
});
export type TransferTicket = z.infer<typeof TransferTicket>;

export const TransferJobParams = z.object({ jobId: JobId }).strict();

export const DownloadBeginParams = z.object({ hostId: HostId, pool: StorageName, volume: StorageName }).strict();
export type DownloadBeginParams = z.infer<typeof DownloadBeginParams>;

/**
 * A transfer job's live figures. `bytesDone` only grows (a resume re-sends from a verified offset
 * below it without moving it back); `rateBps` is a recent rate; `etaSec` null when unknown.
 * `phase`: what it does now — `waiting` for the bytes (a ticket not used yet, or a broken link
 * it may resume from until `resumableUntil`), `sending`, `verifying` on the host.
 */
export const TRANSFER_PHASES = ['waiting', 'sending', 'verifying'] as const;
export const TransferStats = z.object({
  bytesDone: z.number().min(0),
  bytesTotal: z.number().min(0),
  rateBps: z.number().min(0),
  etaSec: z.number().min(0).nullable(),
  phase: z.enum(TRANSFER_PHASES),
  /** While waiting after a broken link: the offset a resume starts from, and until when it is kept. */
  resumeOffset: z.number().int().min(0).optional(),
  resumableUntil: z.number().optional(),
});
export type TransferStats = z.infer<typeof TransferStats>;

/** A finished upload: the volume as the host has it, checked (sha256sum and qemu-img info on the host). */
export const UploadResult = z.object({
  hostId: z.string(),
  pool: z.string(),
  name: z.string(),
  path: z.string(),
  size: z.number(),
  format: UploadFormat,
  sha256: Sha256Hex,
  /** The image's virtual size (qemu-img's), what a VM made from it sees. */
  virtualSize: z.number(),
});
export type UploadResult = z.infer<typeof UploadResult>;

export const DownloadResult = z.object({ bytes: z.number(), sha256: Sha256Hex });
export type DownloadResult = z.infer<typeof DownloadResult>;
