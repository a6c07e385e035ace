import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { methods, type MethodName } from '../../../engine/contract/methods';
import { createEngine, type Engine } from '../../../engine/engine';
import { createLogger, silentLogger } from '../../../engine/logger';
import { composeHandlers, type Service } from '../../../engine/rpc/service';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';

const cipher = aesGcmCipher(Buffer.alloc(32, 7), 'test-key');
const root = path.resolve(import.meta.dirname, '../../..');

describe('composition of services', () => {
  const dirs: string[] = [];
  let engine: Engine | null = null;
  afterEach(async () => {
    await engine?.close();
    engine = null;
    for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
  });
  const tmp = async () => {
    const d = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-services-'));
    dirs.push(d);
    return d;
  };

  it('refuses a method answered twice, a method answered by none, and one outside the contract', () => {
    const ok = async () => ({ checks: [] });
    const a: Service = { name: 'a', handlers: { 'health.catalogue': ok } };
    const b: Service = { name: 'b', handlers: { 'health.catalogue': ok } };
    expect(() => composeHandlers([a, b])).toThrow(/health\.catalogue is answered by both a and b/);
    expect(() => composeHandlers([a])).toThrow(/No service answers engine\.info/);
    const stray = { name: 'c', handlers: { 'vms.teleport': ok } } as unknown as Service;
    expect(() => composeHandlers([stray])).toThrow(/vms\.teleport, which is not in the contract/);
  });

  it('gives every contract method exactly one service in the composed engine', async () => {
    engine = await createEngine({ dataDir: await tmp(), secrets: cipher, logger: silentLogger, runtime: 'in-process', localLibvirt: 'none' });
    const answered = engine.services.flatMap((s) => s.methods);
    const count = new Map<MethodName, number>();
    for (const m of answered) count.set(m, (count.get(m) ?? 0) + 1);
    for (const m of Object.keys(methods) as MethodName[]) expect(count.get(m), m).toBe(1);
    expect(answered.length).toBe(Object.keys(methods).length);
    // Each capability folder's service answers its own methods.
    const owner = (m: MethodName) => engine!.services.find((s) => s.methods.includes(m))?.name;
    expect([owner('vms.action'), owner('vms.list'), owner('events.list'), owner('console.open'), owner('alerts.list'), owner('jobs.cancel')]).toEqual(['vms', 'inventory', 'history', 'console', 'health', 'jobs']);
  });

  it('runs background work in a long-lived engine and none when asked not to', async () => {
    const lines: string[] = [];
    engine = await createEngine({ dataDir: await tmp(), secrets: cipher, logger: createLogger((l) => lines.push(l)), runtime: 'in-process', localLibvirt: 'none' });
    expect(engine.services.filter((s) => s.background).map((s) => s.name)).toEqual(['jobs', 'inventory', 'metrics', 'health', 'warmstart', 'leases']);
    expect(lines.map((l) => JSON.parse(l) as { msg: string; background?: string[] }).find((l) => l.msg === 'engine started')?.background).toEqual(['jobs', 'inventory', 'metrics', 'health', 'warmstart', 'leases']);
    await engine.close();
    engine = await createEngine({ dataDir: await tmp(), secrets: cipher, logger: silentLogger, runtime: 'in-process', localLibvirt: 'none', background: false });
    expect(engine.services.filter((s) => s.background)).toEqual([]);
    // Every method still answers.
    expect((await engine.call('metrics.top', { metric: 'cpu', periodSec: 300, count: 5 })).items).toEqual([]);
  });

  it('`hangar gather` starts no metrics sampling, health timer or reconcile (its engine log says so)', async () => {
    const dataDir = await tmp();
    const out = await tmp();
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, ['scripts/run-ts.mjs', 'engine/cli/hangar.ts', 'gather', '--data-dir', dataDir, '--output', out], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('exit', (code) => resolve({ code, stderr }));
    });
    // No hosts in a fresh data dir: refused, after the engine started and stopped.
    expect(r.stderr).toMatch(/No hosts to collect from/);
    expect(r.code).toBe(2);
    const log = (await fs.readFile(path.join(dataDir, 'engine.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { msg: string; background?: string[] });
    expect(log.find((l) => l.msg === 'engine started')?.background).toEqual([]);
    expect(log.some((l) => l.msg === 'engine stopped')).toBe(true);
  }, 60_000);
});
