import crypto from 'node:crypto';
import os from 'node:os';
import { HangarError } from '../contract/errors';
import type { CloneResult } from '../contract/clone';
import type { Host } from '../contract/hosts';
import type { ArtifactHandle, JobContext, JobHandler, JobSpec } from '../jobs/job-runner';
import { UndefineFlag, type LibvirtConnection, type StorageVolRef } from '../libvirt';
import type { SshConnection } from '../ssh';
import { shellQuote } from '../ssh/shell-quote';
import { nocloudSeed, type CloudInit } from '../vms/cloud-init/nocloud';
import { cloneDomainXml, interfaceCount } from '../xml/domain-clone';
import { buildVolumeXml } from '../xml/volume';
import { copyDisk } from './disk-copy';
import { cloneDiskName, cloneNvramPath, cloneSeedName, newMac } from './identity';
import type { ClonePlan } from './plan-clone';

export interface CloneJobInput {
  plan: ClonePlan;
  name: string;
  mode: 'full' | 'linked';
  source: Host;
  target: Host;
  /** The pool the clone's volumes go to on the target host. */
  pool: string;
  cloudInit: CloudInit | undefined;
  start: boolean;
}

export interface CloneJobDeps {
  libvirt(hostId: string): LibvirtConnection;
  ssh(hostId: string): SshConnection | null;
  /** Takes the external disk-only snapshot a running source is cloned from (the snapshots service's job, as a child). */
  takeSnapshot(ctx: JobContext): Promise<void>;
}

interface Made {
  volumes: { vol: StorageVolRef; handle: ArtifactHandle; name: string }[];
  asked: { name: string; handle: ArtifactHandle }[];
  nvram: string | null;
  domain: { uuid: string; handle: ArtifactHandle } | null;
}

const cancelled = () => new HangarError('CANCELLED', 'Cancelled');

async function upload(c: LibvirtConnection, vol: StorageVolRef, data: Buffer): Promise<void> {
  const up = await c.storageVolUpload(vol, 0, data.length);
  await new Promise<void>((resolve, reject) => {
    up.once('error', reject);
    up.end(data, () => resolve());
  });
}

/**
 * Copies the NVRAM file (UEFI variables) beside the source's on the target host: through one
 * host's shell when both are the same, else read on one and written on the other (it is small).
 */
async function copyNvram(deps: CloneJobDeps, input: CloneJobInput, from: string, to: string, signal: AbortSignal): Promise<void> {
  const src = deps.ssh(input.source.id);
  const dst = deps.ssh(input.target.id);
  if (!src || !dst) throw new HangarError('UNSUPPORTED', `The NVRAM of ${input.plan.vm.name} can be copied only over SSH`);
  if (input.source.id === input.target.id) {
    const r = await src.exec(shellQuote(['cp', '--', from, to]), { signal });
    if (r.exitCode !== 0) throw new HangarError('LIBVIRT_ERROR', `Copying the NVRAM failed: ${r.stderr.trim()}`);
    return;
  }
  const read = await src.exec(shellQuote(['base64', '--', from]), { signal });
  if (read.exitCode !== 0) throw new HangarError('LIBVIRT_ERROR', `Reading the NVRAM failed: ${read.stderr.trim()}`);
  const write = await dst.exec(`base64 -d > ${shellQuote([to])}`, { signal, stdin: read.stdout });
  if (write.exitCode !== 0) throw new HangarError('LIBVIRT_ERROR', `Writing the NVRAM failed: ${write.stderr.trim()}`);
}

/**
 * The clone as one job on its source's lock: a new snapshot when asked, the new volumes (each
 * journalled before it is asked for), the copies with progress (cancellable: the copy on the
 * host is killed), a new seed and NVRAM, the definition. A failure or a cancel undoes what was
 * made; what cannot be undone stays in the journal, named, for Tasks to clean up.
 */
