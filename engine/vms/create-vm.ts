import crypto from 'node:crypto';
import os from 'node:os';
import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { Host } from '../contract/hosts';
import type { CreateVmParams } from '../contract/vms';
import type { JobHandler, JobSpec } from '../jobs/job-runner';
import { isNotFound, type LibvirtConnection, type StorageVolRef } from '../libvirt';
import { buildDomainXml, xmlEscape } from './build-domain-xml';
import { nocloudSeed } from './cloud-init/nocloud';
import { chooseNic } from './nic-choice';

type Params = z.output<typeof CreateVmParams>;

const GiB = 1024 ** 3;

/** The connected host with the most free memory under its capacity, among those with every tag. */
export function pickHost(hosts: Host[], tags: string[], usedMemoryKiB: (hostId: string) => number): Host {
  const candidates = hosts.filter((h) => h.state === 'connected' && h.facts && tags.every((t) => h.tags.includes(t)));
  if (candidates.length === 0) {
    throw new HangarError('CONFLICT', tags.length ? `No connected host has the tags ${tags.join(', ')}` : 'No host is connected');
  }
  const free = (h: Host) => h.facts!.memoryKiB - usedMemoryKiB(h.id);
  return candidates.reduce((best, h) => (free(h) > free(best) ? h : best));
}

