import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';
import { startServer } from '../../../engine/server/serve';

const TOKEN = 'test-token-early-0123456789';

describe('hangar serve while the engine starts (issue 20: relaunch)', () => {
  it('serves the page at once, and answers a socket that asked before the engine was there', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-serve-early-'));
    const staticDir = path.join(dir, 'static');
    await fs.mkdir(staticDir);
    await fs.writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Hangar</title>');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let engine: Engine | null = null;
    const starting = gate.then(async () => (engine = await createEngine({ dataDir: dir, secrets: aesGcmCipher(Buffer.alloc(32, 1), 'test'), logger: silentLogger, runtime: 'serve', localLibvirt: 'none' })));
    const server = await startServer({ engine: starting, logger: silentLogger, host: '127.0.0.1', port: 0, token: TOKEN, staticDir });
    try {
      expect(await (await fetch(`${server.origin}/`)).text()).toContain('<title>Hangar</title>');
      const answered = new Promise<any>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, ['hangar.v1', `hangar.token.${TOKEN}`], { origin: server.origin });
        ws.on('open', () => {
          ws.send(JSON.stringify({ type: 'request', id: 1, method: 'engine.info', params: {} }));
          setTimeout(release, 200); // the engine comes after the request
        });
        ws.on('message', (d) => {
          resolve(JSON.parse(d.toString()));
          ws.close();
        });
        ws.on('error', reject);
      });
      expect(await answered).toMatchObject({ type: 'response', id: 1, ok: true, result: { runtime: 'serve' } });
    } finally {
      release();
      await server.close();
      await (await starting).close();
      expect(engine).not.toBeNull();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