export function cloneVmJob(input: CloneJobInput, deps: CloneJobDeps): { spec: JobSpec; handler: JobHandler } {
  const { plan, name, target } = input;
  const spec: JobSpec = {
    kind: 'vm.clone',
    title: { key: input.mode === 'full' ? 'job.vm.clone.full' : 'job.vm.clone.linked', args: { name: plan.vm.name, clone: name, host: target.name } },
    target: { kind: 'vm', id: plan.vm.id },
    hostId: target.id,
    cancellable: true,
  };
  const handler: JobHandler = async (ctx): Promise<CloneResult> => {
    const made: Made = { volumes: [], asked: [], nvram: null, domain: null };
    const c = deps.libvirt(target.id);
    try {
      if (plan.snapshot?.take) {
        ctx.progress(0, { key: 'job.vm.clone.snapshot', args: { snapshot: plan.snapshot.name } });
        await deps.takeSnapshot(ctx);
      }
      const pool = await c.storagePoolLookupByName(input.pool);
      const total = plan.disks.reduce((s, d) => s + d.capacity, 0) || 1;
      let done = 0;
      const sources = new Map<string, { path: string; format: string }>();
      const newPaths: string[] = [];
      for (const [i, d] of plan.disks.entries()) {
        if (ctx.signal.aborted) throw cancelled();
        const volName = cloneDiskName(name, i);
        const linked = input.mode === 'linked';
        const handle = await ctx.journal.artifact({ kind: 'volume', hostId: target.id, pool: input.pool, name: volName });
        made.asked.push({ name: volName, handle });
        const xml = buildVolumeXml({ name: volName, capacityBytes: d.capacity, format: 'qcow2', backing: linked ? { path: d.from.path, format: d.from.format } : null });
        const ssh = deps.ssh(target.id);
        let vol: StorageVolRef;
        if (!linked && !ssh) {
          // No shell on this host (the machine's own libvirt): libvirt's own copy flattens too, without progress.
          if (d.from.snapshot) throw new HangarError('UNSUPPORTED', `Copying the internal snapshot of ${d.target} needs SSH to ${target.name}`);
          ctx.progress(done / total, { key: 'job.vm.clone.copy', args: { disk: d.target } });
          vol = await c.storageVolCreateXmlFrom(pool, xml, await c.storageVolLookupByPath(d.from.path), 0);
        } else vol = await c.storageVolCreateXml(pool, xml, 0);
        made.volumes.push({ vol, handle, name: volName });
        await handle.created();
        const path = await c.storageVolGetPath(vol);
        if (!linked && ssh) {
          ctx.progress(done / total, { key: 'job.vm.clone.copy', args: { disk: d.target } });
          await copyDisk(ssh, d.from, path, { signal: ctx.signal, onProgress: (f) => ctx.progress(Math.min(0.95, ((done + f * d.capacity) / total) * 0.95), { key: 'job.vm.clone.copy', args: { disk: d.target } }) });
        }
        done += d.capacity;
        sources.set(d.path, { path, format: 'qcow2' });
        newPaths.push(path);
      }
      if (ctx.signal.aborted) throw cancelled();

      const uuid = crypto.randomUUID();
      if (plan.seedPath || input.cloudInit) {
        ctx.progress(0.95, { key: 'job.vm.clone.seed' });
        const seed = nocloudSeed(input.cloudInit ?? {}, crypto.randomUUID(), name);
        const seedName = cloneSeedName(name);
        const handle = await ctx.journal.artifact({ kind: 'volume', hostId: target.id, pool: input.pool, name: seedName });
        made.asked.push({ name: seedName, handle });
        const vol = await c.storageVolCreateXml(pool, buildVolumeXml({ name: seedName, capacityBytes: seed.length, format: 'raw', backing: null }), 0);
        made.volumes.push({ vol, handle, name: seedName });
        await upload(c, vol, seed);
        await handle.created();
        const path = await c.storageVolGetPath(vol);
        if (plan.seedPath) sources.set(plan.seedPath, { path, format: 'raw' });
        newPaths.push(path);
      }

      let nvram: string | null = null;
      if (plan.nvram) {
        nvram = cloneNvramPath(plan.nvram, name);
        made.nvram = nvram;
        await copyNvram(deps, input, plan.nvram, nvram, ctx.signal);
      }

      ctx.progress(0.97, { key: 'job.vm.clone.define' });
      const macs = Array.from({ length: interfaceCount(plan.xml) }, newMac);
      const xml = cloneDomainXml(plan.xml, {
        name,
        uuid,
        macs,
        sources,
        nvram,
        origin: plan.snapshot ? `clone:${plan.vm.name}@${plan.snapshot.name}` : `clone:${plan.vm.name}`,
        createdBy: os.userInfo().username,
        createdAt: new Date().toISOString(),
      });
      const domHandle = await ctx.journal.artifact({ kind: 'domain', hostId: target.id, name, uuid });
      made.domain = { uuid, handle: domHandle };
      const dom = await c.domainDefineXml(xml, 0);
      await domHandle.created();
      if (input.start) {
        ctx.progress(0.99, { key: 'job.vm.clone.start' });
        await c.domainCreate(dom, 0);
      }
      ctx.progress(1, { key: 'job.vm.clone.done' });
      return { uuid: dom.uuid, name, hostId: target.id, macs, volumes: newPaths, snapshot: plan.snapshot?.name ?? null };
    } catch (err) {
      throw await undo(err, made, c, deps, target.id);
    }
  };
  return { spec, handler };
}

/** Undoes what the job made; what stays is named in the error and left in the journal. */
async function undo(err: unknown, made: Made, c: LibvirtConnection, deps: CloneJobDeps, hostId: string): Promise<HangarError> {
  const e = HangarError.from(err);
  const left: string[] = [];
  if (made.domain) {
    const { uuid, handle } = made.domain;
    await c
      .domainLookupByUuid(uuid)
      .then((dom) => c.domainUndefine(dom, UndefineFlag.NVRAM | UndefineFlag.SNAPSHOTS_METADATA))
      .then(() => handle.removed())
      .catch(() => left.push(`the definition ${uuid}`));
  }
  for (const v of made.volumes.reverse()) {
    await c.storageVolDelete(v.vol, 0).then(() => v.handle.removed(), () => left.push(`the volume ${v.name} in pool ${v.vol.pool}`));
  }
  // Asked for but never answered (the host went away): the journal keeps them as `creating`.
  for (const a of made.asked) if (!made.volumes.some((v) => v.name === a.name) && e.code !== 'UNREACHABLE') await a.handle.removed().catch(() => undefined);
  if (made.nvram && !made.domain) {
    const ssh = deps.ssh(hostId);
    await ssh?.exec(shellQuote(['rm', '-f', '--', made.nvram])).catch(() => left.push(`the NVRAM file ${made.nvram}`));
  }
  if (left.length === 0) return e;
  return new HangarError(e.code, `${e.message}. Could not clean up (Tasks offers a clean-up): ${left.join('; ')}`, { ...e.details, leftBehind: left });
}
