/**
 * Splits a byte stream into libvirt messages. Each message starts with a 4-byte big-endian length
 * that counts itself; a socket read may hold part of a message, several, or both, so bytes are
 * accumulated until a whole frame is present. Chunks are only concatenated when a frame completes,
 * so a large message arriving in many reads is copied once.
 */
import { xdrError } from './xdr';
import { HEADER_SIZE, LENGTH_WORD, MESSAGE_MAX } from './protocol/constants';

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected = -1; // length of the frame being assembled, once its length word is in

  constructor(private readonly maxFrame = MESSAGE_MAX + LENGTH_WORD) {}

  /** Bytes held that do not form a complete frame yet. */
  get pending(): number {
    return this.buffered;
  }

  /** Feeds bytes; returns every frame they complete, each including its length word. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < LENGTH_WORD) break;
        const len = this.peekLength();
        if (len < LENGTH_WORD + HEADER_SIZE || len > this.maxFrame) {
          throw xdrError(`frame length ${len} out of range`);
        }
        this.expected = len;
      }
      if (this.buffered < this.expected) break;
      frames.push(this.take(this.expected));
      this.expected = -1;
    }
    return frames;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first && first.length >= LENGTH_WORD) return first.readUInt32BE(0);
    const head = Buffer.concat(this.chunks, LENGTH_WORD);
    return head.readUInt32BE(0);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) {
      // Fast path: the frame lies in one chunk; hand out a view and keep the rest.
      const frame = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return frame;
    }
    const all = Buffer.concat(this.chunks, this.buffered);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return frame;
  }
}
