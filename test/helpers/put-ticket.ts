import fs from 'node:fs';
import http from 'node:http';
import type { TransferTicket } from '../../engine/contract';

/** Sends a file to an upload ticket's endpoint as a browser does (PUT, the bytes from the ticket's offset); resolves with the status. */
export function putTicket(origin: string, t: TransferTicket, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(t.url, origin), { method: 'PUT', headers: { 'content-length': String(t.size - t.offset), 'content-type': 'application/octet-stream' } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    fs.createReadStream(file, { start: t.offset }).pipe(req);
  });
}
