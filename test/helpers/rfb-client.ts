/**
 * A minimal RFB viewer over a Hangar console socket, for tests and the console benchmark: it does
 * what noVNC does up to the first framebuffer update (raw encoding), and no more.
 */
import WebSocket from 'ws';
import { CONSOLE_TICKET_PROTOCOL_PREFIX, type ConsoleTicket } from '../../engine/contract';

export interface ConsoleSocket {
  ws: WebSocket;
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>;
  /** Bytes received so far (a queue the reader helpers consume). */
  read(n: number, timeoutMs?: number): Promise<Buffer>;
  send(data: Uint8Array | string): void;
  /** Text that arrived, for the serial console. */
  text(): string;
}

/** Opens a console socket on `origin` (http://host:port of `hangar serve`) with a ticket. */
export function openConsoleSocket(origin: string, t: Pick<ConsoleTicket, 'ticket' | 'path'>, opts: { pathOverride?: string; ticketOverride?: string } = {}): Promise<ConsoleSocket> {
  const url = origin.replace(/^http/, 'ws') + (opts.pathOverride ?? t.path);
  const ws = new WebSocket(url, ['binary', CONSOLE_TICKET_PROTOCOL_PREFIX + (opts.ticketOverride ?? t.ticket)], { headers: { origin } });
  ws.binaryType = 'nodebuffer';
  let buf = Buffer.alloc(0);
  let all = '';
  const waiters: Array<() => void> = [];
  ws.on('message', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    all += d.toString('latin1');
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => {
    resolve(code);
    for (const w of waiters.splice(0)) w();
  }));
  const sock: ConsoleSocket = {
    ws,
    closed,
    async read(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (buf.length < n) {
        if (ws.readyState === ws.CLOSED) throw new Error(`console socket closed while waiting for ${n} bytes`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} bytes`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    },
    send: (d) => ws.send(typeof d === 'string' ? Buffer.from(d, 'latin1') : d),
    text: () => all,
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(sock));
    ws.once('error', reject);
    ws.once('close', () => resolve(sock));
  });
}

export interface FramebufferInfo {
  width: number;
  height: number;
  name: string;
}

/** The viewer side of the handshake against Hangar's bridge (which offers security None). */
export async function rfbHandshake(s: ConsoleSocket): Promise<FramebufferInfo> {
  const version = (await s.read(12)).toString('latin1');
  if (version !== 'RFB 003.008\n') throw new Error(`unexpected version ${JSON.stringify(version)}`);
  s.send('RFB 003.008\n');
  const [count, type] = [...(await s.read(2))];
  if (count !== 1 || type !== 1) throw new Error(`bridge offered security ${count}/${type}, not None`);
  s.send(Uint8Array.of(1));
  if ((await s.read(4)).readUInt32BE(0) !== 0) throw new Error('security result not OK');
  s.send(Uint8Array.of(1)); // ClientInit: shared
  const init = await s.read(24);
  const nameLen = init.readUInt32BE(20);
  const name = (await s.read(nameLen)).toString('utf8');
  return { width: init.readUInt16BE(0), height: init.readUInt16BE(2), name };
}

/** Asks for the whole screen and resolves when the first FramebufferUpdate message starts arriving. */
export async function firstFramebufferUpdate(s: ConsoleSocket, fb: FramebufferInfo, timeoutMs = 15_000): Promise<void> {
  // SetEncodings: raw only, so the reply is simple to recognise.
  s.send(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]));
  const req = Buffer.alloc(10);
  req[0] = 3;
  req[1] = 0; // not incremental: the whole screen
  req.writeUInt16BE(fb.width, 6);
  req.writeUInt16BE(fb.height, 8);
  s.send(req);
  for (;;) {
    const [type] = [...(await s.read(1, timeoutMs))];
    if (type === 0) return;
    if (type === 2) continue; // Bell
    throw new Error(`unexpected server message ${type} before the first update`);
  }
}
