import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { JobRef } from '../contract/jobs';
import type { Message } from '../contract/message';
import { MigrateParams, type MigrateResult, type MigrationCheck } from '../contract/migration';
import type { PlacementOutcome } from '../contract/placement';
import type { Vm } from '../contract/vms';
import type { JobContext, JobRunner } from '../jobs/job-runner';
import { DomainXmlFlag, isNotFound } from '../libvirt';
import type { Logger } from '../logger';
import type { PlacementService } from '../placement/placement-service';
import { english } from './english';
import { retargetDisks } from '../xml/domain-migration';
import { migrateLive, type LiveControl } from './live';
import { copyVolumes, defineOnTarget, undefineSource } from './offline';
import { hostReasons, mergeVerdicts, needsCopy, targetPoolOf, vmBlockers, type PreflightInput } from './preflight';
import { probeSource, probeTarget, type Fleet, type SourceView } from './probe';
import { ProbeBatch } from './probe-batch';
import { createTargetVolumes, deleteSourceVolumes, deleteTargetVolumes, type TargetVolume } from './target-volumes';

export type MigrateRequest = z.output<typeof MigrateParams>;

export interface MigrationEngineDeps {
  fleet: Fleet;
  inventory: { get(id: string): Vm | undefined; refresh(hostId: string, uuid: string): Promise<void> };
  jobs: Pick<JobRunner, 'start' | 'get'>;
  placement: Pick<PlacementService, 'place' | 'assess'>;
  logger: Logger;
}

interface Checked {
  check: MigrationCheck;
  vm: Vm;
  source: SourceView;
  input: PreflightInput;
}

/** A running migration's handle for vms.migrateSetSpeed. */
interface Slot {
  bandwidthMiBs: number;
  control: LiveControl | null;
}

const OFFLINE_ONLY_REASONS = new Set(['placement.why.memory', 'placement.why.vcpus']);

/**
 * Live migration and offline moves (issue 15). `check` is the pre-flight (nothing changes);
 * `start` runs it again and starts the vm.migrate job. The narrow entry for other capabilities
 * (host maintenance) is `start(params, { parentJobId })`: it resolves with the job reference once
 * the job is queued, or refuses (CONFLICT with the reasons) before any job exists.
 */
