import crypto from 'node:crypto';
import os from 'node:os';
import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import { kvmUsable, type Host } from '../contract/hosts';
import type { CreateVmParams } from '../contract/vms';
import type { ArtifactHandle, JobHandler, JobSpec } from '../jobs/job-runner';
import { isNotFound, type LibvirtConnection, type StorageVolRef } from '../libvirt';
import { buildDomainXml } from '../xml/domain-build';
import { buildVolumeXml } from '../xml/volume';
import { nocloudSeed } from './cloud-init/nocloud';
import { describeStartFailure, startFailureError } from './start-failure';
import { chooseNic } from './nic-choice';
import { osEntry, profileOf } from '../library/os-catalogue';

type Params = z.output<typeof CreateVmParams>;

const GiB = 1024 ** 3;

/** A refusal a person can read in their language: the English message, and the Message behind it. */
function refuse(code: 'INVALID_PARAMS' | 'CONFLICT' | 'NOT_FOUND', field: string | null, key: string, args: Record<string, string | number>, english: string): HangarError {
  return new HangarError(code, english, { ...(field ? { field } : {}), message: { key, args } });
}

/** The volume a VM's source needs on its host, if any: placement goes only where it exists. */
export function requiredVolume(p: Params): { pool: string; volume: string } | null {
  const s = p.source;
  return s.kind === 'iso' ? s.iso : s.kind === 'import' ? s.disk : s.kind === 'clone' ? s.base : null;
}

/** Whether the new VM runs under KVM: asked for, or what the probe found working on its host. */
export function domainTypeFor(p: Params, host: Host): 'kvm' | 'qemu' {
  if (p.accel === 'tcg') return 'qemu';
  if (p.accel === 'kvm') return 'kvm';
  return host.facts && kvmUsable(host.facts) ? 'kvm' : 'qemu';
}

