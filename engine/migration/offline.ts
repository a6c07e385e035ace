import crypto from 'node:crypto';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HangarError } from '../contract/errors';
import type { JobContext } from '../jobs/job-runner';
import { isNotFound, UndefineFlag, type LibvirtConnection } from '../libvirt';
import type { SshConnection } from '../ssh';
import type { TargetVolume } from './target-volumes';

/** A volume copy that stalls (no byte for this long) fails rather than hangs. */
const STALL_MS = 60_000;

/** Hashes what passes and reports its count, failing when nothing passes for STALL_MS. */
export function meter(onBytes: (n: number) => void): { stream: Transform; digest: () => string } {
  const hash = crypto.createHash('sha256');
  let timer: NodeJS.Timeout | null = null;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      onBytes(chunk.length);
      arm();
      cb(null, chunk);
    },
    flush(cb) {
      if (timer) clearTimeout(timer);
      cb();
    },
  });
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => stream.destroy(new HangarError('TIMEOUT', `The volume copy stalled for ${STALL_MS / 1000} s`)), STALL_MS);
  };
  arm();
  return { stream, digest: () => hash.digest('hex') };
}

/**
 * Streams each volume from the source host to its (pre-created) copy on the target through the
 * engine, hashing on the way; the copy is then hashed on the target (sha256sum over SSH) and must
 * match, byte for byte.
 */
export async function copyVolumes(ctx: JobContext, source: LibvirtConnection, target: LibvirtConnection, targetSsh: SshConnection | null, vols: readonly TargetVolume[]): Promise<void> {
  const total = vols.reduce((a, v) => a + v.bytes, 0) || 1;
  let done = 0;
  for (const v of vols) {
    ctx.progress(done / total, { key: 'job.vm.migrate.copyingDisk', args: { disk: v.disk.target ?? v.name } });
    const down = await source.storageVolDownload(await source.storageVolLookupByPath(v.disk.path), 0, 0);
    const up = await target.storageVolUpload(await target.storageVolLookupByName(await target.storagePoolLookupByName(v.pool), v.name), 0, 0);
    const m = meter((n) => {
      done += n;
      ctx.progress(Math.min(0.95, done / total));
    });
    const stop = () => down.destroy(new HangarError('CANCELLED', 'Cancelled'));
    ctx.signal.addEventListener('abort', stop);
    try {
      await pipeline(down, m.stream, up);
    } finally {
      ctx.signal.removeEventListener('abort', stop);
    }
    const sent = m.digest();
    const got = targetSsh ? await hashOnHost(targetSsh, v.path, ctx.signal) : await hashThroughEngine(target, v, ctx.signal);
    if (got !== sent) throw new HangarError('INTERNAL', `The copy of ${v.disk.target ?? v.name} on the target does not match the source (sha256 ${got} ≠ ${sent})`, { message: { key: 'migration.err.checksum', args: { disk: v.disk.target ?? v.name } } });
  }
}

export async function hashOnHost(ssh: SshConnection, path: string, signal: AbortSignal): Promise<string> {
  const r = await ssh.exec(['sha256sum', path], { timeoutMs: 10 * 60_000, signal });
  return r.stdout.trim().split(/\s+/)[0] || r.stderr.trim();
}

/** A host without SSH (the local one): its copy is read back through libvirt and hashed here. */
async function hashThroughEngine(conn: LibvirtConnection, v: TargetVolume, signal: AbortSignal): Promise<string> {
  const back = await conn.storageVolDownload(await conn.storageVolLookupByName(await conn.storagePoolLookupByName(v.pool), v.name), 0, 0);
  const m = meter(() => undefined);
  const stop = () => back.destroy(new HangarError('CANCELLED', 'Cancelled'));
  signal.addEventListener('abort', stop);
  try {
    await pipeline(back, m.stream, new Writable({ write: (_c, _e, cb) => cb() }));
  } finally {
    signal.removeEventListener('abort', stop);
  }
  return m.digest();
}

/** Defines the VM on the target from its XML (same UUID), journalled before it is asked for. */
export async function defineOnTarget(ctx: JobContext, target: LibvirtConnection, targetHostId: string, vm: { uuid: string; name: string }, xml: string, autostart: boolean): Promise<void> {
  const made = await ctx.journal.artifact({ kind: 'domain', hostId: targetHostId, name: vm.name, uuid: vm.uuid });
  try {
    const dom = await target.domainDefineXml(xml, 0);
    await made.created();
    if (autostart) await target.domainSetAutostart(dom, true);
  } catch (err) {
    const there = await target.domainLookupByUuid(vm.uuid).then(() => true, (e: unknown) => !isNotFound(e));
    if (!there) await made.removed();
    throw err;
  }
}

/** Undefines the source definition; a VM gone already counts as done. Snapshot metadata and a managed save go with it. */
export async function undefineSource(conn: LibvirtConnection, uuid: string): Promise<void> {
  try {
    const dom = await conn.domainLookupByUuid(uuid);
    await conn.domainUndefine(dom, UndefineFlag.MANAGED_SAVE | UndefineFlag.SNAPSHOTS_METADATA | UndefineFlag.CHECKPOINTS_METADATA | UndefineFlag.KEEP_NVRAM);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
