/**
 * Issue 17, done-when "The test ISO uploads and boots a VM. Attach shows in domblklist, and eject
 * works": the lab's hangar-test.iso is uploaded into the library through the transfer endpoint (as
 * the Templates & ISOs page sends it under `hangar serve`), is Ready with the host's sha256sum equal
 * to the file's, and a new VM boots from it (the guest on the ISO answers through its agent; the
 * VM's only disk is blank). The ISO shows in `virsh domblklist`, is ejected, and attached again
 * from the library.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { startServer, type RunningServer } from '../../../engine/server/serve';
import { labTimeouts, readLabInfo, shellQuote, sshExec, sshRun, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { finishedJob } from '../../helpers/run-job';
import { labEngine } from '../fleet/lab-engine';
import { putTicket } from '../../helpers/put-ticket';

const lab = readLabInfo();
const h = lab.hosts[0] as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const ISO = `snaptpl-iso-${tag}`;
const VM = `snaptpl-isovm-${tag}`;
const SHARED_VOL = `snaptpl-shared-${tag}.iso`;
const h2 = lab.hosts[1] as LabHost;

describe('library: the test ISO uploads and boots a VM', () => {
  let te: { engine: Engine; dispose(): Promise<void> } | undefined;
  let server: RunningServer | undefined;
  let engine: Engine;
  let itemId = '';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptpl-iso-'));
  const done = async (jobId: string, ms = 120_000) => {
    const job = await finishedJob(engine, jobId, ms);
    expect(job.state, job.error?.message).toBe('succeeded');
  };

  beforeAll(async () => {
    te = await labEngine(lab, 'snaptpl-iso');
    engine = te.engine;
    await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
    server = await startServer({ engine, logger: silentLogger, host: '127.0.0.1', port: 0, token: crypto.randomBytes(16).toString('hex'), staticDir: tmp });
  }, 120_000);

  afterAll(async () => {
    await sshExec(h, `virsh destroy ${VM} >/dev/null 2>&1; virsh undefine ${VM} >/dev/null 2>&1; true`).catch(() => undefined);
    if (itemId) await engine.call('library.delete', { itemId }).then((r) => finishedJob(engine, r.jobId, 60_000)).catch(() => undefined);
    await server?.close();
    await te?.dispose();
    await sshExec(h, `for v in $(virsh vol-list default | awk '{print $1}' | grep -- '-${tag}'); do virsh vol-delete --pool default $v >/dev/null 2>&1; done; true`).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(path.join(lab.sharedPoolPath, SHARED_VOL), { force: true });
  }, 120_000);

  it('uploads hangar-test.iso, boots a VM from it, shows it in domblklist, ejects and attaches it again', async () => {
    const hostId = (await engine.call('hosts.list', {})).hosts[0]!.id;
    await waitFor('the default pool', async () => (await engine.call('storage.pools', { hostId })).pools.some((p) => p.name === 'default'), 30_000, 200);
    const file = lab.guest.iso;
    const started = await engine.call('library.upload', { kind: 'iso', name: ISO, osId: 'linux', bootable: true, hostId, pool: 'default', fileName: path.basename(file), bytes: fs.statSync(file).size });
    itemId = started.itemId;
    expect(await putTicket(server!.origin, started.ticket!, file)).toBe(204);
    const item = await waitFor('Ready', async () => (await engine.call('library.list', {})).items.find((i) => i.id === itemId && i.copies[0]?.state === 'ready'), 120_000, 200);
    const c = item.copies[0]!;
    const want = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    expect(item.kind).toBe('iso');
    expect(item.format).toBe('iso');
    expect(c.sha256).toBe(want);
    expect((await sshRun(h, `sha256sum ${shellQuote(c.path)}`)).split(/\s+/)[0]).toBe(want);

    // A VM that boots from it: CD-ROM first, a blank disk (nothing else could boot).
    await done((await engine.call('vms.create', { name: VM, hostId, source: { kind: 'iso', iso: { pool: c.pool, volume: c.volume } }, diskSizeGiB: 0.05, memoryMiB: 256, network: null, start: true })).jobId);
    // domblklist: "Target Source" lines; the CD-ROM is the one with the ISO's path.
    const target = (await virsh(h, ['domblklist', VM])).split('\n').map((l) => l.trim().split(/\s+/)).find((w) => w[1] === c.path)?.[0];
    expect(target).toBeTruthy();
    await waitFor(
      `${VM} booted from the ISO (guest agent)`,
      async () => (await sshExec(h, `virsh qemu-agent-command ${VM} '{"execute":"guest-ping"}'`)).stdout.includes('"return"'),
      labTimeouts(lab).bootMs * 3,
      2000,
    );
    const vmId = (await engine.call('vms.list', {})).vms.find((v) => v.name === VM)!.id;

    await done((await engine.call('vms.setMedia', { vmId, target: target!, iso: null })).jobId, 60_000);
    expect(await virsh(h, ['domblklist', VM])).not.toContain(c.path);
    await done((await engine.call('vms.setMedia', { vmId, target: target!, libraryIso: itemId })).jobId, 60_000);
    expect(await virsh(h, ['domblklist', VM])).toContain(c.path);
    expect((await virsh(h, ['domstate', VM])).trim()).toBe('running');
  }, 400_000);

  it('a host that connects after a copy in the shared pool became Ready counts it', async () => {
    const hostId = (await engine.call('hosts.list', {})).hosts.find((x) => x.name === h.name)!.id;
    fs.copyFileSync(lab.guest.iso, path.join(lab.sharedPoolPath, SHARED_VOL));
    await virsh(h, ['pool-refresh', 'shared']);
    const r = await engine.call('library.adopt', { kind: 'iso', name: `snaptpl-shared-${tag}`, osId: 'linux', hostId, pool: 'shared', volume: SHARED_VOL });
    await done(r.jobId, 60_000);
    expect((await engine.call('library.list', {})).items.find((i) => i.id === r.itemId)?.readyOn).toEqual([hostId]);
    const id2 = (await engine.call('hosts.add', { address: h2.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h2.hostKeyFingerprint, name: h2.name })).id;
    await waitFor(`${h2.name} counts the shared copy`, async () => (await engine.call('library.list', {})).items.find((i) => i.id === r.itemId)?.readyOn.includes(id2), 60_000, 250);
    await done((await engine.call('library.delete', { itemId: r.itemId })).jobId, 60_000);
    expect(fs.existsSync(path.join(lab.sharedPoolPath, SHARED_VOL))).toBe(false);
  }, 120_000);
});
