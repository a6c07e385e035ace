/**
 * libvirt's keepalive program, client side. The daemon pings us (once we told it we support the
 * program) and we must answer; we also ping it whenever the connection has been idle for one
 * interval, and declare the peer dead after `count` pings go unanswered — the same rule libvirt's
 * own client uses, so a hung host is noticed in interval × (count + 1).
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
  private unanswered = 0;

  constructor(
    private readonly opts: KeepaliveOptions,
    private readonly send: (msg: Buffer) => void,
    private readonly onDead: (idleMs: number) => void,
  ) {}

  start(): void {
    if (this.timer || this.opts.intervalMs <= 0) return;
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
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
    this.unanswered = 0;
  }

  private tick(): void {
    const idle = Date.now() - this.lastRx;
    if (idle < this.opts.intervalMs) return;
    if (this.unanswered >= this.opts.count) {
      this.stop();
      this.onDead(idle);
      return;
    }
    this.unanswered++;
    this.send(keepaliveMessage(KeepaliveProc.PING));
  }
}
