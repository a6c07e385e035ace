/**
 * Issue 18, leases, against the lab (lab1 + lab2; lab3 is where other sessions drill faults):
 * three leases come back with three addresses in the network's subnet, their domains and overlay
 * volumes exist (virsh) and are gone after release; a network without DHCP makes every attempt
 * time out, the retries go to the other host, the request fails with a clear error and nothing is
 * left; six parallel requests against a capacity of four (a DHCP range of four addresses) never
 * overbook; an expired lease is reaped after an engine restart and its history shows its life.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import { createEngine, type Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';
import { readLabInfo, shellQuote, sshRun, virsh, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const [h1, h2] = [lab.hosts[0], lab.hosts[1]] as [LabHost, LabHost];
const tag = crypto.randomBytes(3).toString('hex');
const BASE = `leases-base-${tag}.qcow2`;
const NODHCP = `leases-nodhcp-${tag}`;
const FOUR = `leases-four-${tag}`;
const octet = 100 + crypto.randomInt(150);
// The reaper sweeps every 2 s in this test (15 s by default).
process.env.HANGAR_LEASE_REAP_MS = '2000';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-leases-'));
const open = () =>
  createEngine({
    dataDir: dir,
    secrets: aesGcmCipher(Buffer.alloc(32, 7), 'test'),
    logger: silentLogger,
    runtime: 'in-process',
    localLibvirt: 'none',
    ssh: { knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText: '' } },
  });

async function refusal(p: Promise<unknown>): Promise<HangarError> {
  try {
    await p;
  } catch (err) {
    return HangarError.from(err);
  }
  throw new Error('expected a refusal');
}

/** Names of domains and volumes with this run's tag on a host (other people's are left alone). */
async function leftovers(h: LabHost, prefix: string): Promise<string[]> {
  const doms = (await virsh(h, ['list', '--all', '--name'])).split('\n').filter((n) => n.startsWith(prefix));
  const vols = (await virsh(h, ['vol-list', 'default'])).split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.startsWith(prefix));
  return [...doms, ...vols];
}

