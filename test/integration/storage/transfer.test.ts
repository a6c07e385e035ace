/**
 * Issue 17 (branch upload): images into a host's pool through the engine's ticketed HTTP endpoint
 * (as `hangar serve` serves it), checked on the host with sha256sum, qemu-img and virsh:
 * - the lab's base.qcow2 uploads; the host's sha256sum equals the file's; virsh sees a qcow2;
 * - a qcow2 with a backing file is refused and leaves no volume;
 * - more than the pool has free is refused before anything is made;
 * - the engine's link to the host is cut mid-upload (its SSH socket reset): the job waits, a resume
 *   starts from an offset the host verified, and the volume's SHA-256 equals the file's;
 * - the client's link breaks mid-upload and the upload is cancelled: no volume is left;
 * - a volume downloads through its ticket with the same SHA-256.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, TransferTicket, UploadResult } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import type { Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { startServer, type RunningServer } from '../../../engine/server/serve';
import { readLabInfo, sshRun, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';

const lab = readLabInfo();
const host = (lab.hosts[2] ?? lab.hosts[0]) as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const P = `upload-${tag}`;
const POOL = 'default';
const MiB = 1024 ** 2;

const sha256File = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const rejection = async (p: Promise<unknown>): Promise<HangarError> => {
  try {
    await p;
  } catch (err) {
    return HangarError.from(err);
  }
  throw new Error('expected a refusal');
};
const volumes = async () => (await virsh(host, ['vol-list', POOL])).split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((n): n is string => !!n && n.startsWith(P));

/** PUTs a file (from `offset`) to a ticket's URL; `pace` slows it to so many bytes per 20 ms; `abortAt` breaks it after that many bytes. */
function put(origin: string, t: TransferTicket, file: string, opts: { pace?: number; abortAt?: number } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(t.url, origin), { method: 'PUT', headers: { 'content-length': String(t.size - t.offset), 'content-type': 'application/octet-stream' } });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (e) => reject(e));
    const src = fs.createReadStream(file, { start: t.offset, highWaterMark: opts.pace ?? MiB });
    let sent = 0;
    src.on('data', (chunk) => {
      sent += chunk.length;
      if (!req.write(chunk)) src.pause();
      if (opts.abortAt !== undefined && sent >= opts.abortAt) {
        src.destroy();
        req.destroy(new Error('client link broken'));
        return;
      }
      if (opts.pace) {
        src.pause();
        setTimeout(() => src.resume(), 20);
      }
    });
    req.on('drain', () => src.resume());
    src.on('end', () => req.end());
  });
}

/** Resets this process's TCP connections to the host's sshd: the engine's link breaks, nobody else's does. */
function cutOwnLink(): number {
  const out = spawnSync('ss', ['-tnpH', 'state', 'established', 'dst', host.address], { encoding: 'utf8' }).stdout;
  const ports = out
    .split('\n')
    .filter((l) => l.includes(`pid=${process.pid},`) && /:22\s/.test(l))
    .map((l) => /\S+:(\d+)\s+\S+:22\s/.exec(l)?.[1])
    .filter((x): x is string => !!x);
  for (const port of ports) spawnSync('ss', ['-K', 'dst', host.address, 'sport', '=', `:${port}`]);
  return ports.length;
}

