/**
 * Drill (branch storage-net): libvirtd on the lab's third host stops for a few seconds. Meanwhile
 * Hangar keeps the host's pools as last seen (the host is Unreachable), and a pool defined behind
 * its back while the daemon is down (no event can tell) is listed within 5 s of the daemon
 * answering again: the reconnect reads the pools whole. libvirtd is restarted in `finally`.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { LAB_DIR, readLabInfo, sshRun, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';

const lab = readLabInfo();
const host = (lab.hosts[2] ?? lab.hosts[1] ?? lab.hosts[0]) as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const POOL = `sn-drill-${tag}`;
const DIR = `/var/lib/libvirt/${POOL}`;
const HOST_SH = path.join(LAB_DIR, 'scripts', 'host.sh');
const inHost = (...cmd: string[]) => spawnSync('bash', [HOST_SH, 'exec', host.name, ...cmd], { encoding: 'utf8', timeout: 30_000 });
const pidFile = path.join(host.stateDir, 'run', 'libvirtd.pid');
const daemonRunning = () => {
  try {
    return fs.existsSync(`/proc/${Number(fs.readFileSync(pidFile, 'utf8'))}`);
  } catch {
    return false;
  }
};
const startDaemon = () => inHost('/usr/sbin/libvirtd', '-d', '-p', pidFile, '-f', '/etc/libvirt/libvirtd.conf');

describe(`pools across a libvirtd restart on ${host.name}`, () => {
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;
  let hostId: string;
  const pools = new Map<string, Pool>();

  beforeAll(async () => {
    t = await labEngine(lab, 'sn-drill');
    t.engine.subscribe('pools', {}, (f) => {
      if (f.kind === 'snapshot') for (const p of f.items) pools.set(p.id, p);
      else {
        for (const p of f.upsert) pools.set(p.id, p);
        for (const id of f.remove) pools.delete(id);
      }
    });
    hostId = (await t.engine.call('hosts.add', { address: host.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: host.hostKeyFingerprint, name: host.name })).id;
    await waitFor('the pools', async () => pools.has(`${hostId}/default`), 30_000, 100);
  }, 120_000);

  afterAll(async () => {
    if (!daemonRunning()) startDaemon();
    await t?.dispose();
    await waitFor('libvirtd answering', async () => inHost('virsh', '-q', 'uri').status === 0, 20_000, 200).catch(() => undefined);
    await sshRun(host, `virsh pool-destroy ${POOL} >/dev/null 2>&1; virsh pool-undefine ${POOL} >/dev/null 2>&1; rm -f /etc/libvirt/storage/${POOL}.xml; rm -rf ${DIR}; true`).catch(() => undefined);
  }, 60_000);

  it('keeps the pools while the daemon is down, and lists a pool defined meanwhile within 5 s of its return', async () => {
    const hostState = async () => (await t!.engine.call('hosts.list', {})).hosts.find((h) => h.id === hostId)?.state;
    try {
      process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGTERM');
      await waitFor('the host unreachable', async () => (await hostState()) === 'unreachable', 20_000, 50);
      await waitFor('libvirtd gone', async () => !daemonRunning(), 20_000, 50);
      const kept = (await t!.engine.call('storage.pools', { hostId })).pools.map((p) => p.name);
      expect(kept).toContain('default');
      // Behind the daemon's back: a persistent pool definition appears in its configuration.
      await sshRun(host, `mkdir -p ${DIR} && cat > /etc/libvirt/storage/${POOL}.xml`, { input: `<pool type='dir'><name>${POOL}</name><target><path>${DIR}</path></target></pool>\n` });
      expect(startDaemon().status).toBe(0);
      await waitFor('libvirtd answering', async () => inHost('virsh', '-q', 'uri').status === 0, 20_000, 100);
      const back = Date.now();
      const seen = await waitFor('the new pool in Hangar', async () => pools.get(`${hostId}/${POOL}`), 30_000, 50);
      const ms = Date.now() - back;
      console.log(`[sn] pool defined while libvirtd was down listed ${ms} ms after the daemon answered again`);
      // The state libvirt gives it after the restart (its own affair), as virsh reads it.
      const virshState = (await sshRun(host, `virsh pool-info ${POOL} | sed -n 's/^State: *//p'`)).trim();
      expect(seen.state).toBe(virshState);
      expect(ms).toBeLessThan(5_000);
      expect(await hostState()).toBe('connected');
    } finally {
      if (!daemonRunning()) startDaemon();
    }
  }, 120_000);
});