describe.concurrent('leases', () => {
  let engine: Engine;
  const hostIds: string[] = [];
  let poolPath = '';

  beforeAll(async () => {
    engine = await open();
    // Networks first: placement reads a host's networks from what it found when it connected.
    for (const h of [h1, h2]) {
      poolPath = (await virsh(h, ['pool-dumpxml', 'default'])).match(/<path>([^<]+)<\/path>/)![1]!;
      await sshRun(h, `cp ${shellQuote(lab.guest.baseImage)} ${shellQuote(`${poolPath}/${BASE}`)} && virsh pool-refresh default >/dev/null`);
      // An isolated network without any DHCP range: no guest ever gets an address there.
      const noDhcp = `<network><name>${NODHCP}</name><bridge name='lsn${tag}'/><ip address='172.30.${octet}.1' netmask='255.255.255.0'/></network>`;
      await sshRun(h, `f=$(mktemp) && cat > "$f" && virsh net-create "$f" >/dev/null; rc=$?; rm -f "$f"; exit $rc`, { input: noDhcp });
    }
    // Four DHCP addresses on lab1: the capacity of the overbooking test.
    const four = `<network><name>${FOUR}</name><bridge name='lsf${tag}'/><ip address='172.29.${octet}.1' netmask='255.255.255.0'><dhcp><range start='172.29.${octet}.10' end='172.29.${octet}.13'/></dhcp></ip></network>`;
    await sshRun(h1, `f=$(mktemp) && cat > "$f" && virsh net-create "$f" >/dev/null; rc=$?; rm -f "$f"; exit $rc`, { input: four });
    for (const h of [h1, h2]) {
      const host = await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
      hostIds.push(host.id);
    }
    await waitFor('both hosts connected', async () => (await engine.call('hosts.list', {})).hosts.filter((x) => x.state === 'connected').length === 2, 30_000, 100);
  }, 180_000);

  afterAll(async () => {
    await engine?.close().catch(() => undefined);
    for (const h of [h1, h2]) {
      const left = await leftovers(h, `lt${tag}`).catch(() => [] as string[]);
      for (const n of left) await sshRun(h, `virsh destroy ${n} >/dev/null 2>&1; virsh undefine ${n} >/dev/null 2>&1; virsh vol-delete --pool default ${n} >/dev/null 2>&1; true`).catch(() => undefined);
      await sshRun(h, `virsh vol-delete --pool default ${BASE} >/dev/null 2>&1; virsh net-destroy ${NODHCP} >/dev/null 2>&1; virsh net-destroy ${FOUR} >/dev/null 2>&1; true`).catch(() => undefined);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const bases = () => hostIds.map((hostId) => ({ hostId, pool: 'default', volume: BASE }));

  it('leases three VMs with addresses in the subnet, and release deletes them and their disks', async () => {
    await engine.call('pools.create', { os: `deb${tag}`, baseImages: bases(), network: 'default', cpus: 1, memoryMiB: 256, networkTimeoutSecs: 400, retries: 1 });
    const before = await engine.call('pools.capacity', { os: `deb${tag}` });
    expect(before.hosts.filter((h) => h.available > 0).length).toBe(2);
    const started = Date.now();
    const res = await engine.call('leases.acquire', { os: `deb${tag}`, username: `lt${tag}`, count: 3, expiresInMinutes: 30 });
    expect(res.leases.map((l) => l.name)).toEqual([`lt${tag}1`, `lt${tag}2`, `lt${tag}3`]);
    const during = await engine.call('pools.capacity', { os: `deb${tag}` });
    expect(during.inFlight).toBe(3);
    const ready = await waitFor('three leases ready', async () => {
      const l = await engine.call('leases.list', { os: `deb${tag}` });
      if (l.leases.some((x) => x.state === 'failed')) throw new Error(JSON.stringify(l.leases.map((x) => x.error)));
      return l.leases.length === 3 && l.leases.every((x) => x.state === 'ready') ? l.leases : null;
    }, 600_000, 1000);
    console.log(`leases: 3 ready in ${Date.now() - started} ms`, ready.map((l) => `${l.name} ${l.hostName} ${l.ipaddr}`));
    for (const l of ready) expect(l.ipaddr).toMatch(/^192\.168\.122\.\d+$/);
    expect(new Set(ready.map((l) => l.ipaddr)).size).toBe(3);
    for (const l of ready) {
      const h = l.hostName === h1.name ? h1 : h2;
      expect(await virsh(h, ['domstate', l.name])).toContain('running');
      const vols = await virsh(h, ['vol-list', 'default']);
      expect(vols).toContain(`${l.name}-disk0.qcow2`);
      expect(vols).toContain(`${l.name}-seed.iso`);
      const info = await sshRun(h, `qemu-img info -U --output=json ${shellQuote(`${poolPath}/${l.name}-disk0.qcow2`)}`);
      expect(JSON.parse(info)['backing-filename']).toContain(BASE);
    }
    const rel = await engine.call('leases.release', { names: ready.map((l) => l.name) });
    expect(rel.leases.every((l) => l.state === 'releasing')).toBe(true);
    await waitFor('released', async () => (await engine.call('leases.list', { os: `deb${tag}` })).leases.length === 0, 60_000, 200);
    expect([...(await leftovers(h1, `lt${tag}`)), ...(await leftovers(h2, `lt${tag}`))]).toEqual([]);
    const hist = (await engine.call('leases.history', { os: `deb${tag}` })).records;
    expect(hist).toHaveLength(3);
    for (const r of hist) {
      expect(r.state).toBe('deleted');
      expect(r.endReason).toBe('released');
      expect(r.create_duration_secs).toBeGreaterThanOrEqual(0);
      expect(r.delete_duration_secs).not.toBeNull();
      expect(r.live_duration_secs).not.toBeNull();
      expect(r.ipaddr).toMatch(/^192\.168\.122\./);
    }
    await engine.call('pools.delete', { os: `deb${tag}` });
  }, 700_000);

  it('gives up after the retries when the network gives no address, and leaves nothing', async () => {
    await engine.call('pools.create', { os: `nodhcp${tag}`, baseImages: bases(), network: NODHCP, cpus: 1, memoryMiB: 256, networkTimeoutSecs: 5, retries: 1 });
    const res = await engine.call('leases.acquire', { os: `nodhcp${tag}`, username: `lt${tag}n`, count: 1 });
    const lease = res.leases[0]!;
    const err = await refusal(engine.call('leases.acquire', { os: `nodhcp${tag}`, username: `lt${tag}n`, count: 1 }));
    expect(err.code).toBe('CONFLICT'); // the name is in use while it provisions
    const job = await waitFor('the request to end', async () => {
      const j = await engine.call('jobs.get', { jobId: res.jobId });
      return j.state === 'succeeded' || j.state === 'failed' ? j : null;
    }, 300_000, 500);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toMatch(/no VM with a network address after 2 attempt/);
    expect(job.error?.message).toMatch(/got no network address/);
    const ended = await engine.call('leases.get', { id: lease.id });
    expect(ended.state).toBe('failed');
    expect(ended.attempts).toBe(2);
    // The retry went to the other host.
    const provisions = (await engine.call('jobs.list', { limit: 200 })).jobs.filter((j) => j.kind === 'lease.provision' && j.parentId === res.jobId);
    expect(provisions).toHaveLength(1);
    expect(provisions[0]!.artifacts?.filter((a) => a.state === 'created' || a.state === 'creating') ?? []).toEqual([]);
    expect(new Set(provisions[0]!.artifacts?.map((a) => a.hostId)).size).toBe(2);
    expect([...(await leftovers(h1, `lt${tag}n`)), ...(await leftovers(h2, `lt${tag}n`))]).toEqual([]);
    const hist = (await engine.call('leases.history', { os: `nodhcp${tag}` })).records;
    expect(hist[0]).toMatchObject({ name: `lt${tag}n`, state: 'failed', endReason: 'failed', attempts: 2 });
  }, 400_000);

  it('never overbooks: six parallel requests against a capacity of four', async () => {
    await engine.call('pools.create', { os: `four${tag}`, baseImages: [{ hostId: hostIds[0]!, pool: 'default', volume: BASE }], network: FOUR, cpus: 1, memoryMiB: 256, networkTimeoutSecs: 400, retries: 0 });
    const cap = await engine.call('pools.capacity', { os: `four${tag}` });
    expect(cap.available).toBe(4);
    expect(cap.hosts.find((h) => h.hostId === hostIds[0])?.limitedBy).toBe('addresses');
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => engine.call('leases.acquire', { os: `four${tag}`, username: `lt${tag}p${i}`, count: 1 })));
    const ok = results.filter((r): r is PromiseFulfilledResult<{ jobId: string; leases: Lease[] }> => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => HangarError.from(r.reason));
    expect(ok).toHaveLength(4);
    expect(refused.map((e) => e.code)).toEqual(['CONFLICT', 'CONFLICT']);
    expect(refused[0]!.message).toMatch(/Not enough capacity/);
    expect((await engine.call('pools.capacity', { os: `four${tag}` })).available).toBe(0);
    // Released while they provision: their jobs are cancelled and nothing stays.
    await engine.call('leases.release', { ids: ok.map((r) => r.value.leases[0]!.id) });
    await waitFor('released', async () => (await engine.call('leases.list', { os: `four${tag}` })).leases.length === 0, 120_000, 300);
    expect(await leftovers(h1, `lt${tag}p`)).toEqual([]);
  }, 300_000);

  it('reaps an expired lease after an engine restart; its history shows its life', async () => {
    // An engine of its own, restarted while the lease provisions: the resumed job goes on, and
    // the reaper (2 s) deletes the lease once its minute is over.
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-leases-restart-'));
    const mk = () => createEngine({ dataDir: own, secrets: aesGcmCipher(Buffer.alloc(32, 7), 'test'), logger: silentLogger, runtime: 'in-process', localLibvirt: 'none', ssh: { knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText: '' } } });
    let e2 = await mk();
    try {
      const host = await e2.call('hosts.add', { address: h2.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h2.hostKeyFingerprint, name: h2.name });
      await waitFor('lab2 connected', async () => (await e2.call('hosts.list', {})).hosts[0]?.state === 'connected', 30_000, 100);
      await e2.call('pools.create', { os: 'restart', baseImages: [{ hostId: host.id, pool: 'default', volume: BASE }], network: 'default', cpus: 1, memoryMiB: 256, networkTimeoutSecs: 400, retries: 0 });
      const res = await e2.call('leases.acquire', { os: 'restart', username: `lt${tag}r`, count: 1, expiresInMinutes: 1 });
      const lease = res.leases[0]!;
      await waitFor('the VM defined', async () => (await virsh(h2, ['list', '--all', '--name'])).includes(`lt${tag}r`), 120_000, 500);
      await e2.close();
      e2 = await mk();
      const gone = await waitFor('reaped', async () => {
        const l = await e2.call('leases.get', { id: lease.id });
        return l.state === 'expired' ? l : null;
      }, lease.expiresAt - Date.now() + 90_000, 500);
      expect(gone.endedAt! - lease.expiresAt).toBeLessThan(90_000);
      expect(await leftovers(h2, `lt${tag}r`)).toEqual([]);
      const [rec] = (await e2.call('leases.history', { os: 'restart' })).records;
      expect(rec).toMatchObject({ name: `lt${tag}r`, state: 'deleted', endReason: 'expired', username: `lt${tag}r`, host: host.id, origin: h2.name, cpus: 1, memory: 256 * 1024 * 1024 });
      expect(rec!.deleted_time).toBeGreaterThan(rec!.created_time);
      expect(rec!.live_duration_secs).toBeGreaterThanOrEqual(0);
      expect(rec!.delete_duration_secs).not.toBeNull();
      console.log('leases: restart record', JSON.stringify(rec));
    } finally {
      await e2.close().catch(() => undefined);
      fs.rmSync(own, { recursive: true, force: true });
    }
  }, 400_000);
});
