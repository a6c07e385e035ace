import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { DeleteVmParams, Vm } from '../contract/vms';
import type { DomainSummary } from '../xml/domain-read';
import { parseDomainXml } from '../xml/domain-read';
import { readVolumeXml } from '../xml/volume';
import type { JobHandler, JobSpec } from '../jobs/job-runner';
import { DomainState, DomainXmlFlag, isNotFound, UndefineFlag, type LibvirtConnection, type StorageVolRef } from '../libvirt';

type Params = z.output<typeof DeleteVmParams>;

/** The backing file of a volume, if any (a volume whose XML cannot be had has none that counts). */
const backingPath = (xml: string): string | null => {
  try {
    return xml ? (readVolumeXml(xml).backing?.path ?? null) : null;
  } catch {
    return null;
  }
};

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
  const volumes: { target: string; path: string; vol: StorageVolRef }[] = [];
  for (const target of p.deleteDisks) {
    const disk = me.disks.find((d) => d.target === target);
    if (!disk?.source) throw new HangarError('NOT_FOUND', `${vm.name} has no disk ${target}`);
    const user = others.find((o) => o.uuid !== vm.uuid && o.disks.some((d) => d.source === disk.source));
    if (user) throw new HangarError('CONFLICT', `The disk ${target} (${disk.source}) is also used by ${user.name}: it is kept`, { target, usedBy: user.name });
    let vol: StorageVolRef;
    try {
      vol = await conn.storageVolLookupByPath(disk.source);
    } catch (err) {
      if (isNotFound(err)) throw new HangarError('NOT_FOUND', `${disk.source} is not a volume of any storage pool on this host, so Hangar will not delete it`);
      throw err;
    }
    const siblings = await conn.listAllVolumes(await conn.storagePoolLookupByName(vol.pool));
    const xmls = await Promise.all(siblings.map((s) => conn.storageVolGetXmlDesc(s).catch(() => '')));
    const child = siblings.find((s, i) => backingPath(xmls[i]!) === disk.source);
    if (child) throw new HangarError('CONFLICT', `The disk ${target} is the backing file of ${child.name}: it is kept`, { target, backingOf: child.name });
    volumes.push({ target, path: disk.source, vol });
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
    return { deletedDisks: volumes.map((v) => v.target) };
  };
  return { spec, handler };
}
