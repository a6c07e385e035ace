import crypto from 'node:crypto';
import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { JobRef } from '../contract/jobs';
import type { Message } from '../contract/message';
import type { AdoptVolumeParams, CopyToHostParams, DeleteCopyParams, LibraryCopy, LibraryItem, RegisterFromVmParams, UploadItemParams } from '../contract/library';
import type { TransferTicket, UploadFormat } from '../contract/transfer';
import type { TransferApi } from '../storage/transfer/api';
import type { Vm } from '../contract/vms';
import { copyDisk, type CopySource } from '../clone/disk-copy';
import { hostsReaching } from '../clone/storage-reach';
import type { FleetLinks } from '../hosts/fleet';
import type { JobContext, JobRunner } from '../jobs/job-runner';
import { DomainXmlFlag, isNotFound, type LibvirtConnection } from '../libvirt';
import { hashOnHost } from '../migration/offline';
import { snapshotImages } from '../snapshots/frozen-image';
import type { SshConnection } from '../ssh';
import { parseDomainXml } from '../xml/domain-read';
import { buildVolumeXml, readVolumeXml } from '../xml/volume';
import { copyUsers } from './linked-users';
import type { LibraryStore } from './library-store';
import { isKnownOs } from './os-catalogue';

export interface LibraryDeps {
  fleet: Pick<FleetLinks, 'libvirt' | 'ssh' | 'hosts'>;
  store: LibraryStore;
  jobs: Pick<JobRunner, 'start'>;
  vm(id: string): Vm | undefined;
}

const template = (id: string) => ({ kind: 'template' as const, id });
const refuse = (code: 'CONFLICT' | 'INVALID_PARAMS' | 'NOT_FOUND', key: string, args: Record<string, string | number>, english: string, field?: string) =>
  new HangarError(code, english, { ...(field ? { field } : {}), message: { key, args } });

/** A volume name from the item's name: what the host's pool shows, readable and unique. */
export function volumeNameFor(name: string, id: string, ext: string): string {
  // A name that starts with lib- already would otherwise read lib-lib-….
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').replace(/^lib-(?=.)/, '').slice(0, 40) || 'item';
  return `lib-${slug}-${id.slice(0, 6)}.${ext}`;
}

export const newItemId = () => crypto.randomBytes(8).toString('hex');

export function checkNewItem(deps: Pick<LibraryDeps, 'store'>, p: { name: string; osId: string }): void {
  if (deps.store.byName(p.name)) throw refuse('INVALID_PARAMS', 'library.err.nameTaken', { name: p.name }, `The library already has an item named ${p.name}`, 'name');
  if (!isKnownOs(p.osId)) throw refuse('INVALID_PARAMS', 'library.err.unknownOs', { os: p.osId }, `Unknown OS type ${p.osId}`, 'osId');
}

export function hostName(deps: Pick<LibraryDeps, 'fleet'>, hostId: string): string {
  return deps.fleet.hosts.get(hostId)?.name ?? hostId;
}

async function fileSize(ssh: SshConnection | null, path: string, signal: AbortSignal): Promise<number | null> {
  if (!ssh) return null;
  const r = await ssh.exec(['stat', '-c', '%s', '--', path], { timeoutMs: 30_000, signal });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) && r.exitCode === 0 ? n : null;
}

/** Which connected hosts see the same file (a shared pool): they may use the copy too. */
async function reachOf(deps: Pick<LibraryDeps, 'fleet'>, hostId: string, path: string): Promise<{ shared: boolean; reach: string[] }> {
  const others = deps.fleet.hosts.values().filter((h) => h.state === 'connected' && h.id !== hostId).map((h) => h.id);
  const r = await hostsReaching([path], hostId, others, (h) => deps.fleet.ssh(h)).catch(() => ({ reach: [hostId], shared: false }));
  return { shared: r.shared, reach: r.reach.filter((h) => h !== hostId) };
}

/**
 * A host that has just connected: each Ready copy elsewhere whose file it sees too (the same file
 * system, as hostsReaching probes it) becomes usable there, as if it had been connected when the
 * copy became Ready.
 */