/** Checks that need no host round trip beyond a name lookup: a refusal changes nothing. */
export async function validateCreate(p: Params, host: Host, conn: LibvirtConnection): Promise<void> {
  if (p.accel === 'kvm' && host.facts && !host.facts.kvm) throw new HangarError('INVALID_PARAMS', `${host.name} does not offer KVM`, { field: 'accel' });
  const hostMiB = Math.floor((host.facts?.memoryKiB ?? 0) / 1024);
  if (host.facts && p.memoryMiB > hostMiB) {
    throw new HangarError('INVALID_PARAMS', `${p.memoryMiB} MiB is more memory than ${host.name} has (${hostMiB} MiB)`, { field: 'memoryMiB' });
  }
  try {
    await conn.domainLookupByName(p.name);
    throw new HangarError('CONFLICT', `${host.name} already has a VM named ${p.name}`, { field: 'name' });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

async function volumeByRef(conn: LibvirtConnection, ref: { pool: string; volume: string }): Promise<StorageVolRef> {
  try {
    return await conn.storageVolLookupByName(await conn.storagePoolLookupByName(ref.pool), ref.volume);
  } catch (err) {
    if (isNotFound(err)) throw new HangarError('NOT_FOUND', `No volume ${ref.volume} in pool ${ref.pool}`);
    throw err;
  }
}

function volumeXml(name: string, capacityBytes: number, backing?: { path: string; format: string }): string {
  return `<volume><name>${xmlEscape(name)}</name><capacity unit='bytes'>${Math.ceil(capacityBytes)}</capacity>
  <target><format type='qcow2'/></target>${backing ? `<backingStore><path>${xmlEscape(backing.path)}</path><format type='${xmlEscape(backing.format)}'/></backingStore>` : ''}</volume>`;
}

/**
 * Creates a VM as one job: the disk (new, overlay, copy or imported), the domain definition, and
 * a start if asked. What it made is undone if a later step fails; what cannot be undone (the host
 * went away) is named in the error so nothing is left unexplained.
 */
export function createVmJob(p: Params, host: Host, conn: () => LibvirtConnection): { spec: JobSpec; handler: JobHandler } {
  const spec: JobSpec = { kind: 'vm.create', title: { key: 'job.vm.create', args: { name: p.name, host: host.name } }, target: { hostId: host.id }, cancellable: true };
  const handler: JobHandler = async (ctx) => {
    const made: Made = {};
    const c = conn();
    const steps = p.start ? 4 : 3;
    try {
      ctx.progress(0, { key: 'job.vm.create.prepare' });
      let disk: { path: string; format: string } | null = null;
      let cdrom: string | null = null;
      const src = p.source;
      if (src.kind === 'import') {
        const vol = await volumeByRef(c, src.disk);
        disk = { path: await c.storageVolGetPath(vol), format: src.disk.volume.endsWith('.qcow2') ? 'qcow2' : 'raw' };
      } else {
        const pool = await c.storagePoolLookupByName(p.diskPool).catch((err: unknown) => {
          throw isNotFound(err) ? new HangarError('NOT_FOUND', `No storage pool ${p.diskPool} on ${host.name}`) : err;
        });
        const volName = `${p.name}-disk0.qcow2`;
        const base = src.kind === 'clone' ? await volumeByRef(c, src.base) : null;
        const baseInfo = base ? await c.storageVolGetInfo(base) : null;
        const capacity = Math.max(baseInfo?.capacity ?? 0, p.diskSizeGiB * GiB);
        const backing = base && src.kind === 'clone' && src.mode === 'overlay' ? { path: await c.storageVolGetPath(base), format: src.base.volume.endsWith('.qcow2') ? 'qcow2' : 'raw' } : undefined;
        // Asked for before the call: if the host goes away meanwhile, the volume's fate is unknown.
        made.askedVol = { name: volName, pool: p.diskPool };
        ctx.progress(0.05, { key: 'job.vm.create.disk' });
        made.vol =
          base && !backing
            ? await c.storageVolCreateXmlFrom(pool, volumeXml(volName, capacity), base, 0)
            : await c.storageVolCreateXml(pool, volumeXml(volName, capacity, backing), 0);
        made.volName = volName;
        disk = { path: await c.storageVolGetPath(made.vol), format: 'qcow2' };
        if (src.kind === 'iso') cdrom = await c.storageVolGetPath(await volumeByRef(c, src.iso));
      }
      if (ctx.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');

      let seedIso: string | null = null;
      if (p.cloudInit) {
        ctx.progress(0.5 / steps, { key: 'job.vm.create.cloudInit' });
        const seed = nocloudSeed(p.cloudInit, crypto.randomUUID(), p.name);
        const seedName = `${p.name}-seed.iso`;
        const pool = await c.storagePoolLookupByName(p.diskPool);
        made.askedSeed = { name: seedName, pool: p.diskPool };
        made.seed = await c.storageVolCreateXml(pool, `<volume><name>${xmlEscape(seedName)}</name><capacity unit='bytes'>${seed.length}</capacity><target><format type='raw'/></target></volume>`, 0);
        const up = await c.storageVolUpload(made.seed, 0, seed.length);
        await new Promise<void>((resolve, reject) => {
          up.once('error', reject);
          up.end(seed, () => resolve());
        });
        seedIso = await c.storageVolGetPath(made.seed);
      }

      ctx.progress(1 / steps, { key: 'job.vm.create.define' });
      const origin = src.kind === 'clone' ? `base:${src.base.pool}/${src.base.volume}` : src.kind === 'iso' ? `iso:${src.iso.pool}/${src.iso.volume}` : src.kind === 'import' ? `import:${src.disk.pool}/${src.disk.volume}` : 'blank';
      const nic = await chooseNic(c, host, p.network);
      const xml = buildDomainXml({
        name: p.name,
        uuid: crypto.randomUUID(),
        domainType: p.accel === 'tcg' || (p.accel === 'auto' && !host.facts?.kvm) ? 'qemu' : 'kvm',
        osProfile: p.osProfile,
        vcpus: p.vcpus,
        memoryMiB: p.memoryMiB,
        firmware: p.firmware,
        disk,
        cdrom,
        seedIso,
        network: nic?.kind === 'network' ? nic.name : null,
        userNetwork: nic?.kind === 'user',
        description: p.description,
        labels: p.labels,
        group: p.group,
        origin,
        createdBy: os.userInfo().username,
        createdAt: new Date().toISOString(),
      });
      const dom = await c.domainDefineXml(xml, 0);
      made.domain = p.name;

      if (p.start) {
        ctx.progress(2 / steps, { key: 'job.vm.create.start' });
        await c.domainCreate(dom, 0);
      }
      ctx.progress(1, { key: 'job.vm.create.done' });
      return { uuid: dom.uuid, name: p.name, hostId: host.id };
    } catch (err) {
      throw await rollback(err, made, conn);
    }
  };
  return { spec, handler };
}

interface Made {
  askedVol?: { name: string; pool: string };
  vol?: StorageVolRef;
  askedSeed?: { name: string; pool: string };
  seed?: StorageVolRef;
  volName?: string;
  domain?: string;
}

async function rollback(err: unknown, made: Made, conn: () => LibvirtConnection): Promise<HangarError> {
  const e = HangarError.from(err);
  const left: string[] = [];
  if (made.askedVol && !made.vol && e.code === 'UNREACHABLE') {
    left.push(`the volume ${made.askedVol.name} in pool ${made.askedVol.pool} may have been created before the host went away`);
  }
  try {
    const c = conn();
    if (made.domain) await c.domainUndefine(await c.domainLookupByName(made.domain), 0).catch(() => left.push(`the definition of ${made.domain}`));
    if (made.vol) await c.storageVolDelete(made.vol, 0).catch(() => left.push(`the volume ${made.volName} in pool ${made.vol?.pool}`));
    if (made.seed) await c.storageVolDelete(made.seed, 0).catch(() => left.push(`the cloud-init seed ${made.askedSeed?.name} in pool ${made.seed?.pool}`));
  } catch {
    if (made.domain) left.push(`the definition of ${made.domain}`);
    if (made.vol) left.push(`the volume ${made.volName} in pool ${made.vol.pool}`);
    if (made.seed) left.push(`the cloud-init seed ${made.askedSeed?.name} in pool ${made.seed.pool}`);
  }
  if (left.length === 0) return e;
  return new HangarError(e.code, `${e.message}. Could not clean up (remove by hand): ${left.join('; ')}`, { ...e.details, leftBehind: left });
}
