/**
 * A libvirt stream (serial console, volume upload/download) as a Node Duplex.
 *
 * Wire protocol, per stream (identified by the serial of the call that opened it):
 *  - data travels as STREAM messages with status CONTINUE, at most 256 KiB each;
 *  - the daemon signals end of data with an empty CONTINUE packet;
 *  - either side finishes with an empty STREAM OK, which the other confirms with an empty STREAM
 *    OK (or an error reply); the client aborts with an empty STREAM ERROR;
 *  - failures arrive as STREAM ERROR (or REPLY ERROR) carrying a remote_error.
 *
 * Flow control: libvirt has no per-stream window. The daemon sends one data packet at a time and
 * waits until the socket took it, so the only brake is the socket itself. When our reader does not
 * keep up, the stream asks the client to pause the transport (stalling other calls on this
 * connection too, exactly as libvirt's own client would through TCP), and resumes on _read.
 */
import { Duplex, type DuplexOptions } from 'node:stream';
import { HangarError } from '../contract/errors';
import { MessageStatus, STREAM_CHUNK_MAX } from './protocol/constants';

/** What a stream needs from the RPC client that owns the connection. */
export interface StreamSink {
  /** Sends one STREAM message; returns false when the transport asks to wait for 'drain'. */
  sendStream(serial: number, proc: number, status: MessageStatus, payload?: Uint8Array): boolean;
  /** Calls back once the transport drained (or with an error if the connection died). */
  onDrain(cb: (err?: Error) => void): void;
  pause(stream: LibvirtStream): void;
  resume(stream: LibvirtStream): void;
  /** Forgets the stream; late messages for its serial are dropped. */
  release(serial: number): void;
}

export interface LibvirtStreamOptions {
  /** Daemon → client data expected (console, download). */
  readable: boolean;
  /** Client → daemon data expected (console, upload). */
  writable: boolean;
}

export class LibvirtStream extends Duplex {
  private remoteEnded = false;
  private finishSent = false;
  private released = false;
  private confirm: ((err?: Error) => void) | undefined;
  private readonly readsData: boolean;
  /**
   * False until the daemon's reply accepted the call. The stream is registered when the call is
   * sent (as libvirt's own client does) because libvirtd may send data before that reply; until
   * then nobody can read it, so it is buffered without pausing the socket the reply must come through.
   */
  private accepted = false;
  /** A failure that arrived before the reply: the opening call fails with it instead. */
  private earlyError: HangarError | undefined;

  constructor(
    private readonly sink: StreamSink,
    readonly serial: number,
    readonly proc: number,
    opts: LibvirtStreamOptions,
  ) {
    // Node honours `readable`/`writable: false` (a one-way Duplex) though @types/node omits them.
    const options: DuplexOptions & { readable: boolean; writable: boolean } = {
      readable: opts.readable,
      writable: opts.writable,
      // A console is over when the daemon ends it: end our writing side with it.
      allowHalfOpen: !(opts.readable && opts.writable),
    };
    super(options);
    this.readsData = opts.readable;
  }

  // --- from the daemon (called by the RPC client) -------------------------------------------

  /** @internal An empty data packet is the daemon's end of data (EOF). */
  handleData(payload: Uint8Array): void {
    if (this.destroyed || this.remoteEnded) return;
    if (payload.length === 0) {
      this.onRemoteEof();
      return;
    }
    if (!this.push(Buffer.from(payload)) && this.accepted) this.sink.pause(this);
  }

  /** @internal The opening call was answered OK; returns the failure that came first, if any. */
  accept(): HangarError | undefined {
    this.accepted = true;
    if (this.earlyError) this.discard();
    return this.earlyError;
  }

  /** @internal The opening call failed or was given up: forget the stream without a word to the daemon. */
  discard(): void {
    this.released = true;
    this.sink.resume(this);
    // Nobody holds this stream yet: no 'error' listener, so it must go quietly.
    this.destroy();
  }

  /** @internal False before the opening call's reply. */
  get isAccepted(): boolean {
    return this.accepted;
  }

  /** @internal An empty STREAM OK: the daemon confirms our finish. */
  handleOk(): void {
    const confirm = this.confirm;
    this.confirm = undefined;
    this.endReadable();
    if (confirm) {
      confirm();
      return;
    }
    // Not expected by current daemons; older ones ended data this way. Finish and let go.
    this.finishRemote();
    this.releaseOnce();
  }

  private onRemoteEof(): void {
    this.endReadable();
    // Finish our side too so the daemon releases the stream; its confirmation releases ours.
    if (this.finishRemote()) this.confirm = () => this.releaseOnce();
  }

  /** Sends the finish handshake once; false when it was already sent. */
  private finishRemote(): boolean {
    if (this.finishSent || this.released) return false;
    this.finishSent = true;
    this.sink.sendStream(this.serial, this.proc, MessageStatus.OK);
    return true;
  }

  /** @internal */
  handleError(err: HangarError): void {
    if (!this.accepted) {
      this.earlyError ??= err;
      this.releaseOnce();
      return;
    }
    const confirm = this.confirm;
    this.confirm = undefined;
    this.releaseOnce();
    if (confirm) confirm(err);
    this.destroy(err);
  }

  // --- Duplex implementation -----------------------------------------------------------------

  override _read(): void {
    this.sink.resume(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.finishSent || this.released) {
      cb(new HangarError('CONFLICT', 'libvirt stream is already finished'));
      return;
    }
    let ok = true;
    for (let off = 0; off < chunk.length; off += STREAM_CHUNK_MAX) {
      ok = this.sink.sendStream(this.serial, this.proc, MessageStatus.CONTINUE, chunk.subarray(off, off + STREAM_CHUNK_MAX));
    }
    if (ok) cb();
    else this.sink.onDrain((err) => cb(err ?? null));
  }

  /** end(): finish the stream and wait for the daemon to confirm (e.g. an upload was stored). */
  override _final(cb: (err?: Error | null) => void): void {
    if (this.released || this.finishSent) {
      cb();
      return;
    }
    this.confirm = (err) => {
      this.releaseOnce();
      this.endReadable();
      cb(err ?? null);
    };
    this.finishRemote();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.released && !this.finishSent) {
      // Abort: tell the daemon to drop its end; its confirmation is not waited for.
      this.sink.sendStream(this.serial, this.proc, MessageStatus.ERROR);
    }
    this.releaseOnce();
    const confirm = this.confirm;
    this.confirm = undefined;
    confirm?.(err ?? new HangarError('CANCELLED', 'libvirt stream destroyed'));
    cb(err);
  }

  private endReadable(): void {
    if (this.remoteEnded) return;
    this.remoteEnded = true;
    // A write-only stream (upload) was created non-readable; pushing EOF there would be an error.
    if (this.readsData) this.push(null);
  }

  private releaseOnce(): void {
    if (this.released) return;
    this.released = true;
    this.sink.resume(this);
    this.sink.release(this.serial);
  }
}
