import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { DeleteVmParams, Vm } from '../contract/vms';
import type { DomainSummary } from '../xml/domain-read';
import { parseDomainXml } from '../xml/domain-read';
import { readVolumeXml } from '../xml/volume';
import { readSnapshotXml } from '../xml/snapshot';
import type { JobHandler, JobSpec } from '../jobs/job-runner';
import { DomainState, DomainXmlFlag, isNotFound, UndefineFlag, type DomainRef, type LibvirtConnection, type StorageVolRef } from '../libvirt';

type Params = z.output<typeof DeleteVmParams>;

/** The backing file of a volume, if any (a volume whose XML cannot be had has none that counts). */
const backingPath = (xml: string): string | null => {
  try {
    return xml ? (readVolumeXml(xml).backing?.path ?? null) : null;
  } catch {
    return null;
  }
};

/** Every overlay file the VM's external snapshots made (libvirt records each in the snapshot's XML). */
async function snapshotOverlays(conn: LibvirtConnection, dom: DomainRef): Promise<Set<string>> {
  const out = new Set<string>();
  for (const snap of await conn.snapshotListAll(dom, 0)) {
    const info = readSnapshotXml(await conn.snapshotGetXmlDesc(snap, 0));
    for (const d of info.disks) if (d.snapshot === 'external' && d.file) out.add(d.file);
  }
  return out;
}

/**
 * Decides, before anything changes, which volumes may go: a disk another domain uses, or the
 * backing file of another volume, is refused with the reason.
 */
export async function planDelete(
  p: Params,
  vm: Vm,
  conn: LibvirtConnection,
  others: DomainSummary[],
): Promise<{ volumes: { target: string; path: string; vol: StorageVolRef }[] }> {
  if ((vm.state === 'running' || vm.state === 'paused' || vm.state === 'starting') && !p.force) {
    throw new HangarError('CONFLICT', `${vm.name} is running: confirm that it should be forced off and deleted`);
  }
  const dom = await conn.domainLookupByUuid(vm.uuid);
  const me = parseDomainXml(await conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE));
  // External snapshots left overlays on top of the disk: they go with it, down to the disk the VM had
  // before its first snapshot (a template's base image below that is someone else's).
  const overlays = await snapshotOverlays(conn, dom);
  const volumes: { target: string; path: string; vol: StorageVolRef }[] = [];
  for (const target of p.deleteDisks) {
    const disk = me.disks.find((d) => d.target === target);
    if (!disk?.source) throw new HangarError('NOT_FOUND', `${vm.name} has no disk ${target}`);
    const user = others.find((o) => o.uuid !== vm.uuid && o.disks.some((d) => d.source === disk.source));
    if (user) throw new HangarError('CONFLICT', `The disk ${target} (${disk.source}) is also used by ${user.name}: it is kept`, { target, usedBy: user.name });
    const lookup = async (file: string) => {
      try {
        return await conn.storageVolLookupByPath(file);
      } catch (err) {
        if (isNotFound(err)) throw new HangarError('NOT_FOUND', `${file} is not a volume of any storage pool on this host, so Hangar will not delete it`);
        throw err;
      }
    };
    const chain: { path: string; vol: StorageVolRef }[] = [];
    for (let file: string | null = disk.source; file && !chain.some((c) => c.path === file); ) {
      const vol = await lookup(file);
      chain.push({ path: file, vol });
      if (!overlays.has(file)) break;
      file = backingPath(await conn.storageVolGetXmlDesc(vol).catch(() => ''));
    }
    const mine = new Set(chain.map((c) => c.path));
    for (const pool of new Set(chain.map((c) => c.vol.pool))) {
      const siblings = await conn.listAllVolumes(await conn.storagePoolLookupByName(pool));
      const xmls = await Promise.all(siblings.map((s) => conn.storageVolGetXmlDesc(s).catch(() => '')));
      const inChain = (s: StorageVolRef) => chain.some((c) => c.vol.name === s.name && c.vol.pool === s.pool);
      const child = siblings.find((s, i) => !inChain(s) && mine.has(backingPath(xmls[i]!) ?? ''));
      if (child) throw new HangarError('CONFLICT', `The disk ${target} is the backing file of ${child.name}: it is kept`, { target, backingOf: child.name });
    }
    for (const c of chain) volumes.push({ target, ...c });
  }
  return { volumes };
}

export function deleteVmJob(vm: Vm, volumes: { target: string; vol: StorageVolRef }[], conn: () => LibvirtConnection): { spec: JobSpec; handler: JobHandler } {
  const spec: JobSpec = { kind: 'vm.delete', title: { key: 'job.vm.delete', args: { name: vm.name } }, target: { kind: 'vm', id: vm.id }, hostId: vm.hostId, cancellable: false };
  const handler: JobHandler = async (ctx) => {
    const c = conn();
    const dom = await c.domainLookupByUuid(vm.uuid);
    const st = await c.domainGetState(dom);
    if (st.state !== DomainState.SHUTOFF) {
      ctx.progress(0.1, { key: 'job.vm.delete.forceOff' });
      await c.domainDestroy(dom, 0);
    }
    ctx.progress(0.4, { key: 'job.vm.delete.undefine' });
    await c.domainUndefine(dom, UndefineFlag.MANAGED_SAVE | UndefineFlag.SNAPSHOTS_METADATA | UndefineFlag.NVRAM);
    ctx.progress(0.7, { key: 'job.vm.delete.disks' });
    const failed: string[] = [];
    for (const v of volumes) await c.storageVolDelete(v.vol, 0).catch((e: unknown) => failed.push(`${v.target}: ${HangarError.from(e).message}`));
    if (failed.length) throw new HangarError('LIBVIRT_ERROR', `${vm.name} was deleted, but some disks were not: ${failed.join('; ')}`);
    return { deletedDisks: [...new Set(volumes.map((v) => v.target))] };
  };
  return { spec, handler };
}
