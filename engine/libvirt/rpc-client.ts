/**
 * libvirt RPC client over any Node Duplex: an SSH stream-local forward, a UNIX socket, or the
 * stdio of `virt-ssh-helper` / `nc -U` run over SSH exec.
 *
 * Calls are pipelined: each gets a serial and many may be in flight; replies are matched by
 * serial, in whatever order the daemon sends them. Each call has a timeout and may be aborted;
 * libvirt cannot cancel a call on the daemon, so an abandoned call's late reply is dropped.
 * When the transport closes or the keepalive declares the peer dead, every pending call and
 * stream fails with UNREACHABLE and 'close' is emitted once.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { HangarError } from '../contract/errors';
import { decodeBuffer } from './codec';
import { FrameDecoder } from './framing';
import { Keepalive, keepaliveMessage, type KeepaliveOptions } from './keepalive';
import {
  KEEPALIVE_PROGRAM,
  KeepaliveProc,
  MESSAGE_MAX,
  LENGTH_WORD,
  MessageStatus,
  MessageType,
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
} from './protocol/constants';
import { decodeRemoteError } from './protocol/error';
import { decodeEvent, type LibvirtEvent } from './protocol/events';
import { decodeMessage, encodeMessage, type Message } from './protocol/header';
import type { ProcedureDef } from './protocol/procedure';
import { LibvirtStream, type LibvirtStreamOptions, type StreamSink } from './stream';

export interface RpcClientOptions {
  /** Default per-call timeout; 0 disables. */
  callTimeoutMs?: number;
  /** Largest frame accepted from the peer. */
  maxMessageBytes?: number;
  /** Called with every frame in either direction (fixture capture, debugging). */
  tap?: (direction: 'in' | 'out', frame: Buffer) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's default; 0 = no timeout. */
  timeoutMs?: number;
}

export interface RpcClientEvents {
  event: [LibvirtEvent];
  /** An event message Hangar does not model (or could not decode). */
  'unknown-event': [proc: number, body: Uint8Array];
  /**
   * A stream packet for no stream this client opened (nor one it just ended or gave up on, whose
   * late packets are expected). The packet is not used; this says so instead of dropping it unseen.
   */
  'unknown-stream': [packet: { serial: number; proc: number; type: MessageType; status: MessageStatus; bytes: number }];
  close: [HangarError];
}

interface Pending {
  name: string;
  resolve: (msg: Message) => void;
  reject: (err: HangarError) => void;
  cleanup: () => void;
  /** Set for stream-opening calls: the stream, registered from the moment the call is sent. */
  stream?: LibvirtStream;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** How many ended streams are remembered, to tell their late packets from unknown ones. */
const ENDED_REMEMBERED = 256;

export class RpcClient extends EventEmitter<RpcClientEvents> {
  private readonly frames: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  /** Serials of calls we gave up on (timeout/abort): value true if it opened a stream. */
  private readonly abandoned = new Map<number, boolean>();
  private readonly streams = new Map<number, LibvirtStream>();
  /** Serials of streams that ended on our side, oldest first: the daemon may still send a few packets. */
  private readonly ended = new Set<number>();
  private readonly pausedBy = new Set<LibvirtStream>();
  private nextSerial = 1;
  private keepalive: Keepalive | undefined;
  private closeError: HangarError | undefined;
  private readonly callTimeoutMs: number;
  private readonly tap: RpcClientOptions['tap'];

  constructor(
    private readonly transport: Duplex,
    opts: RpcClientOptions = {},
  ) {
    super();
    this.callTimeoutMs = opts.callTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.tap = opts.tap;
    this.frames = new FrameDecoder((opts.maxMessageBytes ?? MESSAGE_MAX) + LENGTH_WORD);
    transport.on('data', (chunk: Buffer) => this.onData(chunk));
    transport.on('error', (err: Error) => this.fail(new HangarError('UNREACHABLE', `libvirt connection failed: ${err.message}`)));
    transport.on('end', () => this.fail(new HangarError('UNREACHABLE', 'libvirt connection closed by peer', { reason: 'libvirt-lost' })));
    transport.on('close', () => this.fail(new HangarError('UNREACHABLE', 'libvirt connection closed', { reason: 'libvirt-lost' })));
  }

