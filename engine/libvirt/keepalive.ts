/**
 * libvirt's keepalive program, client side. The daemon pings us (once we told it we support the
 * program) and we must answer; we also ping it every interval while it stays silent, and declare
 * it dead once it has been silent for interval × (count + 1) — libvirt's own rule, but measured
 * from the last byte heard rather than in whole timer periods, so a dead peer is noticed on time
 * and not up to a period later.
 */
import { encodeMessage } from './protocol/header';
import {
  KEEPALIVE_PROGRAM,
  KEEPALIVE_PROTOCOL_VERSION,
  KeepaliveProc,
  MessageStatus,
  MessageType,
} from './protocol/constants';

export function keepaliveMessage(proc: number): Buffer {
  return encodeMessage({
    prog: KEEPALIVE_PROGRAM,
    vers: KEEPALIVE_PROTOCOL_VERSION,
    proc,
    type: MessageType.MESSAGE,
    serial: 0,
    status: MessageStatus.OK,
  });
}

export interface KeepaliveOptions {
  intervalMs: number;
  count: number;
}

export class Keepalive {
  private timer: NodeJS.Timeout | undefined;
  private lastRx = Date.now();
  private lastPing = 0;

  constructor(
    private readonly opts: KeepaliveOptions,
    private readonly send: (msg: Buffer) => void,
    private readonly onDead: (idleMs: number) => void,
  ) {}

  start(): void {
    if (this.timer || this.opts.intervalMs <= 0) return;
    this.lastRx = Date.now();
    this.timer = setInterval(() => this.tick(), Math.max(10, Math.min(500, this.opts.intervalMs / 4)));
    // A keepalive must never be what keeps a process (or a test run) alive.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Any inbound message proves the peer alive. */
  received(): void {
    this.lastRx = Date.now();
  }

  private tick(): void {
    const now = Date.now();
    const idle = now - this.lastRx;
    if (idle >= this.opts.intervalMs * (this.opts.count + 1)) {
      this.stop();
      this.onDead(idle);
      return;
    }
    if (idle >= this.opts.intervalMs && now - this.lastPing >= this.opts.intervalMs) {
      this.lastPing = now;
      this.send(keepaliveMessage(KeepaliveProc.PING));
    }
  }
}
