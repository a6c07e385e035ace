import fs from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';
import { checkBind } from '../../../engine/server/bind-policy';
import { startServer, type RunningServer } from '../../../engine/server/serve';
import { loadOrCreateTls } from '../../../engine/server/tls';
import { handshake } from './handshake';

const TOKEN = 'test-token-0123456789';

/** Opens a socket and collects messages until it closes or `count` arrive. */
function exchange(url: string, opts: { origin?: string; protocols: string[]; send?: object[]; count?: number }) {
  return new Promise<{ messages: any[]; closeCode: number | null }>((resolve, reject) => {
    const ws = new WebSocket(url, opts.protocols, opts.origin ? { origin: opts.origin } : {});
    const messages: any[] = [];
    let closeCode: number | null = null;
    ws.on('open', () => opts.send?.forEach((m) => ws.send(JSON.stringify(m))));
    ws.on('message', (d) => {
      messages.push(JSON.parse(d.toString()));
      if (opts.count && messages.length >= opts.count) ws.close();
    });
    ws.on('close', (code) => {
      closeCode = code;
      resolve({ messages, closeCode });
    });
    ws.on('error', reject);
  });
}

describe('hangar serve (real HTTP + WebSocket, real engine)', () => {
  let dir: string;
  let engine: Engine;
  let server: RunningServer;
  let wsUrl: string;
  let origin: string;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-serve-'));
    const staticDir = path.join(dir, 'static');
    await fs.mkdir(staticDir);
    await fs.writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Hangar</title>');
    engine = await createEngine({ dataDir: dir, secrets: aesGcmCipher(Buffer.alloc(32, 1), 'test'), logger: silentLogger, runtime: 'serve', localLibvirt: 'none' });
    server = await startServer({ engine, logger: silentLogger, host: '127.0.0.1', port: 0, token: TOKEN, staticDir });
    origin = server.origin;
    wsUrl = `ws://127.0.0.1:${server.port}/ws`;
  });
  afterAll(async () => {
    await server.close();
    await engine.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const good = () => ({ origin, protocols: ['hangar.v1', `hangar.token.${TOKEN}`] });

  it('prints a loopback URL carrying the token in the fragment', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/#token=${TOKEN}$`));
  });

  it('serves the UI with a strict CSP and never a file outside its folder', async () => {
    const res = await fetch(`${origin}/`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await res.text()).toContain('<title>Hangar</title>');
    expect((await fetch(`${origin}/assets/missing.js`)).status).toBe(404);
    const raw = await fetch(`${origin}/..%2f..%2f..%2fetc%2fpasswd`);
    expect(await raw.text()).not.toContain('root:');
  });

  it('answers a valid request', async () => {
    const { messages } = await exchange(wsUrl, { ...good(), send: [{ type: 'request', id: 1, method: 'engine.info', params: {} }], count: 1 });
    expect(messages[0]).toMatchObject({ type: 'response', id: 1, ok: true, result: { contractVersion: 1, runtime: 'serve' } });
  });

  it('refuses a bad token, a missing token and a foreign Origin on the HTTP response, before any upgrade', async () => {
    const bad = await handshake(wsUrl, { origin, protocols: ['hangar.v1', 'hangar.token.wrong'] });
    expect(bad).toMatchObject({ status: 401, body: expect.stringMatching(/token/) });
    expect((await handshake(wsUrl, { origin, protocols: ['hangar.v1'] })).status).toBe(401);
    expect((await handshake(wsUrl, { ...good(), origin: 'http://evil.example' })).status).toBe(403);
    expect((await handshake(wsUrl, good())).status).toBe(101);
  });

  it('tells the UI whether its token is still good, over plain HTTP', async () => {
    const check = (token: string, o = origin) => fetch(`${origin}/ws/auth`, { method: 'POST', headers: { authorization: `Bearer ${token}`, origin: o } }).then((r) => r.status);
    expect(await check(TOKEN)).toBe(204);
    expect(await check('wrong')).toBe(401);
    expect(await check(TOKEN, 'http://evil.example')).toBe(403);
  });

  it('rejects unknown methods, invalid params and malformed envelopes clearly', async () => {
    const { messages } = await exchange(wsUrl, {
      ...good(),
      send: [
        { type: 'request', id: 1, method: 'vms.explode', params: {} },
        { type: 'request', id: 2, method: 'engine.selfTest', params: { steps: 'many' } },
        { type: 'request', id: 3, method: 'engine.selfTest', params: { steps: 2, extra: true } },
        { hello: 'world' },
      ],
      count: 4,
    });
    const byId = new Map(messages.map((m) => [m.id, m]));
    expect(byId.get(1).error.code).toBe('UNKNOWN_METHOD');
    expect(byId.get(2).error).toMatchObject({ code: 'INVALID_PARAMS', details: { issues: [expect.objectContaining({ path: 'steps' })] } });
    expect(byId.get(3).error.code).toBe('INVALID_PARAMS');
    expect(byId.get(null).error.code).toBe('BAD_REQUEST');
  });

  it('changed nothing for any refused request: no job was created', async () => {
    expect((await engine.call('jobs.list', {})).jobs).toEqual([]);
  });

  it('delivers a subscribed snapshot then job deltas', async () => {
    const { messages } = await exchange(wsUrl, {
      ...good(),
      send: [
        { type: 'subscribe', id: 's', topic: 'jobs' },
        { type: 'request', id: 7, method: 'engine.selfTest', params: { steps: 1, stepMs: 1 } },
      ],
      count: 5,
    });
    const events = messages.filter((m) => m.type === 'event');
    expect(events[0]).toMatchObject({ sub: 's', topic: 'jobs', seq: 1, payload: { kind: 'snapshot' } });
    expect(events.slice(1).every((e, i) => e.payload.kind === 'delta' && e.seq === i + 2)).toBe(true);
  });
});

describe('serving beyond loopback', () => {
  it('is refused without --allow-remote, and needs TLS with it', () => {
    expect(() => checkBind('0.0.0.0', false)).toThrow(/--allow-remote/);
    expect(checkBind('0.0.0.0', true)).toEqual({ tls: true });
    expect(checkBind('127.0.0.1', false)).toEqual({ tls: false });
    expect(checkBind('::1', false)).toEqual({ tls: false });
  });

  it('serves over TLS with a persistent certificate whose fingerprint a client can pin', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-tls-'));
    const tls = await loadOrCreateTls(dir, ['127.0.0.1']);
    expect((await loadOrCreateTls(dir, ['127.0.0.1'])).fingerprint).toBe(tls.fingerprint);
    const engine = await createEngine({ dataDir: dir, secrets: aesGcmCipher(Buffer.alloc(32, 1), 't'), logger: silentLogger, runtime: 'serve', localLibvirt: 'none' });
    await fs.writeFile(path.join(dir, 'index.html'), 'ok');
    const server = await startServer({ engine, logger: silentLogger, host: '0.0.0.0', port: 0, token: TOKEN, staticDir: dir, tls });
    try {
      expect(server.url.startsWith('https://127.0.0.1:')).toBe(true);
      const seen = await new Promise<string>((resolve, reject) => {
        const req = https.get(`https://127.0.0.1:${server.port}/`, { rejectUnauthorized: false }, (res) => {
          const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
          const fp = crypto.createHash('sha256').update(cert.raw).digest('hex').toUpperCase().match(/../g)!.join(':');
          res.resume();
          resolve(fp);
        });
        req.on('error', reject);
      });
      expect(seen).toBe(tls.fingerprint);
    } finally {
      await server.close();
      await engine.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