  get closed(): boolean {
    return this.closeError !== undefined;
  }

  /** Number of calls awaiting a reply. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Starts answering and sending keepalives (only once the daemon said it supports them). */
  startKeepalive(opts: KeepaliveOptions): void {
    if (this.closed || this.keepalive) return;
    this.keepalive = new Keepalive(
      opts,
      (msg) => this.write(msg),
      (idle) => this.fail(new HangarError('UNREACHABLE', `libvirt daemon did not answer keepalive for ${idle} ms`, { reason: 'keepalive' })),
    );
    this.keepalive.start();
  }

  /** Makes one call and resolves with its decoded return value. */
  async call<A, R>(proc: ProcedureDef<A, R>, args: A, opts: CallOptions = {}): Promise<R> {
    const msg = await this.send(proc, args, opts);
    return decodeBuffer(proc.ret, msg.body, `${proc.name} reply`);
  }

  /**
   * Calls a stream procedure (open console, volume upload/download) and resolves with the
   * stream once the daemon accepted the call.
   */
  async openStream<A>(
    proc: ProcedureDef<A, void>,
    args: A,
    dir: LibvirtStreamOptions,
    opts: CallOptions = {},
  ): Promise<LibvirtStream> {
    const serial = this.allocSerial();
    const stream = new LibvirtStream(this.sink, serial, proc.proc, dir);
    await this.send(proc, args, opts, serial, stream);
    return stream;
  }

  /** Closes the transport; pending calls fail with UNREACHABLE. */
  close(): void {
    this.fail(new HangarError('UNREACHABLE', 'libvirt connection closed by Hangar'));
  }

  // --- sending -------------------------------------------------------------------------------

  private allocSerial(): number {
    for (;;) {
      const s = this.nextSerial;
      this.nextSerial = s >= 0xffffffff ? 1 : s + 1;
      if (!this.pending.has(s) && !this.streams.has(s) && !this.abandoned.has(s)) return s;
    }
  }

