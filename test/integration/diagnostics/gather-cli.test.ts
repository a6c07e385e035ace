/**
 * `hangar gather` as a field engineer runs it: hosts given on the command line (nothing stored),
 * one of them unreachable; the others are collected into one bundle in the output directory.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTarGz } from '../../../engine/diagnostics/bundle/tar';
import { readLabInfo, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const [h1, h2] = lab.hosts as [LabHost, LabHost];

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['scripts/run-ts.mjs', 'engine/cli/hangar.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('hangar gather (CLI)', () => {
  it('collects the reachable hosts given with --host and names the one it skipped', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-cli-'));
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-cli-home-'));
    const r = await run(
      ['gather', '--host', `root@${h1.address}`, '--host', `root@${h2.address}`, '--host', 'root@10.66.0.250', '--identity', lab.keyPath, '--accept-host-key', h1.hostKeyFingerprint, '--accept-host-key', h2.hostKeyFingerprint, '--since', '1h', '--no-vm-details', '--output', out],
      { HOME: home },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipped: 10\.66\.0\.250/);
    const file = r.stdout.trim().split('\n').pop()!;
    expect(path.dirname(file)).toBe(out);
    const entries = await readTarGz(file);
    const names = entries.map((e) => e.name.split('/').slice(1).join('/'));
    expect(names).toContain(`hosts/${h1.address}/capabilities.xml`);
    expect(names).toContain(`hosts/${h2.address}/capabilities.xml`);
    expect(names).toContain('manifest.json');
    // Nothing of the session was kept: no data dir left in the engineer's home.
    expect(fs.readdirSync(home)).toEqual([]);
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  }, 180_000);
});
