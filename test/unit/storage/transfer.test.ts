/**
 * Volume transfers (issue 17, branch upload), the parts that need no host: the progress figures
 * only move forward, qemu-img's verdict on an image, the format a file's bytes say it is, and the
 * ticketed HTTP endpoint (origin, CORS for the app, single-use tickets, body and response handed
 * to the job).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract/errors';
import { detectFormat, volumeNameOf } from '../../../engine/cli/upload-command';
import { silentLogger } from '../../../engine/logger';
import { transferHandler } from '../../../engine/server/transfer-http';
import { checkImageInfo } from '../../../engine/storage/transfer/host-checks';
import { TransferMeter } from '../../../engine/storage/transfer/meter';
import type { TransferEndpoints } from '../../../engine/storage/transfer/service';
import type { Body } from '../../../engine/storage/transfer/upload-run';
import type { Sink } from '../../../engine/storage/transfer/download-run';

describe('TransferMeter', () => {
  it('never moves bytesDone back when a resume re-sends from a lower offset; rate and ETA follow the bytes', () => {
    let now = 0;
    const m = new TransferMeter(1000, () => now);
    m.startAt(0);
    for (let i = 0; i < 6; i++) {
      now += 100;
      m.add(100);
    }
    expect(m.stats().bytesDone).toBe(600);
    expect(m.stats().rateBps).toBe(1000);
    expect(m.stats().etaSec).toBe(1);
    m.waiting({ offset: 400, until: 99_000 });
    expect(m.stats()).toMatchObject({ phase: 'waiting', bytesDone: 600, rateBps: 0, etaSec: null, resumeOffset: 400 });
    m.startAt(400);
    now += 100;
    m.add(100);
    expect(m.stats().bytesDone).toBe(600);
    expect(m.fraction()).toBe(0.6);
    now += 100;
    m.add(300);
    expect(m.stats().bytesDone).toBe(800);
    m.verifying();
    expect(m.stats()).toMatchObject({ phase: 'verifying', etaSec: null });
  });
});

describe('checkImageInfo', () => {
  it('accepts a standalone image of the announced format (an ISO reads as raw)', () => {
    expect(checkImageInfo(JSON.stringify({ format: 'qcow2', 'virtual-size': 1 << 30 }), 'qcow2').virtualSize).toBe(1 << 30);
    expect(checkImageInfo(JSON.stringify({ format: 'raw', 'virtual-size': 2048 }), 'iso').virtualSize).toBe(2048);
  });
  it('refuses a backing file, an external data file and another format than announced, with a Message key', () => {
    const refused = (json: object, f: 'qcow2' | 'raw' | 'iso') => {
      try {
        checkImageInfo(JSON.stringify(json), f);
      } catch (err) {
        return (err as HangarError).details?.message;
      }
      return null;
    };
    expect(refused({ format: 'qcow2', 'backing-filename': '/etc/shadow' }, 'qcow2')).toMatchObject({ key: 'transfer.err.backing' });
    expect(refused({ format: 'qcow2', 'format-specific': { type: 'qcow2', data: { 'data-file': '/dev/sda' } } }, 'qcow2')).toMatchObject({ key: 'transfer.err.dataFile' });
    expect(refused({ format: 'qcow2' }, 'raw')).toMatchObject({ key: 'transfer.err.format', args: { expected: 'raw', found: 'qcow2' } });
    expect(refused({ format: 'vmdk' }, 'qcow2')).toMatchObject({ key: 'transfer.err.format' });
  });
});

describe('hangar upload', () => {
  it('reads the format from the first bytes and makes a volume name of the file name', () => {
    expect(detectFormat(Buffer.from('QFI\xfb\0\0\0\x03', 'latin1'))).toBe('qcow2');
    const iso = Buffer.alloc(40000);
    iso.write('CD001', 32769, 'latin1');
    expect(detectFormat(iso)).toBe('iso');
    expect(detectFormat(Buffer.alloc(512))).toBe('raw');
    expect(volumeNameOf('/tmp/My Image (1).qcow2')).toBe('My-Image--1-.qcow2');
    expect(volumeNameOf('/x/.hidden')).toBe('hidden');
  });
});

describe('transfer HTTP endpoint', () => {
  let server: http.Server | null = null;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  const TICKET = 'a'.repeat(43);
  async function serve(endpoints: TransferEndpoints, corsOrigin: string | null) {
    const handle = transferHandler(endpoints, { origins: new Set(['http://127.0.0.1:9']), corsOrigin, logger: silentLogger });
    server = http.createServer((req, res) => {
      if (!handle(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  }
  const request = (url: string, init: { method: string; headers?: Record<string, string>; body?: string }) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(url, { method: init.method, headers: init.headers ?? {} }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(init.body);
    });

  it('hands a PUT body to its upload once; a reused ticket, another origin and other paths are refused', async () => {
    const got: string[] = [];
    let tickets = 1;
    const endpoints: TransferEndpoints = {
      takeUpload: (t) =>
        t === TICKET && tickets-- > 0
          ? ({
              offer: (b: Body) => {
                let s = '';
                (b.stream as Readable).on('data', (c: Buffer) => (s += c.toString()));
                b.stream.on('end', () => {
                  got.push(s);
                  b.settle(null);
                });
              },
            } as never)
          : null,
      takeDownload: () => null,
    };
    const base = await serve(endpoints, null);
    expect((await request(`${base}/transfer/upload/${TICKET}`, { method: 'PUT', headers: { origin: 'http://evil.example' }, body: 'x' })).status).toBe(403);
    expect((await request(`${base}/transfer/upload/${TICKET}`, { method: 'PUT', headers: { origin: 'http://127.0.0.1:9' }, body: 'image bytes' })).status).toBe(204);
    expect(got).toEqual(['image bytes']);
    const again = await request(`${base}/transfer/upload/${TICKET}`, { method: 'PUT', body: 'x' });
    expect(again.status).toBe(401);
    expect(JSON.parse(again.body)).toMatchObject({ code: 'UNAUTHORIZED', details: { message: { key: 'transfer.err.ticket' } } });
    expect((await request(`${base}/transfer/upload/short`, { method: 'PUT', body: 'x' })).status).toBe(404);
    expect((await request(`${base}/transfer/upload/${TICKET}`, { method: 'GET' })).status).toBe(405);
  });

  it('answers an upload that failed with its error as JSON, and streams a download with its size and file name', async () => {
    const endpoints: TransferEndpoints = {
      takeUpload: () => ({ offer: (b: Body) => (b.stream.resume(), b.settle(new HangarError('INVALID_PARAMS', 'More bytes than the 3 announced'))) }) as never,
      takeDownload: () =>
        ({
          ref: { volume: 'disk.qcow2' },
          offer: (s: Sink) => {
            s.begin(5);
            const p = new PassThrough();
            p.pipe(s.stream);
            p.end('hello');
          },
        }) as never,
    };
    const base = await serve(endpoints, 'app://hangar');
    const bad = await request(`${base}/transfer/upload/${TICKET}`, { method: 'PUT', body: 'toolong' });
    expect(bad.status).toBe(400);
    expect(bad.headers['access-control-allow-origin']).toBe('app://hangar');
    const pre = await request(`${base}/transfer/upload/${TICKET}`, { method: 'OPTIONS', headers: { origin: 'app://hangar', 'access-control-request-method': 'PUT' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-methods']).toContain('PUT');
    const dl = await request(`${base}/transfer/download/${TICKET}`, { method: 'GET' });
    expect(dl).toMatchObject({ status: 200, body: 'hello' });
    expect(dl.headers['content-length']).toBe('5');
    expect(dl.headers['content-disposition']).toBe('attachment; filename="disk.qcow2"');
  });
});