  private send<A, R>(
    proc: ProcedureDef<A, R>,
    args: A,
    opts: CallOptions,
    serial = this.allocSerial(),
    stream?: LibvirtStream,
  ): Promise<Message> {
    if (this.closeError) return Promise.reject(this.closeError);
    if (opts.signal?.aborted) return Promise.reject(new HangarError('CANCELLED', `${proc.name} cancelled`));
    let frame: Buffer;
    try {
      frame = encodeMessage(
        { prog: proc.program, vers: proc.version, proc: proc.proc, type: MessageType.CALL, serial, status: MessageStatus.OK },
        (w) => proc.args.encode(w, args),
      );
    } catch (err) {
      return Promise.reject(HangarError.from(err));
    }
    return new Promise<Message>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? this.callTimeoutMs;
      const giveUp = (err: HangarError): void => {
        if (!this.pending.has(serial)) return;
        this.pending.delete(serial);
        this.abandoned.set(serial, stream !== undefined);
        if (stream) this.dropStream(stream);
        cleanup();
        reject(err);
      };
      const timer =
        timeoutMs > 0
          ? setTimeout(() => giveUp(new HangarError('TIMEOUT', `${proc.name} timed out after ${timeoutMs} ms`)), timeoutMs)
          : undefined;
      const onAbort = (): void => giveUp(new HangarError('CANCELLED', `${proc.name} cancelled`));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(serial, { name: proc.name, resolve, reject, cleanup, ...(stream ? { stream } : {}) });
      // libvirtd may send a download's or screenshot's first data before the call's reply:
      // the stream must be known by then, or that data would be lost.
      if (stream) this.streams.set(serial, stream);
      this.write(frame, true);
    });
  }

  /** Calls made in the same turn, written together (see write). */
  private outQueue: Buffer[] = [];

  /**
   * Writes a frame. Calls (`coalesce`) issued in one turn go out as one write: 2,000 XML calls of
   * an inventory are then a handful of SSH packets, not 2,000 encryptions and socket writes on the
   * engine's thread. Anything else flushes what is queued first, so the order on the wire holds.
   */
  private write(frame: Buffer, coalesce = false): boolean {
    if (this.closeError) return false;
    this.tap?.('out', frame);
    if (coalesce) {
      this.outQueue.push(frame);
      if (this.outQueue.length === 1) queueMicrotask(() => this.flush());
      return true;
    }
    this.flush();
    return this.transport.write(frame);
  }

  private flush(): void {
    const q = this.outQueue;
    if (q.length === 0) return;
    this.outQueue = [];
    if (this.closeError) return;
    this.transport.write(q.length === 1 ? q[0]! : Buffer.concat(q));
  }

  // --- receiving -----------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.frames.push(chunk);
    } catch (err) {
      this.fail(HangarError.from(err));
      return;
    }
    for (const frame of frames) {
      if (this.closeError) return;
      this.tap?.('in', frame);
      try {
        this.dispatch(decodeMessage(frame));
      } catch (err) {
        // A frame we cannot even parse a header from means we lost sync with the peer.
        this.fail(HangarError.from(err));
        return;
      }
    }
  }

  private dispatch(msg: Message): void {
    const h = msg.header;
    this.keepalive?.received();
    if (h.prog === KEEPALIVE_PROGRAM) {
      // A PING is answered even before (or without) our own keepalive: not answering gets us dropped.
      if (h.proc === KeepaliveProc.PING) this.write(keepaliveMessage(KeepaliveProc.PONG));
      return;
    }
    if (h.prog !== REMOTE_PROGRAM) return; // another program's message: not ours to handle
    switch (h.type) {
      case MessageType.REPLY:
      case MessageType.REPLY_WITH_FDS:
        this.onReply(msg);
        return;
      case MessageType.MESSAGE:
        this.onEvent(msg);
        return;
      case MessageType.STREAM:
        this.onStream(msg);
        return;
      case MessageType.STREAM_HOLE:
        this.onHole(msg);
        return;
      default:
        return;
    }
  }

  private onReply(msg: Message): void {
    const { serial, status } = msg.header;
    const p = this.pending.get(serial);
    if (!p) {
      const stream = this.streams.get(serial);
      if (stream && status === MessageStatus.ERROR) stream.handleError(decodeRemoteError(msg.body, 'stream'));
      const openedStream = this.abandoned.get(serial);
      if (openedStream !== undefined) {
        this.abandoned.delete(serial);
        // A stream we stopped waiting for did open: abort it so the daemon frees it.
        if (openedStream && status === MessageStatus.OK) this.sendStreamMsg(serial, msg.header.proc, MessageStatus.ERROR);
      }
      return;
    }
    this.pending.delete(serial);
    p.cleanup();
    if (status === MessageStatus.ERROR) {
      if (p.stream) this.dropStream(p.stream);
      p.reject(decodeRemoteError(msg.body, p.name));
      return;
    }
    const early = p.stream?.accept();
    if (early) {
      this.streams.delete(serial);
      p.reject(early);
      return;
    }
    p.resolve(msg);
  }

  private onEvent(msg: Message): void {
    let ev: LibvirtEvent | null = null;
    try {
      ev = decodeEvent(msg.header.proc, msg.body);
    } catch {
      ev = null; // a malformed event is reported as unknown rather than killing the connection
    }
    if (ev) this.emit('event', ev);
    else this.emit('unknown-event', msg.header.proc, msg.body);
  }

  private onStream(msg: Message): void {
    const stream = this.streams.get(msg.header.serial);
    if (!stream) {
      this.strayStreamPacket(msg);
      return;
    }
    switch (msg.header.status) {
      case MessageStatus.CONTINUE:
        stream.handleData(msg.body);
        return;
      case MessageStatus.OK:
        stream.handleOk();
        return;
      default:
        stream.handleError(decodeRemoteError(msg.body, 'stream'));
    }
  }

  /**
   * Hangar never opens sparse streams, so a hole (a run of zeros sent as a length) would silently
   * shorten the data: the stream fails instead, and the daemon is told to abort it.
   */
  private onHole(msg: Message): void {
    const stream = this.streams.get(msg.header.serial);
    if (!stream) {
      this.strayStreamPacket(msg);
      return;
    }
    const err = new HangarError('UNSUPPORTED', 'libvirt sent a sparse-stream hole on a stream Hangar opened without the sparse flag');
    this.sendStreamMsg(msg.header.serial, msg.header.proc, MessageStatus.ERROR);
    stream.handleError(err);
  }

  /**
   * A stream packet whose stream is not open here. After a stream ends on our side the daemon may
   * still send what was in flight (as libvirt's own client expects): ignored. Data for a stream
   * whose opening call we gave up on (timeout, abort) means it did open: the daemon is told to
   * abort it, once. Anything else is reported on 'unknown-stream'.
   */
  private strayStreamPacket(msg: Message): void {
    const { serial, proc, type, status } = msg.header;
    if (this.abandoned.get(serial) === true) {
      this.sendStreamMsg(serial, proc, MessageStatus.ERROR);
      this.abandoned.set(serial, false); // aborted now: its late reply needs no second abort
      return;
    }
    if (this.ended.has(serial) || this.abandoned.has(serial)) return;
    this.emit('unknown-stream', { serial, proc, type, status, bytes: msg.body.length });
  }

  // --- streams -------------------------------------------------------------------------------

  private rememberEnded(serial: number): void {
    this.ended.delete(serial);
    this.ended.add(serial);
    if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.values().next().value!);
  }

  /** Forgets a stream whose opening call failed or was abandoned; nobody holds it yet. */
  private dropStream(stream: LibvirtStream): void {
    if (this.streams.get(stream.serial) === stream) this.streams.delete(stream.serial);
    this.rememberEnded(stream.serial);
    stream.discard();
  }

  private sendStreamMsg(serial: number, proc: number, status: MessageStatus, payload?: Uint8Array): boolean {
    const frame = encodeMessage(
      { prog: REMOTE_PROGRAM, vers: REMOTE_PROTOCOL_VERSION, proc, type: MessageType.STREAM, serial, status },
      payload ? (w) => w.raw(payload) : undefined,
    );
    return this.write(frame);
  }

  private readonly sink: StreamSink = {
    sendStream: (serial, proc, status, payload) => this.sendStreamMsg(serial, proc, status, payload),
    onDrain: (cb) => {
      if (this.closeError) {
        cb(this.closeError);
        return;
      }
      const onDrain = (): void => {
        this.off('close', onClose);
        cb();
      };
      const onClose = (err: HangarError): void => {
        this.transport.off('drain', onDrain);
        cb(err);
      };
      this.transport.once('drain', onDrain);
      this.once('close', onClose);
    },
    pause: (stream) => {
      this.pausedBy.add(stream);
      this.transport.pause();
    },
    resume: (stream) => {
      if (!this.pausedBy.delete(stream)) return;
      if (this.pausedBy.size === 0 && !this.closeError) this.transport.resume();
    },
    release: (serial) => {
      this.streams.delete(serial);
      this.rememberEnded(serial);
    },
  };

  // --- failure -------------------------------------------------------------------------------

  private fail(cause: HangarError): void {
    if (this.closeError) return;
    // Whatever ended the connection, callers see it as the host being unreachable.
    const err =
      cause.code === 'UNREACHABLE'
        ? cause
        : new HangarError('UNREACHABLE', `libvirt connection lost: ${cause.message}`, { cause: cause.toData() });
    this.closeError = err;
    this.keepalive?.stop();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      p.cleanup();
      p.reject(err);
    }
    // Streams still waiting for their call's reply were failed with that call above.
    const streams = [...this.streams.values()].filter((s) => s.isAccepted);
    for (const s of this.streams.values()) if (!s.isAccepted) s.discard();
    this.streams.clear();
    for (const s of streams) s.destroy(err);
    this.transport.destroy();
    this.emit('close', err);
  }
}