async function exists(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * What a host can never give, whatever runs on it: KVM it lacks, more memory or vCPUs than it has.
 * Checked before placement when the person chose the host, so the answer names the field at fault
 * rather than the host's free capacity.
 */
export function checkHostLimits(p: Params, host: Host): void {
  if (p.accel === 'kvm' && host.facts && !host.facts.kvm) throw refuse('INVALID_PARAMS', 'accel', 'vm.err.noKvm', { host: host.name }, `${host.name} does not offer KVM`);
  const hostMiB = Math.floor((host.facts?.memoryKiB ?? 0) / 1024);
  if (host.facts && p.memoryMiB > hostMiB) {
    throw refuse('INVALID_PARAMS', 'memoryMiB', 'vm.err.memory', { memory: p.memoryMiB, host: host.name, hostMemory: hostMiB }, `${p.memoryMiB} MiB is more memory than ${host.name} has (${hostMiB} MiB)`);
  }
  if (host.facts && p.vcpus > host.facts.cpus) {
    throw refuse('INVALID_PARAMS', 'vcpus', 'vm.err.vcpus', { vcpus: p.vcpus, host: host.name, cpus: host.facts.cpus }, `${p.vcpus} vCPUs are more than ${host.name} has (${host.facts.cpus})`);
  }
}

/**
 * Everything that can be checked before a job starts, so a refusal changes nothing: limits, the
 * name on the host, and leftovers of an earlier attempt in the disk pool. (Whether the host has
 * the source volume and the disk pool is placement's filter.)
 */
export async function validateCreate(p: Params, host: Host, conn: LibvirtConnection): Promise<void> {
  checkHostLimits(p, host);
  if (await exists(() => conn.domainLookupByName(p.name))) {
    throw refuse('CONFLICT', 'name', 'vm.err.nameTaken', { host: host.name, name: p.name }, `${host.name} already has a VM named ${p.name}`);
  }
  if (p.source.kind === 'import') return;
  const pool = await conn.storagePoolLookupByName(p.diskPool);
  for (const vol of [diskVolumeName(p.name), ...(p.cloudInit ? [seedVolumeName(p.name)] : [])]) {
    if (await exists(() => conn.storageVolLookupByName(pool, vol))) {
      throw refuse('CONFLICT', 'name', 'vm.err.volumeExists', { volume: vol, pool: p.diskPool, host: host.name }, `A volume ${vol} exists already in pool ${p.diskPool} on ${host.name} (left by an earlier attempt?): delete it or choose another name`);
    }
  }
}

const diskVolumeName = (name: string) => `${name}-disk0.qcow2`;
const seedVolumeName = (name: string) => `${name}-seed.iso`;

async function volumeByRef(conn: LibvirtConnection, ref: { pool: string; volume: string }): Promise<StorageVolRef> {
  try {
    return await conn.storageVolLookupByName(await conn.storagePoolLookupByName(ref.pool), ref.volume);
  } catch (err) {
    if (isNotFound(err)) throw new HangarError('NOT_FOUND', `No volume ${ref.volume} in pool ${ref.pool}`);
    throw err;
  }
}

const volumeXml = (name: string, capacityBytes: number, backing?: { path: string; format: string }): string =>
  buildVolumeXml({ name, capacityBytes, format: 'qcow2', backing: backing ?? null });

/**
 * Creates a VM as one job: the disk (new, overlay, copy or imported), the domain definition, and
 * a start if asked. What it made is undone if a later step fails; what cannot be undone (the host
 * went away) is named in the error so nothing is left unexplained.
 */
export function createVmJob(p: Params, host: Host, conn: () => LibvirtConnection, originOverride?: string): { spec: JobSpec; handler: JobHandler } {
  const spec: JobSpec = { kind: 'vm.create', title: { key: 'job.vm.create', args: { name: p.name, host: host.name } }, hostId: host.id, cancellable: true };
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
        const volName = diskVolumeName(p.name);
        const base = src.kind === 'clone' ? await volumeByRef(c, src.base) : null;
        const baseInfo = base ? await c.storageVolGetInfo(base) : null;
        const capacity = Math.max(baseInfo?.capacity ?? 0, p.diskSizeGiB * GiB);
        const backing = base && src.kind === 'clone' && src.mode === 'overlay' ? { path: await c.storageVolGetPath(base), format: src.base.volume.endsWith('.qcow2') ? 'qcow2' : 'raw' } : undefined;
        // Asked for before the call: if the host goes away meanwhile, the volume's fate is unknown.
        made.askedVol = { name: volName, pool: p.diskPool };
        made.volJ = await ctx.journal.artifact({ kind: 'volume', hostId: host.id, pool: p.diskPool, name: volName });
        ctx.progress(0.05, { key: 'job.vm.create.disk' });
        made.vol =
          base && !backing
            ? await c.storageVolCreateXmlFrom(pool, volumeXml(volName, capacity), base, 0)
            : await c.storageVolCreateXml(pool, volumeXml(volName, capacity, backing), 0);
        made.volName = volName;
        await made.volJ.created();
        disk = { path: await c.storageVolGetPath(made.vol), format: 'qcow2' };
        if (src.kind === 'iso') cdrom = await c.storageVolGetPath(await volumeByRef(c, src.iso));
      }
      if (ctx.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');

      let seedIso: string | null = null;
      if (p.cloudInit) {
        ctx.progress(0.5 / steps, { key: 'job.vm.create.cloudInit' });
        const seed = nocloudSeed(p.cloudInit, crypto.randomUUID(), p.name);
        const seedName = seedVolumeName(p.name);
        const pool = await c.storagePoolLookupByName(p.diskPool);
        made.askedSeed = { name: seedName, pool: p.diskPool };
        made.seedJ = await ctx.journal.artifact({ kind: 'volume', hostId: host.id, pool: p.diskPool, name: seedName });
        made.seed = await c.storageVolCreateXml(pool, buildVolumeXml({ name: seedName, capacityBytes: seed.length, format: 'raw', backing: null }), 0);
        const up = await c.storageVolUpload(made.seed, 0, seed.length);
        await new Promise<void>((resolve, reject) => {
          up.once('error', reject);
          up.end(seed, () => resolve());
        });
        await made.seedJ.created();
        seedIso = await c.storageVolGetPath(made.seed);
      }

      ctx.progress(1 / steps, { key: 'job.vm.create.define' });
      const origin = originOverride ?? (src.kind === 'clone' ? `base:${src.base.pool}/${src.base.volume}` : src.kind === 'iso' ? `iso:${src.iso.pool}/${src.iso.volume}` : src.kind === 'import' ? `import:${src.disk.pool}/${src.disk.volume}` : 'blank');
      const osType = p.osId ? osEntry(p.osId) : null;
      const uuid = crypto.randomUUID();
      const domainType = domainTypeFor(p, host);
      const nic = await chooseNic(c, host, p.network);
      const xml = buildDomainXml({
        name: p.name,
        uuid,
        domainType,
        osProfile: osType ? profileOf(osType) : p.osProfile,
        os: osType ? { libosinfo: osType.libosinfo, diskBus: osType.diskBus, nicModel: osType.nicModel, cdBus: osType.cdBus } : undefined,
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
      made.domJ = await ctx.journal.artifact({ kind: 'domain', hostId: host.id, name: p.name, uuid });
      const dom = await c.domainDefineXml(xml, 0);
      made.domain = p.name;
      await made.domJ.created();

      if (p.start) {
        ctx.progress(2 / steps, { key: 'job.vm.create.start' });
        await c.domainCreate(dom, 0).catch((err: unknown) => {
          const accel = domainType === 'kvm' ? 'kvm' : 'tcg';
          throw startFailureError(err, p.name, describeStartFailure(err, accel, host.facts ? kvmUsable(host.facts) : null));
        });
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
  /** Journal entries (DESIGN §2): what a crash in the middle would leave, for the user to clean up. */
  volJ?: ArtifactHandle;
  seedJ?: ArtifactHandle;
  domJ?: ArtifactHandle;
}

async function rollback(err: unknown, made: Made, conn: () => LibvirtConnection): Promise<HangarError> {
  const e = HangarError.from(err);
  const left: string[] = [];
  if (made.askedVol && !made.vol && e.code === 'UNREACHABLE') {
    left.push(`the volume ${made.askedVol.name} in pool ${made.askedVol.pool} may have been created before the host went away`);
  }
  try {
    const c = conn();
    if (made.domain) await c.domainUndefine(await c.domainLookupByName(made.domain), 0).then(() => made.domJ?.removed(), () => left.push(`the definition of ${made.domain}`));
    if (made.vol) await c.storageVolDelete(made.vol, 0).then(() => made.volJ?.removed(), () => left.push(`the volume ${made.volName} in pool ${made.vol?.pool}`));
    if (made.seed) await c.storageVolDelete(made.seed, 0).then(() => made.seedJ?.removed(), () => left.push(`the cloud-init seed ${made.askedSeed?.name} in pool ${made.seed?.pool}`));
  } catch {
    if (made.domain) left.push(`the definition of ${made.domain}`);
    if (made.vol) left.push(`the volume ${made.volName} in pool ${made.vol.pool}`);
    if (made.seed) left.push(`the cloud-init seed ${made.askedSeed?.name} in pool ${made.seed.pool}`);
  }
  if (left.length === 0) return e;
  return new HangarError(e.code, `${e.message}. Could not clean up (remove by hand): ${left.join('; ')}`, { ...e.details, leftBehind: left });
}
