import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLogFile } from '../../../engine/log-file';
import { chooseServeState, saveServeState } from '../../../engine/server/serve-state';

describe('what hangar serve keeps between runs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-state-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('the same port and token next time, in a 0600 file; --port and --new-token change them', async () => {
    const first = await chooseServeState(dir, {});
    expect(first.state.port).toBe(0);
    await saveServeState(dir, { port: 43123, token: first.state.token });
    expect(((await fs.stat(path.join(dir, 'serve.json'))).mode & 0o777).toString(8)).toBe('600');
    expect((await chooseServeState(dir, {})).state).toEqual({ port: 43123, token: first.state.token });
    expect((await chooseServeState(dir, { port: 0 })).state).toEqual({ port: 0, token: first.state.token });
    const rotated = await chooseServeState(dir, { newToken: true });
    expect(rotated.state.port).toBe(43123);
    expect(rotated.state.token).not.toBe(first.state.token);
  });

  it('a token file others could read is not trusted: a new token, said so', async () => {
    await saveServeState(dir, { port: 43124, token: 'a'.repeat(32) });
    await fs.chmod(path.join(dir, 'serve.json'), 0o644);
    const { state, notice } = await chooseServeState(dir, {});
    expect(state.port).toBe(43124);
    expect(state.token).not.toBe('a'.repeat(32));
    expect(notice).toMatch(/readable by other users/);
  });
});

describe('the engine log', () => {
  it('rotates by size and keeps a bounded number of old files', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-log-'));
    try {
      const log = openLogFile(dir, { maxBytes: 1000, keep: 2 });
      for (let i = 0; i < 100; i++) log.write(`{"n":${i},"pad":"${'x'.repeat(80)}"}`);
      await log.close();
      const files = (await fs.readdir(dir)).sort();
      expect(files).toEqual(['engine.log', 'engine.log.1', 'engine.log.2']);
      for (const f of files) expect((await fs.stat(path.join(dir, f))).size).toBeLessThanOrEqual(1000);
      expect(await fs.readFile(path.join(dir, 'engine.log'), 'utf8')).toContain('"n":99');
      expect(((await fs.stat(path.join(dir, 'engine.log'))).mode & 0o777).toString(8)).toBe('600');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
