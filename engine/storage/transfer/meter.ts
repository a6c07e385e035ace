import type { TransferStats } from '../../contract/transfer';

/** How far back the rate looks: long enough to smooth chunk bursts, short enough to follow a change of link. */
const RATE_WINDOW_MS = 3_000;

/**
 * A transfer's figures as a person sees them: bytes done only grow (a resume re-sends from a
 * verified offset below what was shown without moving the bar back), the rate is over the last few
 * seconds of bytes actually moved, and the ETA is what is left over that rate.
 */
export class TransferMeter {
  private shown = 0;
  private position = 0;
  private readonly samples: { at: number; bytes: number }[] = [];
  private moved = 0;
  private phase: TransferStats['phase'] = 'waiting';
  private resume: { offset: number; until: number } | null = null;

  constructor(
    readonly total: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The transfer continues from this byte (0 at first, a verified offset after a resume). */
  startAt(offset: number): void {
    this.position = offset;
    this.shown = Math.max(this.shown, offset);
    this.phase = 'sending';
    this.resume = null;
  }

  /** n more bytes went through. */
  add(n: number): void {
    this.position += n;
    this.moved += n;
    this.shown = Math.max(this.shown, Math.min(this.total, this.position));
    const at = this.now();
    this.samples.push({ at, bytes: this.moved });
    while (this.samples.length > 2 && at - this.samples[0]!.at > RATE_WINDOW_MS) this.samples.shift();
  }

  /** Waiting for bytes: a ticket not used yet, or a broken link a resume may continue from `offset` until `until`. */
  waiting(resume?: { offset: number; until: number }): void {
    this.phase = 'waiting';
    this.resume = resume ?? null;
    this.samples.length = 0;
  }

  verifying(): void {
    this.phase = 'verifying';
    this.samples.length = 0;
  }

  /** Where the bytes are now (may be below `bytesDone` while a resume re-sends). */
  get offset(): number {
    return this.position;
  }

  rate(): number {
    if (this.phase !== 'sending' || this.samples.length < 2) return 0;
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const ms = Math.max(1, this.now() - first.at);
    return ((last.bytes - first.bytes) * 1000) / ms;
  }

  stats(): TransferStats {
    const rateBps = Math.round(this.rate());
    const left = this.total - this.position;
    return {
      bytesDone: this.shown,
      bytesTotal: this.total,
      rateBps,
      etaSec: this.phase === 'verifying' ? null : rateBps > 0 ? Math.ceil(left / rateBps) : null,
      phase: this.phase,
      ...(this.resume ? { resumeOffset: this.resume.offset, resumableUntil: this.resume.until } : {}),
    };
  }

  /** The fraction for the job's progress bar (only grows, like bytesDone). */
  fraction(): number {
    return this.total > 0 ? this.shown / this.total : 1;
  }
}