describe(`volume upload and download on ${host.name}`, () => {
  let engine: Engine;
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;
  let server: RunningServer | undefined;
  let hostId: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-upload-'));
  const jobs = new Map<string, Job>();
  const final = (jobId: string, ms = 90_000) =>
    waitFor(`job ${jobId}`, async () => {
      const j = jobs.get(jobId);
      return j && j.state !== 'queued' && j.state !== 'running' ? j : undefined;
    }, ms, 50);

  beforeAll(async () => {
    t = await labEngine(lab, 'upload');
    engine = t.engine;
    engine.subscribe('job.updated', {}, (j) => jobs.set(j.id, j));
    hostId = (await engine.call('hosts.add', { address: host.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: host.hostKeyFingerprint, name: host.name })).id;
    await waitFor('the default pool', async () => (await engine.call('storage.pools', { hostId })).pools.some((p) => p.name === POOL), 30_000, 200);
    server = await startServer({ engine, logger: silentLogger, host: '127.0.0.1', port: 0, token: crypto.randomBytes(16).toString('hex'), staticDir: tmp });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await t?.dispose();
    await sshRun(host, `for v in $(virsh vol-list ${POOL} | awk '{print $1}' | grep '^${P}'); do virsh vol-delete --pool ${POOL} "$v" >/dev/null 2>&1; done; true`).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it(`uploads base.qcow2 through the ticketed endpoint; the host's sha256sum equals the file's`, async () => {
    const file = lab.guest.baseImage;
    const size = fs.statSync(file).size;
    const sum = sha256File(file);
    const ticket = await engine.call('storage.uploadBegin', { hostId, pool: POOL, name: `${P}-base.qcow2`, size, format: 'qcow2', sha256: sum });
    expect(ticket.offset).toBe(0);
    expect(ticket.url).toMatch(/^\/transfer\/upload\//);
    const seen: number[] = [];
    const off = engine.subscribe('job.updated', {}, (j) => j.id === ticket.jobId && j.transfer && seen.push(j.transfer.bytesDone));
    expect(await put(server!.origin, ticket, file)).toBe(204);
    const job = await final(ticket.jobId);
    off();
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const r = job.result as UploadResult;
    expect(r.sha256).toBe(sum);
    expect(seen.every((b, i) => i === 0 || b >= seen[i - 1]!)).toBe(true);
    const onHost = (await sshRun(host, `sha256sum ${r.path}`)).split(/\s+/)[0];
    expect(onHost).toBe(sum);
    expect(JSON.parse(await sshRun(host, `qemu-img info -U --output=json ${r.path}`)).format).toBe('qcow2');
    // libvirt reads the format from the file once the pool is refreshed: a VM made from it gets qcow2.
    expect(await virsh(host, ['vol-dumpxml', '--pool', POOL, `${P}-base.qcow2`])).toMatch(/<format type='qcow2'\/>/);
    // A used ticket is refused.
    const again = await new Promise<number>((resolve) => http.request(new URL(ticket.url, server!.origin), { method: 'PUT' }, (res) => resolve(res.statusCode ?? 0)).end());
    expect(again).toBe(401);
  });

  it('refuses a qcow2 with a backing file and leaves no volume', async () => {
    const overlay = path.join(tmp, 'overlay.qcow2');
    expect(spawnSync('qemu-img', ['create', '-f', 'qcow2', '-F', 'raw', '-b', '/etc/hostname', overlay]).status).toBe(0);
    const size = fs.statSync(overlay).size;
    const name = `${P}-overlay.qcow2`;
    const ticket = await engine.call('storage.uploadBegin', { hostId, pool: POOL, name, size, format: 'qcow2' });
    await put(server!.origin, ticket, overlay);
    const job = await final(ticket.jobId);
    expect(job.state).toBe('failed');
    expect(job.error?.details?.message).toMatchObject({ key: 'transfer.err.backing' });
    expect(await volumes()).not.toContain(name);
  });

  it('refuses an upload larger than the pool has free, before making anything', async () => {
    const err = await rejection(engine.call('storage.uploadBegin', { hostId, pool: POOL, name: `${P}-huge.raw`, size: 15 * 1024 ** 4, format: 'raw' }));
    expect(err.code).toBe('CONFLICT');
    expect(err.details?.message).toMatchObject({ key: 'transfer.err.space' });
    expect(await volumes()).not.toContain(`${P}-huge.raw`);
  });

  it(`resumes after the engine's link to the host is cut, from an offset the host verified; same SHA-256`, async () => {
    const file = path.join(tmp, 'random.raw');
    fs.writeFileSync(file, crypto.randomBytes(96 * MiB));
    const sum = sha256File(file);
    const name = `${P}-cut.raw`;
    const ticket = await engine.call('storage.uploadBegin', { hostId, pool: POOL, name, size: 96 * MiB, format: 'raw' });
    const sending = put(server!.origin, ticket, file, { pace: 512 * 1024 }).catch(() => 0);
    await waitFor('48 MiB sent', async () => (jobs.get(ticket.jobId)?.transfer?.bytesDone ?? 0) > 48 * MiB, 60_000, 20);
    expect(cutOwnLink()).toBeGreaterThan(0);
    const status = await sending;
    expect(status).not.toBe(204);
    const waiting = await waitFor('the job waiting for a resume', async () => {
      const j = jobs.get(ticket.jobId);
      return j?.transfer?.phase === 'waiting' && j.transfer.resumableUntil ? j : undefined;
    }, 60_000, 50);
    expect(waiting.state).toBe('running');
    expect(await volumes()).toContain(name); // kept, named, while resumable
    const resumed = await waitFor('a resume ticket (the host back)', async () => engine.call('storage.uploadResume', { jobId: ticket.jobId }).catch(() => undefined), 60_000, 1_000);
    console.log(`[upload] link cut at ${((waiting.transfer?.bytesDone ?? 0) / MiB).toFixed(0)} MiB; resumed from ${(resumed.offset / MiB).toFixed(0)} MiB`);
    expect(resumed.offset).toBeGreaterThan(0);
    expect(resumed.offset % MiB).toBe(0);
    expect(await put(server!.origin, resumed, file)).toBe(204);
    const job = await final(ticket.jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect((job.result as UploadResult).sha256).toBe(sum);
    expect((await sshRun(host, `sha256sum ${(job.result as UploadResult).path}`)).split(/\s+/)[0]).toBe(sum);
  });

  it(`after the client's link breaks, cancel deletes the partial volume`, async () => {
    const file = path.join(tmp, 'random.raw');
    const name = `${P}-cancel.raw`;
    const ticket = await engine.call('storage.uploadBegin', { hostId, pool: POOL, name, size: 96 * MiB, format: 'raw' });
    await put(server!.origin, ticket, file, { abortAt: 40 * MiB }).catch(() => 0);
    await waitFor('the job waiting for a resume', async () => jobs.get(ticket.jobId)?.transfer?.resumableUntil, 60_000, 50);
    expect(await volumes()).toContain(name);
    await engine.call('storage.uploadCancel', { jobId: ticket.jobId });
    const job = await final(ticket.jobId);
    expect(job.state).toBe('cancelled');
    expect(await volumes()).not.toContain(name);
  });

  it('downloads a volume through its ticket, byte for byte', async () => {
    const name = `${P}-base.qcow2`;
    const ticket = await engine.call('storage.downloadBegin', { hostId, pool: POOL, volume: name });
    expect(ticket.size).toBe(fs.statSync(lab.guest.baseImage).size);
    const hash = crypto.createHash('sha256');
    const status = await new Promise<number>((resolve, reject) =>
      http
        .get(new URL(ticket.url, server!.origin), (res) => {
          res.on('data', (c: Buffer) => hash.update(c));
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject),
    );
    expect(status).toBe(200);
    expect(hash.digest('hex')).toBe(sha256File(lab.guest.baseImage));
    const job = await final(ticket.jobId);
    expect(job.state).toBe('succeeded');
  });
});
