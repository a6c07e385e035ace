import crypto from 'node:crypto';
import http from 'node:http';

/**
 * One raw WebSocket handshake: the HTTP status the server answered (101 when it upgraded) and the
 * body of a refusal. A 101 socket is closed at once.
 */
export function handshake(
  wsUrl: string,
  opts: { origin?: string; protocols: string[]; localAddress?: string },
): Promise<{ status: number; body: string }> {
  const url = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      agent: false,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': crypto.randomBytes(16).toString('base64'),
        'sec-websocket-protocol': opts.protocols.join(', '),
        ...(opts.origin ? { origin: opts.origin } : {}),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
