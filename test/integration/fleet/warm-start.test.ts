/**
 * Issue 20, instant start from what is known, against the real lab: an engine with a data dir and
 * two lab hosts is stopped; while it is down a VM is undefined on one host and the other host's
 * stored address is changed to one that does not answer; the engine started again on the same data
 * dir lists every VM at once from SQLite, not live (state Unknown, what it was and when); then the
 * reachable host's list is corrected (the removed VM disappears, the other is live) and the
 * unreachable host keeps its last-known VM with its age.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Vm } from '../../../engine/contract';
import { createEngine, type Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';
import { defineDomain, readLabInfo, sshRun, testGuestXml, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const [h1, h2] = lab.hosts as [LabHost, LabHost];
const tag = crypto.randomBytes(3).toString('hex');
const name = (s: string) => `warmstart-${s}-${tag}`;

const start = (dir: string) =>
  createEngine({
    dataDir: dir,
    secrets: aesGcmCipher(Buffer.alloc(32, 7), 'test'),
    logger: silentLogger,
    runtime: 'in-process',
    localLibvirt: 'none',
    ssh: { knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText: '' } },
  });

const mine = async (e: Engine): Promise<Vm[]> => (await e.call('vms.list', {})).vms.filter((v) => v.name.endsWith(tag)).sort((a, b) => a.name.localeCompare(b.name));

describe('warm start (issue 20)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-warmstart-'));
  let engine: Engine | null = null;
  const undefine = (h: LabHost, n: string) => sshRun(h, `virsh undefine ${n} >/dev/null 2>&1; true`).catch(() => undefined);
  afterAll(async () => {
    await engine?.close();
    await Promise.all([undefine(h1, name('a')), undefine(h1, name('b')), undefine(h2, name('c'))]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the last-known VMs at once, marked not live, then corrects them from the hosts', async () => {
    for (const [h, n] of [[h1, 'a'], [h1, 'b'], [h2, 'c']] as const) await defineDomain(h, testGuestXml({ name: name(n), network: null, lab, memoryMiB: 64 }));
    engine = await start(dir);
    const ids: Record<string, string> = {};
    for (const h of [h1, h2]) {
      const host = await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
      ids[h.name] = host.id;
    }
    await waitFor('the three VMs listed live', async () => (await mine(engine!)).filter((v) => !v.lastSeen).length === 3 || undefined, 120_000);
    await engine.close();
    engine = null;
    const stoppedAt = Date.now();

    // While it is down: b goes from lab1; lab2's stored address now points where nothing answers.
    await undefine(h1, name('b'));
    const sql = new Database(path.join(dir, 'hangar.db'));
    sql.prepare("UPDATE hosts SET address = '127.0.0.1', port = 9 WHERE id = ?").run(ids[h2.name]);
    sql.close();

    const t0 = performance.now();
    engine = await start(dir);
    const cached = await mine(engine);
    const startMs = performance.now() - t0;
    console.log(`warm start: engine up with ${cached.length} last-known VMs listed in ${startMs.toFixed(0)} ms`);
    expect(cached.map((v) => [v.name, v.state, v.lastSeen?.state])).toEqual([
      [name('a'), 'unknown', 'stopped'],
      [name('b'), 'unknown', 'stopped'],
      [name('c'), 'unknown', 'stopped'],
    ]);
    for (const v of cached) {
      expect(v.lastSeen!.at).toBeLessThanOrEqual(stoppedAt);
      expect(v.lastSeen!.at).toBeGreaterThan(stoppedAt - 60_000);
    }

    // lab1 answers: a is live, b (removed meanwhile) is gone. lab2 cannot be reached: c stays, as last seen.
    const after = await waitFor(
      'lab1 corrected and lab2 unreachable',
      async () => {
        const vms = await mine(engine!);
        const hosts = (await engine!.call('hosts.list', {})).hosts;
        const lab2 = hosts.find((h) => h.id === ids[h2.name]);
        const a = vms.find((v) => v.name === name('a'));
        return lab2?.state === 'unreachable' && a && !a.lastSeen && !vms.some((v) => v.name === name('b')) ? { vms, lab2 } : undefined;
      },
      120_000,
    );
    expect(after.vms.map((v) => [v.name, v.state, v.lastSeen?.state ?? null])).toEqual([
      [name('a'), 'stopped', null],
      [name('c'), 'unknown', 'stopped'],
    ]);
    expect(after.lab2.lastSeenAt).toBe(cached.find((v) => v.name === name('c'))!.lastSeen!.at);
  });
});