export async function joinSharedCopies(deps: Pick<LibraryDeps, 'fleet' | 'store'>, hostId: string): Promise<void> {
  for (const it of deps.store.items.values()) {
    for (const c of it.copies) {
      if (c.state !== 'ready' || c.hostId === hostId || c.reach.includes(hostId) || deps.fleet.hosts.get(c.hostId)?.state !== 'connected') continue;
      const r = await hostsReaching([c.path], c.hostId, [hostId], (h) => deps.fleet.ssh(h)).catch(() => null);
      if (!r?.reach.includes(hostId)) continue;
      const now = deps.store.get(it.id)?.copies.find((x) => x.hostId === c.hostId && x.pool === c.pool && x.volume === c.volume);
      if (now && now.state === 'ready' && !now.reach.includes(hostId)) await deps.store.putCopy(it.id, { ...now, shared: true, reach: [...now.reach, hostId] });
    }
  }
}

/**
 * The last steps of every copy: Verifying (sha256sum on the host, against what the bytes were
 * when they were sent, if known), then Ready with the hash, size and the hosts that see it.
 */
export async function verifyCopy(deps: Pick<LibraryDeps, 'fleet' | 'store'>, itemId: string, copy: Pick<LibraryCopy, 'hostId' | 'pool' | 'volume' | 'path'>, expected: string | null, signal: AbortSignal): Promise<string> {
  await deps.store.setState(itemId, copy, 'verifying');
  const ssh = deps.fleet.ssh(copy.hostId);
  if (!ssh) throw new HangarError('UNSUPPORTED', `${hostName(deps, copy.hostId)} has no SSH link to check the copy`);
  const sha256 = await hashOnHost(ssh, copy.path, signal);
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new HangarError('LIBVIRT_ERROR', `sha256sum failed on ${hostName(deps, copy.hostId)}: ${sha256.slice(0, 200)}`);
  if (expected && sha256 !== expected) {
    throw refuse('CONFLICT', 'library.err.checksum', { host: hostName(deps, copy.hostId) }, `The copy on ${hostName(deps, copy.hostId)} does not match (sha256 ${sha256} ≠ ${expected})`);
  }
  const bytes = await fileSize(ssh, copy.path, signal);
  const { shared, reach } = await reachOf(deps, copy.hostId, copy.path);
  await deps.store.setState(itemId, copy, 'ready', { sha256, bytes, shared, reach });
  return sha256;
}

