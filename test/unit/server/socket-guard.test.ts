import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../../../engine/engine';
import { createLogger } from '../../../engine/logger';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';
import { startServer, type RunningServer } from '../../../engine/server/serve';
import { handshake } from './handshake';

const TOKEN = 'guard-token-0123456789';
const LIMITS = { perPeer: 3, total: 5, heartbeatMs: 150 };

/** Issue 21 items 4 and 5: a server that refuses early, caps sockets and drops dead peers. */
describe('hangar serve under hostile sockets', () => {
  let dir: string;
  let engine: Engine;
  let server: RunningServer;
  let wsUrl: string;
  const lines: string[] = [];
  const held: WebSocket[] = [];

  const open = (localAddress = '127.0.0.1', autoPong = true) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, ['hangar.v1', `hangar.token.${TOKEN}`], { origin: server.origin, localAddress, autoPong });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  const closeAll = async () => {
    await Promise.all(held.splice(0).map((ws) => new Promise((r) => (ws.readyState === ws.CLOSED ? r(null) : (ws.once('close', r), ws.terminate())))));
    await new Promise((r) => setTimeout(r, 50)); // the server sees the closes
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-guard-'));
    engine = await createEngine({ dataDir: dir, secrets: aesGcmCipher(Buffer.alloc(32, 1), 'test'), logger: createLogger(() => undefined), runtime: 'serve', localLibvirt: 'none' });
    server = await startServer({ engine, logger: createLogger((l) => lines.push(l)), host: '127.0.0.1', port: 0, token: TOKEN, staticDir: dir, limits: LIMITS });
    wsUrl = `ws://127.0.0.1:${server.port}/ws`;
  });
  afterAll(async () => {
    await closeAll();
    await server.close();
    await engine.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('answers a flood of 1,000 bad-token sockets with HTTP 401s, never a 101, in a few log lines', async () => {
    const statuses = new Map<number, number>();
    for (let batch = 0; batch < 10; batch++) {
      const results = await Promise.all(Array.from({ length: 100 }, () => handshake(wsUrl, { origin: server.origin, protocols: ['hangar.v1', 'hangar.token.bad'] })));
      for (const r of results) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 401: 1000 });
    const refusals = lines.filter((l) => l.includes('websocket refused'));
    expect(refusals.length).toBeGreaterThanOrEqual(1);
    expect(refusals.length).toBeLessThanOrEqual(3);
  });

  it('caps sockets per peer address (429) and in total (503), and frees a place when one closes', async () => {
    for (let i = 0; i < LIMITS.perPeer; i++) held.push(await open());
    const good = { origin: server.origin, protocols: ['hangar.v1', `hangar.token.${TOKEN}`] };
    expect((await handshake(wsUrl, good)).status).toBe(429);
    held.push(await open('127.0.0.2'), await open('127.0.0.2'));
    expect((await handshake(wsUrl, { ...good, localAddress: '127.0.0.3' })).status).toBe(503);
    held.shift()!.terminate();
    await new Promise((r) => setTimeout(r, 50));
    expect((await handshake(wsUrl, good)).status).toBe(101);
    await closeAll();
  });

  it('closes a peer that stops answering pings, and keeps one that answers', async () => {
    const dead = await open('127.0.0.1', false);
    const alive = await open();
    held.push(dead, alive);
    const closed = await new Promise<boolean>((r) => {
      dead.once('close', () => r(true));
      setTimeout(() => r(false), 3000);
    });
    expect(closed).toBe(true);
    expect(alive.readyState).toBe(WebSocket.OPEN);
    await closeAll();
  });
});
