/**
 * A scripted peer on a real UNIX socket, for client behaviour a real daemon will not produce on
 * demand (out-of-order replies, silence, torn frames). It answers with frames captured from a real
 * libvirtd, re-addressed to the serial of the call being answered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameDecoder } from '../../../engine/libvirt/framing';
import { decodeMessage, type Message } from '../../../engine/libvirt/protocol/header';
import { connectUnixSocket } from '../../../engine/libvirt/local';

export interface Received {
  msg: Message;
  frame: Buffer;
}

export class FakeDaemon {
  private server!: Server;
  private dir!: string;
  sock: Socket | undefined;
  readonly received: Received[] = [];
  private waiters: (() => void)[] = [];

  static async start(): Promise<FakeDaemon> {
    const d = new FakeDaemon();
    d.dir = mkdtempSync(join(tmpdir(), 'hangar-fake-libvirtd-'));
    d.server = createServer((sock) => {
      d.sock = sock;
      const frames = new FrameDecoder();
      sock.on('data', (chunk: Buffer) => {
        for (const f of frames.push(chunk)) d.received.push({ msg: decodeMessage(f), frame: Buffer.from(f) });
        for (const w of d.waiters.splice(0)) w();
      });
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => d.server.listen(d.path, r));
    return d;
  }

  get path(): string {
    return join(this.dir, 'sock');
  }

  async connectClient(): Promise<Socket> {
    const s = await connectUnixSocket(this.path);
    while (!this.sock) await new Promise((r) => setTimeout(r, 5));
    return s;
  }

  /** Resolves once `n` frames in total have arrived from the client. */
  async waitFor(n: number, timeoutMs = 2000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`fake daemon got ${this.received.length} of ${n} frames`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 20);
      });
    }
    return this.received.slice(0, n);
  }

  /** A captured frame re-addressed to `serial` (the header's serial word). */
  static readdress(frame: Buffer, serial: number): Buffer {
    const copy = Buffer.from(frame);
    copy.writeUInt32BE(serial, 20);
    return copy;
  }

  send(bytes: Buffer): boolean {
    return this.sock!.write(bytes);
  }

  async stop(): Promise<void> {
    this.sock?.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