export class MigrationEngine {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly d: MigrationEngineDeps) {}

  private vm(id: string): Vm {
    const vm = this.d.inventory.get(id);
    if (!vm) throw new HangarError('NOT_FOUND', `No VM ${id}`);
    return vm;
  }

  /** The pre-flight; the checks of one batch (a maintenance plan's VMs) share what their hosts answer. */
  async check(p: MigrateRequest, batch?: ProbeBatch): Promise<MigrationCheck> {
    return (await this.checked(p, batch)).check;
  }

  private async checked(p: MigrateRequest, batch = new ProbeBatch()): Promise<Checked> {
    const vm = this.vm(p.vmId);
    if (p.hostId && !this.d.fleet.hosts.get(p.hostId)) throw new HangarError('NOT_FOUND', `No host ${p.hostId}`);
    if (p.hostId === vm.hostId) throw new HangarError('CONFLICT', `${vm.name} is on that host already`, { field: 'hostId', message: { key: 'migration.err.sameHost', args: { name: vm.name } } });
    const source = await probeSource(this.d.fleet, vm, batch);
    const sourceHost = this.d.fleet.hosts.get(vm.hostId);
    const input: PreflightInput = {
      vm: { name: vm.name, live: source.live, cpuMode: source.cpuMode },
      facts: source.facts,
      paths: source.paths,
      storage: p.storage,
      diskPools: p.diskPools,
      sourceCpuModel: sourceHost?.facts?.cpuModel ?? null,
    };
    const assessed = await this.d.placement.assess({
      memoryMiB: Math.ceil(vm.memoryKiB / 1024),
      vcpus: vm.vcpus,
      vmUuid: vm.uuid,
      excludeHostIds: [vm.hostId],
      ...(p.hostId ? { onlyHostIds: [p.hostId] } : {}),
    });
    // A stopped VM holds no memory or CPUs: capacity does not keep it from moving.
    const placement = source.live ? assessed : relaxForOffline(assessed);
    const targets = this.d.fleet.hosts.values().filter((h) => h.id !== vm.hostId && (!p.hostId || h.id === p.hostId));
    const copyPools = source.paths.filter(needsCopy).map((x) => targetPoolOf(x, p.diskPools)).filter((x): x is string => x !== null);
    const probes = await Promise.all(targets.map((h) => probeTarget(this.d.fleet, h, vm, source.paths.map((x) => x.path), source.live ? source.cpu : null, copyPools, batch)));
    const own = new Map(probes.map((t) => [t.hostId, hostReasons(input, t)]));
    const merged = mergeVerdicts(placement, own, vm.hostId);
    const check: MigrationCheck = {
      vmId: vm.id,
      sourceHostId: vm.hostId,
      live: source.live,
      blockers: vmBlockers(input).map((reason) => ({ reason })),
      candidates: merged.candidates,
      refused: merged.refused,
      disksToCopy: source.paths.filter(needsCopy).map((x) => ({ target: x.target ?? '', sourcePool: x.pool, bytes: x.bytes, defaultPool: x.pool })),
    };
    return { check, vm, source, input };
  }

  /** Pre-flight again, then the job; refuses before any job when the VM or the host asked for cannot go. */
  async start(p: MigrateRequest, opts: { parentJobId?: string } = {}): Promise<JobRef & { placement?: PlacementOutcome }> {
    const { check, vm, source } = await this.checked(p);
    if (check.blockers.length) {
      const reasons = check.blockers.map((b) => b.reason);
      throw new HangarError('CONFLICT', `${vm.name} cannot move: ${reasons.map(english).join('; ')}`, { message: { key: 'migration.err.blocked', args: { name: vm.name } }, blockers: check.blockers });
    }
    if (check.candidates.length === 0) {
      const text = check.refused.map((r) => r.reasons.map(english).join('; ')).join('. ');
      throw new HangarError('CONFLICT', `No host can take ${vm.name}: ${text}`, { field: 'hostId', message: { key: 'migration.err.noTarget', args: { name: vm.name } }, refusals: check.refused });
    }
    const refusedIds = check.refused.map((r) => r.hostId);
    // Live: placement chooses among the candidates and holds the VM's memory there while the job runs.
    const placed = source.live
      ? await this.d.placement.place(
          { memoryMiB: Math.ceil(vm.memoryKiB / 1024), vcpus: vm.vcpus, vmUuid: vm.uuid, excludeHostIds: [vm.hostId, ...refusedIds], ...(p.hostId ? { onlyHostIds: [p.hostId] } : {}) },
          vm.name,
        )
      : null;
    const targetId = placed?.host.id ?? check.candidates[0]!.hostId;
    const target = this.d.fleet.hosts.get(targetId)!;
    const slot: Slot = { bandwidthMiBs: p.bandwidthMiBs, control: null };
    try {
      const ref = await this.d.jobs.start(
        {
          kind: 'vm.migrate',
          title: { key: source.live ? 'job.vm.migrate' : 'job.vm.moveOffline', args: { name: vm.name, host: target.name } },
          target: { kind: 'vm', id: vm.id },
          hostId: vm.hostId,
          cancellable: true,
          ...(opts.parentJobId ? { parentId: opts.parentJobId } : {}),
        },
        async (ctx) => {
          try {
            return await this.run(ctx, p, vm, targetId, slot);
          } finally {
            slot.control = null;
          }
        },
      );
      this.slots.set(ref.jobId, slot);
      await placed?.bind(ref.jobId);
      return { ...ref, ...(placed ? { placement: placed.outcome } : {}) };
    } catch (err) {
      await placed?.release();
      throw err;
    }
  }

  /** Changes the bandwidth limit of a migration that runs (or waits: it then starts with it). */
  async setSpeed(jobId: string, bandwidthMiBs: number): Promise<{ bandwidthMiBs: number }> {
    const job = this.d.jobs.get(jobId);
    const slot = this.slots.get(jobId);
    if (job.kind !== 'vm.migrate' || !slot) throw new HangarError('NOT_FOUND', `No migration ${jobId}`);
    if (job.state !== 'queued' && job.state !== 'running') throw new HangarError('CONFLICT', 'The migration has finished');
    if (slot.control) await slot.control.setSpeed(bandwidthMiBs);
    slot.bandwidthMiBs = bandwidthMiBs;
    return { bandwidthMiBs };
  }

  /** The job: the VM is read afresh (it may have waited, queued), then moved live or offline. */
  private async run(ctx: JobContext, p: MigrateRequest, vmAtStart: Vm, targetId: string, slot: Slot): Promise<MigrateResult> {
    const vm = this.d.inventory.get(vmAtStart.id) ?? vmAtStart;
    const source = await probeSource(this.d.fleet, vm);
    const src = this.d.fleet.libvirt(vm.hostId);
    const dst = this.d.fleet.libvirt(targetId);
    const copying = source.paths.filter(needsCopy);
    if (copying.length && source.live && p.storage !== 'copy') throw new HangarError('CONFLICT', `${vm.name} has disks only its host sees: move it with storage copy`, { message: { key: 'migration.err.needsCopy', args: { name: vm.name } } });
    const dom = await src.domainLookupByUuid(vm.uuid);
    const autostart = await src.domainGetAutostart(dom);
    const vols: TargetVolume[] = copying.length ? await createTargetVolumes(ctx, dst, targetId, copying.map((disk) => ({ disk, pool: targetPoolOf(disk, p.diskPools)! })), src) : [];
    const moved = Object.fromEntries(vols.map((v) => [v.disk.target!, { path: v.path, format: v.format }]));
    const retarget = (xml: string) => (vols.length ? retargetDisks(xml, moved) : xml);
    let downtimeMs: number | null = null;
    let postcopy = false;
    try {
      if (source.live) {
        const [liveXml, persistXml] = await Promise.all([
          src.domainGetXmlDesc(dom, DomainXmlFlag.SECURE | DomainXmlFlag.MIGRATABLE),
          src.domainGetXmlDesc(dom, DomainXmlFlag.SECURE | DomainXmlFlag.MIGRATABLE | DomainXmlFlag.INACTIVE),
        ]);
        const r = await migrateLive(
          ctx,
          {
            uuid: vm.uuid,
            name: vm.name,
            source: { hostId: vm.hostId, conn: src },
            target: { hostId: targetId, conn: dst },
            bandwidthMiBs: slot.bandwidthMiBs,
            mode: p.mode,
            postcopyAfterIterations: p.postcopyAfterIterations,
            completionTimeoutPerGiBSec: p.completionTimeoutPerGiBSec,
            progressTimeoutSec: p.progressTimeoutSec,
            keepSource: p.keepSource,
            copyDisks: vols.map((v) => v.disk.target!),
            destXml: vols.length ? retarget(liveXml) : null,
            persistXml: retarget(persistXml),
            bytesToMove: vm.memoryKiB * 1024 + vols.reduce((a, v) => a + v.bytes, 0),
          },
          (c) => {
            slot.control = c;
            // A limit asked for while the job was getting ready applies now.
            if (c && slot.bandwidthMiBs !== p.bandwidthMiBs) void c.setSpeed(slot.bandwidthMiBs).catch(() => undefined);
          },
        );
        downtimeMs = r.downtimeMs;
        postcopy = r.postcopy;
        if (autostart) await dst.domainSetAutostart(await dst.domainLookupByUuid(vm.uuid), true).catch((e: unknown) => this.d.logger.warn('migration: autostart on the target failed', { vm: vm.name, error: String(e) }));
      } else {
        ctx.migration({ phase: 'offline', sourceHostId: vm.hostId, targetHostId: targetId, dataTotal: null, dataRemaining: null, transferRate: null, dirtyRate: null, iteration: null, expectedDowntime: null, bandwidthMiBs: 0, diskTotal: vols.reduce((a, v) => a + v.bytes, 0), diskRemaining: null });
        if (vols.length) await copyVolumes(ctx, src, dst, this.d.fleet.ssh(targetId), vols);
        ctx.progress(0.97, { key: 'job.vm.migrate.defining', args: {} });
        const xml = await src.domainGetXmlDesc(dom, DomainXmlFlag.SECURE | DomainXmlFlag.INACTIVE);
        await defineOnTarget(ctx, dst, targetId, vm, retarget(xml), autostart);
        if (!p.keepSource) await undefineSource(src, vm.uuid);
      }
    } catch (err) {
      await deleteTargetVolumes(dst, vols);
      throw err;
    }
    // The source's copies of moved disks go with its definition, never while it is kept.
    if (!p.keepSource && vols.length) {
      const gone = await src.domainLookupByUuid(vm.uuid).then(() => false, (e: unknown) => isNotFound(e));
      if (gone) {
        const failed = await deleteSourceVolumes(src, vols.map((v) => v.disk.path));
        if (failed.length) this.d.logger.warn('migration: source volumes left behind', { vm: vm.name, failed });
      }
    }
    await Promise.all([this.d.inventory.refresh(targetId, vm.uuid), this.d.inventory.refresh(vm.hostId, vm.uuid)].map((r) => r.catch(() => undefined)));
    return { vmId: vm.id, sourceHostId: vm.hostId, targetHostId: targetId, live: source.live, downtimeMs, postcopy };
  }
}

function relaxForOffline(a: Awaited<ReturnType<PlacementService['assess']>>): Awaited<ReturnType<PlacementService['assess']>> {
  const fit = [...a.fit];
  const refusals = [];
  for (const r of a.refusals) {
    const reasons: Message[] = r.reasons.filter((x) => !OFFLINE_ONLY_REASONS.has(x.key));
    if (reasons.length) refusals.push({ ...r, reasons });
    else fit.push({ hostId: r.hostId, host: r.host, warnings: [] });
  }
  return { fit, refusals };
}
