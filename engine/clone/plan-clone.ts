import { HangarError } from '../contract/errors';
import type { CloneMode } from '../contract/clone';
import type { Message } from '../contract/message';
import type { Vm } from '../contract/vms';
import { DomainState, DomainXmlFlag, isNotFound, type LibvirtConnection } from '../libvirt';
import { snapshotImages } from '../snapshots/frozen-image';
import { parseDomainXml } from '../xml/domain-read';
import { nvramPath } from '../xml/domain-clone';
import { readVolumeXml } from '../xml/volume';
import type { CopySource } from './disk-copy';
import { isSeedPath } from './identity';

/** A disk of the source as the clone takes it: what to copy (full) or to lay an overlay on (linked). */
export interface SourceDisk {
  target: string;
  /** The disk's file as the source's XML names it (replaced in the clone's XML). */
  path: string;
  /** The volume's pool on the source host. */
  pool: string;
  /** Virtual size in bytes: the new volume's capacity. */
  capacity: number;
  /** What the copy reads, or the overlay's backing file. */
  from: CopySource;
}

export interface ClonePlan {
  vm: Vm;
  /** The source's persistent XML, which the clone's is made from. */
  xml: string;
  running: boolean;
  disks: SourceDisk[];
  /** The source's cloud-init seed, replaced by a new one. */
  seedPath: string | null;
  nvram: string | null;
  /** An existing snapshot the clone is taken from, or the one taken for it (`take`). */
  snapshot: { name: string; take: boolean } | null;
}

/** A refusal with its message key, so the dialog says it in the person's language. */
export function refuse(code: 'CONFLICT' | 'INVALID_PARAMS' | 'NOT_FOUND' | 'UNSUPPORTED', key: string, args: Record<string, string | number>, english: string, field?: string): HangarError {
  return new HangarError(code, english, { ...(field ? { field } : {}), message: { key, args } satisfies Message });
}

const STOPPED = new Set<number>([DomainState.SHUTOFF, DomainState.CRASHED]);

/**
 * Decides, before anything changes, what the clone reads and whether it may: a running source is
 * refused for a full clone unless a new snapshot is taken; a linked clone goes only on a file no
 * VM writes to (an external snapshot's frozen image); a disk outside a storage pool is refused.
 */
export async function planClone(
  vm: Vm,
  conn: LibvirtConnection,
  opts: { mode: CloneMode; snapshot?: string | undefined; newSnapshot: boolean; name: string },
): Promise<ClonePlan> {
  const dom = await conn.domainLookupByUuid(vm.uuid);
  const running = !STOPPED.has((await conn.domainGetState(dom)).state);
  const xml = await conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE | DomainXmlFlag.SECURE);
  const parsed = parseDomainXml(xml);

  if (opts.snapshot && opts.newSnapshot) throw refuse('INVALID_PARAMS', 'clone.err.snapshotAndNew', {}, 'Choose an existing snapshot or a new one, not both');
  if (opts.mode === 'full' && running && !opts.snapshot && !opts.newSnapshot) {
    throw refuse('CONFLICT', 'clone.err.running', { name: vm.name }, `${vm.name} is running: a full clone copies a stopped VM's disks. Stop it, or choose "Clone from a new snapshot"`);
  }
  if (opts.mode === 'linked' && opts.newSnapshot) {
    throw refuse('INVALID_PARAMS', 'clone.err.linkedNew', {}, 'A linked clone goes on an existing external snapshot or a template; a new snapshot is for a full clone');
  }

  const snap = opts.snapshot ? await snapshotImages(conn, dom, vm.name, opts.snapshot) : null;

  const disks: SourceDisk[] = [];
  for (const d of parsed.disks.filter((x) => x.device === 'disk')) {
    if (!d.source) continue;
    let vol;
    try {
      vol = await conn.storageVolLookupByPath(d.source);
    } catch (err) {
      if (isNotFound(err)) throw refuse('UNSUPPORTED', 'clone.err.notInPool', { disk: d.target, path: d.source }, `The disk ${d.target} (${d.source}) is not a volume of any storage pool: Hangar clones pool volumes only`);
      throw err;
    }
    const info = await conn.storageVolGetInfo(vol);
    const format = d.format ?? readVolumeXml(await conn.storageVolGetXmlDesc(vol)).format;
    let from: CopySource = { path: d.source, format, shared: running };
    if (snap) {
      const frozen = await snap.frozen({ target: d.target, source: d.source, format });
      if (frozen?.kind === 'internal' && opts.mode === 'linked') {
        throw refuse('CONFLICT', 'clone.err.linkedInternal', { disk: d.target, snapshot: snap.name }, `The snapshot ${snap.name} keeps ${d.target} inside the disk its VM writes to: a linked clone needs an external snapshot or a template. A full clone copies it.`);
      }
      if (frozen) from = { path: frozen.path, format: frozen.format, snapshot: frozen.snapshot, shared: true };
      else if (opts.mode === 'linked') {
        throw refuse('CONFLICT', 'clone.err.linkedLive', { name: vm.name, disk: d.target }, `The snapshot ${snap.name} does not cover ${d.target}: a linked clone would sit on a disk ${vm.name} writes to`);
      }
    } else if (opts.mode === 'linked') {
      // The disk the VM writes to now (or when it next starts): an overlay on it would be corrupted by the next write.
      throw running
        ? refuse('CONFLICT', 'clone.err.linkedLive', { name: vm.name, disk: d.target }, `${vm.name} is running and writes to ${d.target}: a linked clone goes only on a snapshot or a template, never on a disk a running VM writes to`)
        : refuse('CONFLICT', 'clone.err.linkedStopped', { name: vm.name, disk: d.target }, `${d.target} is the disk ${vm.name} writes to when it starts: a linked clone goes only on a snapshot or a template`);
    }
    disks.push({ target: d.target, path: d.source, pool: vol.pool, capacity: info.capacity, from });
  }
  if (disks.length === 0 && opts.mode === 'linked') throw refuse('CONFLICT', 'clone.err.noDisks', { name: vm.name }, `${vm.name} has no disk to lay a linked clone on`);
  const seed = parsed.disks.find((d) => d.device === 'cdrom' && d.source && isSeedPath(d.source));
  return {
    vm,
    xml,
    running,
    disks,
    seedPath: seed?.source ?? null,
    nvram: nvramPath(xml),
    snapshot: opts.snapshot ? { name: opts.snapshot, take: false } : opts.newSnapshot ? { name: `clone-${opts.name}`.slice(0, 64), take: true } : null,
  };
}
