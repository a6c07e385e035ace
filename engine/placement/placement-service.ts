import crypto from 'node:crypto';
import { HangarError } from '../contract/errors';
import type { Job } from '../contract/jobs';
import { FINAL_JOB_STATES } from '../contract/jobs';
import type { Message } from '../contract/message';
import type { AffinityGroup, HostCapacity, HostPlacementSettings, HostRefusal, PlacementOutcome, PlacementStrategy } from '../contract/placement';
import type { Logger } from '../logger';
import { hostCapacity } from './capacity';
import { decide } from './decide';
import { english } from './english';
import { PlacementRepo, withDefaults } from './placement-repo';
import type { PlacedVm, PlacementHost, PlacementRequest, PlacementSnapshot, VolumeProblem } from './request';

export interface PlacementDeps {
  repo: PlacementRepo;
  hosts: () => PlacementHost[];
  vms: () => PlacedVm[];
  /** Whether the host has the volume; throws when it cannot tell (the host went away). */
  hasVolume: (hostId: string, ref: { pool: string; volume: string }) => Promise<boolean>;
  defaultStrategy: () => PlacementStrategy;
  /** The job's state, if the runner knows the job. */
  jobState: (jobId: string) => Job['state'] | undefined;
  logger: Logger;
}

/** A placement that holds its host's resources until `bind`'s job ends (or `release`). */
export interface Placed {
  host: PlacementHost;
  outcome: PlacementOutcome;
  /** Ties the reservation to the job that uses it: it ends with the job. */
  bind(jobId: string): Promise<void>;
  /** Gives the resources back now (the request failed before its job started). */
  release(): Promise<void>;
}

/**
 * The one way a host is chosen (DESIGN §8). Checks that need the host (volumes) run first and in
 * parallel; then, one request at a time, the decision reads SQLite's reservations and the
 * inventory, and writes its own reservation before the next request decides: two parallel
 * requests never count the same free memory.
 */
export class PlacementService {
  private lock: Promise<unknown> = Promise.resolve();
  private settings = new Map<string, HostPlacementSettings>();
  private groupCache: AffinityGroup[] = [];

  constructor(private readonly d: PlacementDeps) {}

  async init(): Promise<void> {
    for (const s of await this.d.repo.hostSettings()) this.settings.set(s.hostId, s);
    this.groupCache = await this.d.repo.groups();
    const dropped = await this.d.repo.dropStale();
    if (dropped) this.d.logger.info('placement: dropped reservations of jobs that no longer run', { count: dropped });
  }