async function deleteVolumeAt(conn: LibvirtConnection, pool: string, volume: string): Promise<void> {
  try {
    await conn.storageVolDelete(await conn.storageVolLookupByName(await conn.storagePoolLookupByName(pool), volume), 0);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/**
 * A template from a VM's root disk (seed 002 L75–113): the disk's whole chain, or the image one of
 * its snapshots froze, flattened with qemu-img convert on the host into a new qcow2 volume, then
 * hashed there. The item is listed at once as Uploading, but nothing can use it before it is Ready.
 *
 * What may be read: a stopped VM's disk as it is, or any snapshot of it; of a running VM only a
 * snapshot whose frozen image nothing writes to, i.e. an external one (the image below its
 * overlay, a backing file QEMU opens read-only). An internal snapshot of a running VM is refused:
 * it lives inside the qcow2 that QEMU has open for writing, whose metadata (refcounts, tables,
 * the snapshot table) QEMU caches and rewrites as the guest writes; qemu-img could read it only
 * by ignoring QEMU's lock (-U), which QEMU documents as liable to read an inconsistent image.
 * The job holds the VM's lock, so no start, revert or snapshot delete (a commit into the frozen
 * image) runs through Hangar while the image is read.
 */
export async function registerFromVm(deps: LibraryDeps, p: z.output<typeof RegisterFromVmParams>): Promise<JobRef & { itemId: string }> {
  const vm = deps.vm(p.vmId);
  if (!vm) throw new HangarError('NOT_FOUND', `No VM ${p.vmId}`);
  const stopped = vm.state === 'stopped' || vm.state === 'crashed';
  if (!stopped && !p.snapshot) {
    throw refuse('CONFLICT', 'library.err.vmRunning', { name: vm.name }, `${vm.name} is not stopped: shut it down first, so its disk does not change while it is copied`);
  }
  checkNewItem(deps, p);
  const conn = deps.fleet.libvirt(vm.hostId);
  const dom = await conn.domainLookupByUuid(vm.uuid);
  const xml = await conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE);
  const root = parseDomainXml(xml).disks.find((d) => d.device === 'disk' && d.source);
  if (!root?.source) throw refuse('CONFLICT', 'library.err.noDisk', { name: vm.name }, `${vm.name} has no disk to make a template of`);
  const srcRef = await conn.storageVolLookupByPath(root.source).catch((err: unknown) => {
    throw isNotFound(err) ? refuse('CONFLICT', 'library.err.notVolume', { name: vm.name, disk: root.target }, `Disk ${root.target} of ${vm.name} is not a volume of a storage pool`) : err;
  });
  const srcVol = readVolumeXml(await conn.storageVolGetXmlDesc(srcRef));
  let source: CopySource = { path: root.source, format: srcVol.format || root.format || 'qcow2' };
  if (p.snapshot) {
    const frozen = await (await snapshotImages(conn, dom, vm.name, p.snapshot)).frozen({ target: root.target, source: root.source, format: source.format });
    if (!frozen) throw refuse('CONFLICT', 'library.err.snapshotNoDisk', { name: vm.name, snapshot: p.snapshot, disk: root.target }, `The snapshot ${p.snapshot} of ${vm.name} does not cover its disk ${root.target}`);
    if (frozen.written && !stopped) {
      throw refuse('CONFLICT', 'library.err.snapshotLive', { name: vm.name, snapshot: p.snapshot }, `${p.snapshot} is an internal snapshot, inside the disk ${vm.name} is writing to: stop ${vm.name} first, or register an external snapshot (its image does not change while the VM runs)`);
    }
    source = { path: frozen.path, format: frozen.format, snapshot: frozen.snapshot, shared: !stopped };
  }
  const pool = p.pool ?? srcRef.pool;
  const id = newItemId();
  const volume = volumeNameFor(p.name, id, 'qcow2');
  await deps.store.addItem({ id, name: p.name, kind: 'template', osId: p.osId, description: p.description, minVcpus: p.minVcpus, minMemoryMiB: p.minMemoryMiB, minDiskGiB: p.minDiskGiB, bootable: false, format: 'qcow2', source: p.snapshot ? `snapshot:${vm.name}/${p.snapshot}` : `vm:${vm.name}`, createdAt: Date.now() });
  const copy: LibraryCopy = { hostId: vm.hostId, pool, volume, path: '', bytes: null, sha256: null, state: 'uploading', percent: 0, error: null, shared: false, reach: [], createdAt: Date.now() };
  await deps.store.putCopy(id, copy);
  try {
    const title: Message = p.snapshot ? { key: 'job.library.registerSnapshot', args: { name: p.name, vm: vm.name, snapshot: p.snapshot } } : { key: 'job.library.register', args: { name: p.name, vm: vm.name } };
    const ref = await deps.jobs.start({ kind: 'library.register', title, target: { kind: 'vm', id: vm.id }, hostId: vm.hostId, cancellable: true }, async (ctx) => {
      const c = deps.fleet.libvirt(vm.hostId);
      try {
        const ssh = deps.fleet.ssh(vm.hostId);
        if (!ssh) throw new HangarError('UNSUPPORTED', `${hostName(deps, vm.hostId)} has no SSH link for qemu-img`);
        ctx.progress(0, { key: 'job.library.copying' });
        const made = await ctx.journal.artifact({ kind: 'volume', hostId: vm.hostId, pool, name: volume });
        const vol = await c.storageVolCreateXml(await c.storagePoolLookupByName(pool), buildVolumeXml({ name: volume, capacityBytes: srcVol.capacityBytes, format: 'qcow2', backing: null }), 0);
        await made.created();
        const path = await c.storageVolGetPath(vol);
        await deps.store.putCopy(id, { ...copy, path });
        let last = 0;
        await copyDisk(ssh, source, path, {
          signal: ctx.signal,
          onProgress: (f) => {
            ctx.progress(f * 0.8);
            if (f * 100 - last >= 1) {
              last = f * 100;
              void deps.store.setState(id, copy, 'uploading', { percent: Math.round(f * 100) });
            }
          },
        });
        ctx.progress(0.85, { key: 'job.library.verifying' });
        const sha256 = await verifyCopy(deps, id, { ...copy, path }, null, ctx.signal);
        return { itemId: id, sha256 };
      } catch (err) {
        await deleteVolumeAt(c, pool, volume).catch(() => undefined);
        await deps.store.removeItem(id);
        throw err;
      }
    });
    return { ...ref, itemId: id };
  } catch (err) {
    await deps.store.removeItem(id);
    throw err;
  }
}

/** The copy a host may read the item from: a Ready one on that host or shared with it. */
export function readyCopyFor(item: LibraryItem, hostId: string): LibraryCopy | undefined {
  const ready = item.copies.filter((c) => c.state === 'ready');
  return ready.find((c) => c.hostId === hostId) ?? ready.find((c) => c.reach.includes(hostId));
}

/**
 * Copies an item to another host through the transfer module's upload (one way to bring bytes
 * into a pool): the source volume is read from the other host (libvirt volume download) as the
 * upload's stream source, reopened at the verified offset after a broken link; nothing whole in
 * memory or on disk here. The bytes must hash to the source's recorded sha256 on the way and in
 * the target's sha256sum, and qemu-img there must show the item's format with no backing file.
 */
export async function copyToHost(deps: LibraryDeps & { transfer: () => TransferApi }, p: z.output<typeof CopyToHostParams>): Promise<JobRef> {
  const item = deps.store.get(p.itemId);
  if (!item) throw new HangarError('NOT_FOUND', `No library item ${p.itemId}`);
  const to = deps.fleet.hosts.get(p.toHostId);
  if (!to) throw new HangarError('NOT_FOUND', `No host ${p.toHostId}`);
  if (item.readyOn.includes(p.toHostId)) throw refuse('CONFLICT', 'library.err.alreadyThere', { name: item.name, host: to.name }, `${item.name} is Ready on ${to.name} already`);
  const connected = (h: string) => deps.fleet.hosts.get(h)?.state === 'connected';
  const src = item.copies.find((c) => c.state === 'ready' && (p.fromHostId ? c.hostId === p.fromHostId : connected(c.hostId)));
  if (!src || !src.sha256) throw refuse('CONFLICT', 'library.err.noReadyCopy', { name: item.name }, `${item.name} has no Ready copy on a connected host to copy from`);
  if (item.copies.some((c) => c.hostId === p.toHostId && c.state !== 'error')) throw refuse('CONFLICT', 'library.err.copyUnderWay', { name: item.name, host: to.name }, `A copy of ${item.name} to ${to.name} is under way`);
  const from = { hostId: src.hostId, pool: src.pool, volume: src.volume };
  // The file's size on the source host, recorded when that copy was verified: what its download sends.
  const size = src.bytes;
  if (!size) throw new HangarError('CONFLICT', `The size of ${item.name} on ${hostName(deps, src.hostId)} is unknown: delete that copy and upload it again`);
  const format: UploadFormat = item.format === 'iso' || item.format === 'raw' ? item.format : 'qcow2';
  const copy: LibraryCopy = { hostId: p.toHostId, pool: p.pool, volume: src.volume, path: '', bytes: size, sha256: null, state: 'uploading', percent: 0, error: null, shared: false, reach: [], createdAt: Date.now() };
  await deps.store.putCopy(item.id, copy);
  let last = -1;
  try {
    const handle = await deps.transfer().uploadIntoPool({
      hostId: p.toHostId,
      pool: p.pool,
      name: src.volume,
      size,
      format,
      sha256: src.sha256,
      source: { kind: 'stream', open: async (offset, signal) => (await deps.transfer().openVolume(from, offset, signal)).stream },
      title: { key: 'job.library.copy', args: { name: item.name, host: to.name } },
      onProgress: (s) => {
        if (s.phase === 'verifying') return void deps.store.setState(item.id, copy, 'verifying');
        const pct = Math.floor((s.bytesDone / (s.bytesTotal || 1)) * 100);
        if (pct === last) return;
        last = pct;
        void deps.store.setState(item.id, copy, 'uploading', { percent: pct });
      },
      onComplete: async (r) => {
        const { shared, reach } = await reachOf(deps, p.toHostId, r.path);
        await deps.store.putCopy(item.id, { ...copy, path: r.path, bytes: r.size, sha256: r.sha256, state: 'ready', percent: null, shared, reach });
      },
      onFailed: () => void deps.store.removeCopy(item.id, copy),
    });
    return { jobId: handle.jobId };
  } catch (err) {
    await deps.store.removeCopy(item.id, copy);
    throw err;
  }
}

/** The VMs, on every host that sees the copy, that still read from it (linked clones, an inserted ISO). */
async function usersOf(deps: Pick<LibraryDeps, 'fleet'>, copy: LibraryCopy): Promise<string[]> {
  const names: string[] = [];
  for (const h of [copy.hostId, ...copy.reach]) {
    if (deps.fleet.hosts.get(h)?.state !== 'connected') continue;
    const conn = deps.fleet.libvirt(h);
    let local = copy;
    if (h !== copy.hostId) {
      const ref = await conn.storageVolLookupByPath(copy.path).catch(() => null);
      if (!ref) continue;
      local = { ...copy, pool: ref.pool, volume: ref.name };
    }
    for (const n of await copyUsers(conn, local)) names.push(h === copy.hostId ? n : `${n} (${hostName(deps, h)})`);
  }
  return [...new Set(names)].sort();
}

async function refuseUsed(deps: Pick<LibraryDeps, 'fleet'>, item: LibraryItem, copies: readonly LibraryCopy[]): Promise<void> {
  const users = new Set<string>();
  for (const c of copies) for (const u of await usersOf(deps, c)) users.add(u);
  if (users.size === 0) return;
  const vms = [...users].sort().join(', ');
  throw new HangarError('CONFLICT', `${item.name} is still used by ${vms}: delete those VMs (or their disks) first`, { vms: [...users].sort(), message: { key: item.kind === 'iso' ? 'library.err.isoInUse' : 'library.err.linkedClones', args: { name: item.name, vms } } });
}

/** Deletes one host's copy; the item and its other copies stay, and VMs made from it as full copies keep running. */
export async function deleteCopy(deps: LibraryDeps, p: z.output<typeof DeleteCopyParams>): Promise<JobRef> {
  const item = deps.store.get(p.itemId);
  if (!item) throw new HangarError('NOT_FOUND', `No library item ${p.itemId}`);
  const copy = item.copies.find((c) => c.hostId === p.hostId && c.pool === p.pool && c.volume === p.volume);
  if (!copy) throw new HangarError('NOT_FOUND', `${item.name} has no copy ${p.pool}/${p.volume} on ${hostName(deps, p.hostId)}`);
  if (copy.state === 'uploading' || copy.state === 'verifying') throw refuse('CONFLICT', 'library.err.busy', { name: item.name }, `${item.name} is being copied there: cancel its task first`);
  await refuseUsed(deps, item, [copy]);
  return deps.jobs.start({ kind: 'library.deleteCopy', title: { key: 'job.library.deleteCopy', args: { name: item.name, host: hostName(deps, p.hostId) } }, target: template(item.id), hostId: p.hostId, cancellable: false }, async () => {
    await refuseUsed(deps, item, [copy]);
    await deleteVolumeAt(deps.fleet.libvirt(p.hostId), p.pool, p.volume);
    await deps.store.removeCopy(item.id, copy);
    return null;
  });
}

/** Deletes the item and every copy; refused, naming them, while linked clones (or VMs with the ISO) use any copy. */
export async function deleteItem(deps: LibraryDeps, itemId: string): Promise<JobRef> {
  const item = deps.store.get(itemId);
  if (!item) throw new HangarError('NOT_FOUND', `No library item ${itemId}`);
  if (item.copies.some((c) => c.state === 'uploading' || c.state === 'verifying')) throw refuse('CONFLICT', 'library.err.busy', { name: item.name }, `${item.name} is being copied: cancel its task first`);
  await refuseUsed(deps, item, item.copies);
  return deps.jobs.start({ kind: 'library.delete', title: { key: 'job.library.delete', args: { name: item.name } }, target: template(item.id), cancellable: false }, async () => {
    await refuseUsed(deps, item, item.copies);
    const left: string[] = [];
    for (const c of item.copies) {
      if (deps.fleet.hosts.get(c.hostId)?.state !== 'connected') {
        left.push(`${c.pool}/${c.volume} on ${hostName(deps, c.hostId)}`);
        continue;
      }
      await deleteVolumeAt(deps.fleet.libvirt(c.hostId), c.pool, c.volume);
    }
    await deps.store.removeItem(item.id);
    return { leftBehind: left };
  });
}

/**
 * A new item whose first copy is uploaded from the person's machine through the transfer
 * endpoint (`upload`'s ticketed PUT): listed at once as Uploading n%, Verifying while the host
 * hashes and inspects it, Ready once the upload job has checked it. A failed or cancelled upload
 * removes the item (its volume is the upload's to delete).
 */
export async function uploadItem(deps: LibraryDeps & { transfer: () => TransferApi }, p: z.output<typeof UploadItemParams>): Promise<{ itemId: string; jobId: string; ticket: TransferTicket | null }> {
  checkNewItem(deps, p);
  const format: UploadFormat = p.format ?? (p.kind === 'iso' ? 'iso' : /\.qcow2$/i.test(p.fileName) ? 'qcow2' : 'raw');
  const id = newItemId();
  const volume = volumeNameFor(p.name, id, format === 'qcow2' ? 'qcow2' : format === 'iso' ? 'iso' : 'img');
  await deps.store.addItem({ id, name: p.name, kind: p.kind, osId: p.osId, description: p.description, minVcpus: p.minVcpus, minMemoryMiB: p.minMemoryMiB, minDiskGiB: p.minDiskGiB, bootable: p.kind === 'iso' && p.bootable, format, source: `upload:${p.fileName}`, createdAt: Date.now() });
  const copy: LibraryCopy = { hostId: p.hostId, pool: p.pool, volume, path: '', bytes: p.bytes, sha256: null, state: 'uploading', percent: 0, error: null, shared: false, reach: [], createdAt: Date.now() };
  await deps.store.putCopy(id, copy);
  let last = -1;
  try {
    const handle = await deps.transfer().uploadIntoPool({
      hostId: p.hostId,
      pool: p.pool,
      name: volume,
      size: p.bytes,
      format,
      source: { kind: 'ticket' },
      title: { key: 'job.library.upload', args: { name: p.name, host: hostName(deps, p.hostId) } },
      onProgress: (s) => {
        if (s.phase === 'verifying') return void deps.store.setState(id, copy, 'verifying');
        const pct = Math.floor((s.bytesDone / (s.bytesTotal || 1)) * 100);
        if (pct === last) return;
        last = pct;
        void deps.store.setState(id, copy, 'uploading', { percent: pct });
      },
      onComplete: async (r) => {
        const { shared, reach } = await reachOf(deps, p.hostId, r.path);
        await deps.store.putCopy(id, { ...copy, path: r.path, bytes: r.size, sha256: r.sha256, state: 'ready', percent: null, shared, reach });
      },
      onFailed: () => void deps.store.removeItem(id),
    });
    return { itemId: id, jobId: handle.jobId, ticket: handle.ticket };
  } catch (err) {
    await deps.store.removeItem(id);
    throw err;
  }
}

/**
 * Takes a volume a host already has (an ISO or base image put there by hand, or one a pool on
 * shared storage holds) into the library as it is: hashed on the host, then Ready. The library
 * owns it from then on: deleting the item deletes the volume.
 */
export async function adoptVolume(deps: LibraryDeps, p: z.output<typeof AdoptVolumeParams>): Promise<JobRef & { itemId: string }> {
  checkNewItem(deps, p);
  const taken = deps.store.items.values().find((it) => it.copies.some((c) => c.hostId === p.hostId && c.pool === p.pool && c.volume === p.volume));
  if (taken) throw refuse('CONFLICT', 'library.err.alreadyIn', { volume: p.volume, name: taken.name }, `${p.volume} is in the library already, as ${taken.name}`);
  const conn = deps.fleet.libvirt(p.hostId);
  const ref = await conn.storageVolLookupByName(await conn.storagePoolLookupByName(p.pool), p.volume).catch((err: unknown) => {
    throw isNotFound(err) ? new HangarError('NOT_FOUND', `No volume ${p.volume} in pool ${p.pool}`) : err;
  });
  const info = readVolumeXml(await conn.storageVolGetXmlDesc(ref));
  if (info.backing) throw refuse('CONFLICT', 'library.err.hasBacking', { volume: p.volume }, `${p.volume} is an overlay on another image: only a standalone image can be a template`);
  const path = await conn.storageVolGetPath(ref);
  const id = newItemId();
  const format = p.kind === 'iso' ? 'iso' : info.format || 'raw';
  await deps.store.addItem({ id, name: p.name, kind: p.kind, osId: p.osId, description: p.description, minVcpus: p.minVcpus, minMemoryMiB: p.minMemoryMiB, minDiskGiB: p.minDiskGiB, bootable: p.kind === 'iso' && p.bootable, format, source: `volume:${p.pool}/${p.volume}`, createdAt: Date.now() });
  const copy: LibraryCopy = { hostId: p.hostId, pool: p.pool, volume: p.volume, path, bytes: null, sha256: null, state: 'verifying', percent: null, error: null, shared: false, reach: [], createdAt: Date.now() };
  await deps.store.putCopy(id, copy);
  try {
    const ref2 = await deps.jobs.start({ kind: 'library.register', title: { key: 'job.library.adopt', args: { name: p.name, volume: p.volume } }, target: template(id), hostId: p.hostId, cancellable: true }, async (ctx) => {
      try {
        ctx.progress(null, { key: 'job.library.verifying' });
        return { itemId: id, sha256: await verifyCopy(deps, id, copy, null, ctx.signal) };
      } catch (err) {
        await deps.store.removeItem(id);
        throw err;
      }
    });
    return { ...ref2, itemId: id };
  } catch (err) {
    await deps.store.removeItem(id);
    throw err;
  }
}
