import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { authenticateToServer } from '../../../engine/console/rfb-handshake';
import { vncAuthResponse } from '../../../engine/console/vnc-auth';

/** A scripted VNC server: what it sends, and what it got from Hangar. */
function fakeServer(script: (sock: net.Socket, received: () => Buffer) => void): Promise<{ port: number; close(): void }> {
  return new Promise((resolve) => {
    const server = net.createServer((sock) => {
      let got = Buffer.alloc(0);
      sock.on('data', (d) => (got = Buffer.concat([got, d])));
      script(sock, () => got);
    });
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, close: () => server.close() }));
  });
}

const connect = (port: number) => new Promise<net.Socket>((r) => { const s = net.connect(port, '127.0.0.1', () => r(s)); });
const signal = () => AbortSignal.timeout(3000);
let closers: Array<() => void> = [];
afterEach(() => {
  closers.forEach((c) => c());
  closers = [];
});

describe('RFB handshake towards the VM', () => {
  it('answers the VNC challenge with the password from the XML', async () => {
    const challenge = Buffer.alloc(16, 9);
    let answer: Buffer | null = null;
    const srv = await fakeServer((sock, got) => {
      sock.write('RFB 003.008\n');
      sock.write(Buffer.from([1, 2]));
      sock.write(challenge);
      const wait = setInterval(() => {
        if (got().length >= 12 + 1 + 16) {
          clearInterval(wait);
          answer = got().subarray(13, 29);
          sock.write(Buffer.from([0, 0, 0, 0]));
        }
      }, 5);
    });
    closers.push(srv.close);
    const sock = await connect(srv.port);
    await authenticateToServer(sock, 'pw', signal());
    expect(answer).toEqual(Buffer.from(vncAuthResponse('pw', challenge)));
    sock.destroy();
  });

  it('says the password was refused', async () => {
    const srv = await fakeServer((sock) => {
      sock.write('RFB 003.008\n');
      sock.write(Buffer.from([1, 2]));
      sock.write(Buffer.alloc(16));
      setTimeout(() => {
        const reason = Buffer.from('Authentication failed');
        const len = Buffer.alloc(4);
        len.writeUInt32BE(reason.length);
        sock.write(Buffer.concat([Buffer.from([0, 0, 0, 1]), len, reason]));
      }, 20);
    });
    closers.push(srv.close);
    const sock = await connect(srv.port);
    await expect(authenticateToServer(sock, 'wrong', signal())).rejects.toMatchObject({ code: 'AUTH_FAILED', message: expect.stringContaining('Authentication failed') });
    sock.destroy();
  });

  it('refuses TLS-only servers and non-VNC endpoints clearly', async () => {
    const tls = await fakeServer((sock) => {
      sock.write('RFB 003.008\n');
      sock.write(Buffer.from([1, 19]));
    });
    closers.push(tls.close);
    const s1 = await connect(tls.port);
    await expect(authenticateToServer(s1, null, signal())).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    s1.destroy();

    const http = await fakeServer((sock) => sock.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    closers.push(http.close);
    const s2 = await connect(http.port);
    await expect(authenticateToServer(s2, null, signal())).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('did not answer as a VNC server') });
    s2.destroy();
  });

  it('says when the server wants a password the XML does not have', async () => {
    const srv = await fakeServer((sock) => {
      sock.write('RFB 003.008\n');
      sock.write(Buffer.from([1, 2]));
    });
    closers.push(srv.close);
    const sock = await connect(srv.port);
    await expect(authenticateToServer(sock, null, signal())).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    sock.destroy();
  });
});