  /** Call with every job update: a reservation ends with its job. */
  onJob(job: Job): void {
    if (!FINAL_JOB_STATES.includes(job.state)) return;
    void this.d.repo.releaseJob(job.id).catch((err: unknown) => this.d.logger.warn('placement: release failed', { jobId: job.id, error: String(err) }));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async volumeProblems(req: PlacementRequest, hosts: PlacementHost[]): Promise<Map<string, VolumeProblem[]>> {
    const out = new Map<string, VolumeProblem[]>();
    const vols = req.volumes ?? [];
    if (vols.length === 0) return out;
    await Promise.all(
      hosts
        .filter((h) => h.state === 'connected' && h.facts && !req.excludeHostIds?.includes(h.id))
        .map(async (h) => {
          const problems: VolumeProblem[] = [];
          for (const v of vols) {
            if (!h.facts!.pools.some((p) => p.name === v.pool)) {
              problems.push(v);
              continue;
            }
            try {
              if (!(await this.d.hasVolume(h.id, v))) problems.push(v);
            } catch (err) {
              problems.push({ ...v, error: HangarError.from(err).message });
            }
          }
          if (problems.length) out.set(h.id, problems);
        }),
    );
    return out;
  }

  private async snapshot(volumeProblems: Map<string, VolumeProblem[]>): Promise<PlacementSnapshot> {
    return {
      hosts: this.d.hosts(),
      settings: (id) => withDefaults(id, this.settings.get(id)),
      vms: this.d.vms(),
      reservations: await this.d.repo.reservations(),
      groups: this.groupCache,
      defaultStrategy: this.d.defaultStrategy(),
      volumeProblems,
    };
  }

  /**
   * Chooses a host and holds the VM's memory and vCPUs there. Refuses with CONFLICT when no host
   * can take it; `details.refusals` names each host and every reason, as Messages.
   */
  async place(req: PlacementRequest, vmName: string): Promise<Placed> {
    const all = this.d.hosts();
    const considered = req.onlyHostIds ? all.filter((h) => req.onlyHostIds!.includes(h.id)) : all;
    if (considered.length === 0) {
      throw new HangarError('CONFLICT', req.onlyHostIds ? `No host ${req.onlyHostIds.join(', ')}` : 'No host is added', { field: 'hostId', message: { key: 'placement.err.noHosts', args: {} } });
    }
    for (const g of req.affinityGroupIds ?? []) this.group(g);
    const problems = await this.volumeProblems(req, considered);
    return this.serial(async () => {
      const decision = decide(req, await this.snapshot(problems));
      if (!decision.ok) throw refusal(decision.refusals);
      const id = crypto.randomUUID();
      const groupIds = [...new Set([...(req.affinityGroupIds ?? []), ...this.groupCache.filter((g) => req.vmUuid && g.members.some((x) => x.vmUuid === req.vmUuid)).map((g) => g.id)])];
      await this.d.repo.reserve({ id, jobId: null, hostId: decision.host.id, memoryMiB: req.memoryMiB, vcpus: req.vcpus, groupIds, vmName });
      const repo = this.d.repo;
      const jobState = this.d.jobState;
      return {
        host: decision.host,
        outcome: { hostId: decision.host.id, host: decision.host.name, warnings: decision.warnings },
        async bind(jobId) {
          await repo.bind(id, jobId);
          // The job may have ended before it was bound: then nothing would release it.
          const state = jobState(jobId);
          if (state && FINAL_JOB_STATES.includes(state)) await repo.release(id);
        },
        release: () => repo.release(id),
      };
    });
  }

  /**
   * The decision without holding anything (a pre-flight): each considered host that could take the
   * VM now, with its warnings, and each that could not, with every reason.
   */
  async assess(req: PlacementRequest): Promise<{ fit: PlacementOutcome[]; refusals: HostRefusal[] }> {
    const all = this.d.hosts();
    const considered = req.onlyHostIds ? all.filter((h) => req.onlyHostIds!.includes(h.id)) : all;
    const problems = await this.volumeProblems(req, considered);
    const decision = decide(req, await this.snapshot(problems));
    const fit = decision.verdicts.filter((v) => v.reasons.length === 0 && v.capacity).map((v) => ({ hostId: v.host.id, host: v.host.name, warnings: v.warnings }));
    const refusals = decision.verdicts.filter((v) => v.reasons.length > 0).map((v) => ({ hostId: v.host.id, host: v.host.name, reasons: v.reasons }));
    return { fit, refusals };
  }

  /** Every host's capacity as placement counts it now. */
  async capacity(): Promise<HostCapacity[]> {
    const reservations = await this.d.repo.reservations();
    const vms = this.d.vms();
    return this.d.hosts()
      .filter((h) => h.facts)
      .map((h) => hostCapacity(h, withDefaults(h.id, this.settings.get(h.id)), vms, reservations));
  }

  hostSettings(hostId: string): HostPlacementSettings {
    return withDefaults(hostId, this.settings.get(hostId));
  }

  async setHostSettings(hostId: string, patch: Partial<Omit<HostPlacementSettings, 'hostId'>>): Promise<HostPlacementSettings> {
    if (!this.d.hosts().some((h) => h.id === hostId)) throw new HangarError('NOT_FOUND', `No host ${hostId}`);
    const next = { ...this.hostSettings(hostId), ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)), hostId };
    await this.d.repo.saveHostSettings(next);
    this.settings.set(hostId, next);
    return next;
  }

  async hostRemoved(hostId: string): Promise<void> {
    this.settings.delete(hostId);
    await this.d.repo.forgetHost(hostId);
  }

  groups(): AffinityGroup[] {
    return this.groupCache;
  }

  private group(id: string): AffinityGroup {
    const g = this.groupCache.find((x) => x.id === id);
    if (!g) throw new HangarError('NOT_FOUND', `No affinity group ${id}`, { message: { key: 'placement.err.noGroup', args: {} } });
    return g;
  }

  private async reload<T>(fn: () => Promise<T>): Promise<T> {
    // Under the placement lock, so a decision never sees a group half changed.
    return this.serial(async () => {
      const r = await fn();
      this.groupCache = await this.d.repo.groups();
      return r;
    });
  }

  async createGroup(p: Omit<AffinityGroup, 'id' | 'members' | 'createdAt'>): Promise<AffinityGroup> {
    const id = await this.reload(() => this.d.repo.createGroup(p));
    return this.group(id);
  }

  async updateGroup(p: Partial<Omit<AffinityGroup, 'members' | 'createdAt'>> & { id: string }): Promise<AffinityGroup> {
    const g = this.group(p.id);
    await this.reload(() => this.d.repo.updateGroup({ ...g, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) }));
    return this.group(p.id);
  }

  async deleteGroup(id: string): Promise<void> {
    this.group(id);
    await this.reload(() => this.d.repo.deleteGroup(id));
  }

  async addMember(groupId: string, vm: { uuid: string; name: string }): Promise<AffinityGroup> {
    this.group(groupId);
    await this.reload(() => this.d.repo.addMember(groupId, vm.uuid, vm.name));
    return this.group(groupId);
  }

  async removeMember(groupId: string, vmUuid: string): Promise<AffinityGroup> {
    this.group(groupId);
    await this.reload(() => this.d.repo.removeMember(groupId, vmUuid));
    return this.group(groupId);
  }
}

/** The refusal: every host, every reason, in English in the message and as Messages in details. */
export function refusal(refusals: HostRefusal[]): HangarError {
  const text = refusals.map((r) => r.reasons.map(english).join('; ')).join('. ');
  const message: Message = { key: 'placement.err.refused', args: { count: refusals.length } };
  return new HangarError('CONFLICT', `No host can take this VM: ${text}`, { field: 'hostId', message, refusals });
}
