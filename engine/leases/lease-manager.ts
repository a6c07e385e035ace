import crypto from 'node:crypto';
import { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { Host } from '../contract/hosts';
import type { Job } from '../contract/jobs';
import { FINAL_JOB_STATES } from '../contract/jobs';
import {
  AcquireLeasesParams,
  CreateLeasePoolParams,
  ExtendLeaseParams,
  ImportIniParams,
  type ImportIniResult,
  LeaseHistoryParams,
  ListLeasesParams,
  LIVE_LEASE_STATES,
  ReleaseLeasesParams,
  UpdateLeasePoolParams,
  type AcquireLeasesResult,
  type Lease,
  type LeaseHistoryRecord,
  type LeasePool,
  type PoolCapacity,
  type PoolHostCapacity,
} from '../contract/pools';
import type { Vm } from '../contract/vms';
import type { FleetHosts } from '../hosts/fleet';
import type { ArtifactHandle, JobContext, JobRunner } from '../jobs/job-runner';
import { isNotFound, UndefineFlag, type LibvirtConnection } from '../libvirt';
import type { Logger } from '../logger';
import type { Placed, PlacementService } from '../placement/placement-service';
import { createVmJob } from '../vms/create-vm';
import { readNetworkXml } from '../xml/network';
import { leasesByMac } from '../inventory/guest-addresses';
import { waitForAddress } from './addresses';
import { dhcpRangeSize, hostCount, type HostResources, type LeaseNeeds } from './capacity';
import type { LeaseEngine } from './lease-engine';
import { historyRecord, publicLease, type LeaseRecord, type LeaseRepo } from './lease-repo';
import { leaseNames } from './names';
import { parseDynvmIni, planIniImport } from './ini-import';

const GiB = 1024 ** 3;
const MIN = 60_000;

export interface LeaseManagerDeps {
  repo: LeaseRepo;
  fleet: FleetHosts;
  inventory: { get(id: string): Vm | undefined; refresh(hostId: string, uuid: string): Promise<void>; readonly vms: { values(): Vm[] } };
  jobs: Pick<JobRunner, 'start' | 'registerResumer' | 'cancel' | 'finished'> & { readonly jobs: { get(id: string): Job | undefined } };
  placement: Pick<PlacementService, 'place' | 'capacity'>;
  logger: Logger;
  /** The reaper's period (default 15 s). */
  reapIntervalMs?: number;
  /** Between two looks for a new VM's address (default 1 s). */
  addressPollMs?: number;
}

/** A refusal a person reads in their language: the English text and the Message behind it. */
function refuse(code: 'INVALID_PARAMS' | 'CONFLICT' | 'NOT_FOUND', key: string, args: Record<string, string | number>, english: string, extra: Record<string, unknown> = {}): HangarError {
  return new HangarError(code, english, { ...extra, message: { key, args } });
}

const isLive = (r: LeaseRecord) => LIVE_LEASE_STATES.includes(r.state);

/** The disks a lease's VM has, by the names create-vm gives them. */
const diskVolume = (vmName: string) => `${vmName}-disk0.qcow2`;
const seedVolume = (vmName: string) => `${vmName}-seed.iso`;

/** Provisioning of one request, as the resumable parent job saves it. */
const AcquireState = z.object({ leaseIds: z.array(z.string()) });

/**
 * The engine of disposable VM pools and leases (issue 18). Pools live in SQLite and in memory (a
 * change takes effect at the next request, no restart). A request is checked and placed at once,
 * under one lock, so parallel requests never count the same free memory, vCPUs, disk or DHCP
 * addresses twice; then a resumable parent job provisions its VMs in parallel, one child job each:
 * linked clone + cloud-init seed + start (create-vm's job), then a wait for an address that is not
 * link-local; on timeout the VM and its disks are deleted and the VM is tried on another host, at
 * most `retries` times. Expiry is stored: the reaper sweeps at start and periodically.
 */
export class LeaseManager implements LeaseEngine {
  private readonly pools = new Map<string, LeasePool>();
  private readonly leases = new Map<string, LeaseRecord>();
  private readonly listeners = new Set<(l: Lease) => void>();
  private lock: Promise<unknown> = Promise.resolve();
  private reaper: NodeJS.Timeout | null = null;
  private closed = false;
  /** Which job provisions which lease (a release cancels it). */
  private readonly provisionJobs = new Map<string, string>();
  /** Leases whose deletion runs now (a release left by a stopped engine does not: the reaper redoes it). */
  private readonly deleting = new Set<string>();
  /** Placements held for leases being provisioned, released when their VM is made or given up. */
  private readonly placed = new Map<string, Placed>();

  constructor(private readonly d: LeaseManagerDeps) {
    d.jobs.registerResumer('lease.acquire', (job) => (ctx) => this.resumeAcquire(job, ctx));
  }

  async open(): Promise<void> {
    for (const p of await this.d.repo.pools()) this.pools.set(p.os, p);
    for (const r of await this.d.repo.liveLeases()) this.leases.set(r.id, r);
  }

  /** The reaper: one sweep now (hosts connect meanwhile: a lease whose host is not back waits for the next), then periodic. */
  start(): void {
    const every = this.d.reapIntervalMs ?? 15_000;
    const tick = () => {
      if (this.closed) return;
      void this.reap()
        .catch((err: unknown) => this.d.logger.warn('leases: reaper sweep failed', { error: String(err) }))
        .finally(() => {
          if (!this.closed) {
            this.reaper = setTimeout(tick, every);
            this.reaper.unref?.();
          }
        });
    };
    this.reaper = setTimeout(tick, 2000);
    this.reaper.unref?.();
  }

  close(): void {
    this.closed = true;
    if (this.reaper) clearTimeout(this.reaper);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  onChange(listener: (lease: Lease) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async save(r: LeaseRecord): Promise<void> {
    if (isLive(r)) this.leases.set(r.id, r);
    else this.leases.delete(r.id);
    await this.d.repo.saveLease(r);
    const pub = publicLease(r);
    for (const l of this.listeners) {
      try {
        l(pub);
      } catch {
        /* a listener's fault is its own */
      }
    }
  }

  private async patch(id: string, fn: (r: LeaseRecord) => LeaseRecord): Promise<LeaseRecord | null> {
    const cur = this.leases.get(id) ?? (await this.d.repo.lease(id));
    if (!cur) return null;
    const next = fn(cur);
    await this.save(next);
    return next;
  }

  // --- pools -----------------------------------------------------------------------------------

  listPools(): LeasePool[] {
    return [...this.pools.values()].sort((a, b) => a.os.localeCompare(b.os));
  }

  pool(os: string): LeasePool | undefined {
    return this.pools.get(os);
  }

  private poolOf(os: string): LeasePool {
    const p = this.pools.get(os);
    if (!p) throw refuse('NOT_FOUND', 'leases.err.noPool', { os }, `No pool for OS ${os}`, { field: 'os' });
    return p;
  }

  private checkPool(p: LeasePool): void {
    if (p.defaultExpiryMinutes > p.maxExpiryMinutes) {
      throw refuse('INVALID_PARAMS', 'leases.err.defaultAboveMax', { default: p.defaultExpiryMinutes, max: p.maxExpiryMinutes }, `The default expiry (${p.defaultExpiryMinutes} min) is above the maximum (${p.maxExpiryMinutes} min)`, { field: 'defaultExpiryMinutes' });
    }
    const seen = new Set<string>();
    for (const b of p.baseImages) {
      if (seen.has(b.hostId)) throw refuse('INVALID_PARAMS', 'leases.err.twoBases', { hostId: b.hostId }, `Two base images for host ${b.hostId}`, { field: 'baseImages' });
      seen.add(b.hostId);
    }
  }

  async createPool(input: z.input<typeof CreateLeasePoolParams>): Promise<LeasePool> {
    const p = CreateLeasePoolParams.parse(input);
    return this.serial(async () => {
      if (this.pools.has(p.os)) throw refuse('CONFLICT', 'leases.err.poolExists', { os: p.os }, `A pool for ${p.os} exists already`, { field: 'os' });
      const now = Date.now();
      const pool: LeasePool = { ...p, createdAt: now, updatedAt: now };
      this.checkPool(pool);
      await this.d.repo.savePool(pool);
      this.pools.set(pool.os, pool);
      return pool;
    });
  }

  async updatePool(input: z.input<typeof UpdateLeasePoolParams>): Promise<LeasePool> {
    const p = UpdateLeasePoolParams.parse(input);
    return this.serial(async () => {
      const cur = this.poolOf(p.os);
      const defined = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined));
      const next: LeasePool = { ...cur, ...defined, updatedAt: Date.now() };
      this.checkPool(next);
      await this.d.repo.savePool(next);
      this.pools.set(next.os, next);
      return next;
    });
  }

  async deletePool(os: string): Promise<void> {
    await this.serial(async () => {
      this.poolOf(os);
      const live = [...this.leases.values()].filter((l) => l.os === os);
      if (live.length) throw refuse('CONFLICT', 'leases.err.poolInUse', { os, names: live.map((l) => l.name).join(', ') }, `The pool ${os} has live leases: ${live.map((l) => l.name).join(', ')}`);
      await this.d.repo.deletePool(os);
      this.pools.delete(os);
    });
  }

  /** The seed's ini as pools: new OS names are created, known ones get the mapped hosts' base images (others kept). */
  async importIni(input: z.input<typeof ImportIniParams>): Promise<ImportIniResult> {
    const p = ImportIniParams.parse(input);
    const plan = planIniImport(parseDynvmIni(p.text), this.d.fleet.hosts.values().map((h) => ({ id: h.id, name: h.name, address: h.address })));
    const created: string[] = [];
    const updated: string[] = [];
    const expiry = plan.expiryMinutes !== null ? { defaultExpiryMinutes: plan.expiryMinutes, maxExpiryMinutes: plan.expiryMinutes } : {};
    const timeout = plan.networkTimeoutSecs !== null ? { networkTimeoutSecs: Math.min(3600, Math.max(5, plan.networkTimeoutSecs)) } : {};
    for (const pp of plan.pools) {
      const cur = this.pools.get(pp.os);
      if (!cur) {
        await this.createPool({ os: pp.os, baseImages: pp.baseImages, network: p.network, ...expiry, ...timeout, description: 'Imported from .dynvmservice.ini' });
        created.push(pp.os);
      } else {
        const mapped = new Set(pp.baseImages.map((b) => b.hostId));
        await this.updatePool({ os: pp.os, baseImages: [...cur.baseImages.filter((b) => !mapped.has(b.hostId)), ...pp.baseImages], ...expiry, ...timeout });
        updated.push(pp.os);
      }
    }
    return { created, updated, skipped: plan.skipped, warnings: plan.warnings };
  }

  // --- capacity --------------------------------------------------------------------------------

  private needs(pool: LeasePool, cpus: number, memoryMiB: number, baseBytes: number | null): LeaseNeeds {
    return { memoryMiB, vcpus: cpus, diskBytes: pool.diskGiB !== null ? pool.diskGiB * GiB : (baseBytes ?? 0) };
  }

  /** Live leases on a host that have no address yet: they hold an address and disk not yet visible on the host. */
  private inFlightOn(hostId: string): LeaseRecord[] {
    return [...this.leases.values()].filter((l) => l.hostId === hostId && l.state === 'provisioning');
  }

  /**
   * Every host's free resources for the pool, what is in flight subtracted. Memory and vCPUs are
   * placement's (its reservations count in-flight VMs); disk and addresses are asked of the host.
   */
  private async resources(pool: LeasePool): Promise<{ hosts: HostResources[]; baseBytes: Map<string, number> }> {
    const placementCap = new Map((await this.d.placement.capacity()).map((c) => [c.hostId, c]));
    const baseBytes = new Map<string, number>();
    const hosts = await Promise.all(
      this.d.fleet.hosts.values().map(async (h): Promise<HostResources> => {
        const base = pool.baseImages.find((b) => b.hostId === h.id);
        const cap = placementCap.get(h.id);
        const r: HostResources = { hostId: h.id, hostName: h.name, excluded: null, memoryMiB: cap?.memory.free ?? 0, vcpus: cap?.vcpus.free ?? 0, diskBytes: null, addresses: null };
        if (!base) return { ...r, excluded: 'noBaseImage' };
        if (h.state !== 'connected' || !h.facts) return { ...r, excluded: 'hostDown' };
        if (h.maintenance !== 'none') return { ...r, excluded: 'maintenance' };
        // In flight on this host: an address of this network, disk in this storage pool.
        const flying = this.inFlightOn(h.id);
        const flyingNet = flying.filter((l) => l.network === pool.network);
        const flyingDiskPool = flying.filter((l) => l.storagePool === base.pool);
        try {
          const conn = this.d.fleet.libvirt(h.id);
          const [disk, addr, bb] = await Promise.all([
            freeDisk(conn, base.pool),
            freeAddresses(conn, pool.network),
            conn
              .storagePoolLookupByName(base.pool)
              .then((sp) => conn.storageVolLookupByName(sp, base.volume))
              .then((v) => conn.storageVolGetInfo(v))
              .then((i) => i.capacity)
              .catch(() => null),
          ]);
          if (bb !== null) baseBytes.set(h.id, bb);
          const need = this.needs(pool, pool.cpus, pool.memoryMiB, bb);
          const flyingDisk = flyingDiskPool.reduce((s, l) => s + (l.diskBytes ?? need.diskBytes), 0);
          return {
            ...r,
            diskBytes: disk === null ? null : Math.max(0, disk - flyingDisk),
            addresses: addr === null ? null : Math.max(0, addr - flyingNet.filter((l) => !l.ipaddr).length),
          };
        } catch {
          return { ...r, excluded: 'hostDown' };
        }
      }),
    );
    return { hosts, baseBytes };
  }

  async capacity(os: string): Promise<PoolCapacity> {
    const pool = this.poolOf(os);
    const { hosts, baseBytes } = await this.resources(pool);
    const per: PoolHostCapacity[] = hosts.map((h) => hostCount(h, this.needs(pool, pool.cpus, pool.memoryMiB, baseBytes.get(h.hostId) ?? null)));
    const inFlight = [...this.leases.values()].filter((l) => l.os === os && l.state === 'provisioning').length;
    return { os, available: per.reduce((s, h) => s + h.available, 0), inFlight, sparesReady: 0, hosts: per };
  }

  // --- leases ----------------------------------------------------------------------------------

  list(input: z.input<typeof ListLeasesParams>): Lease[] {
    const p = ListLeasesParams.parse(input);
    const states = p.states ?? LIVE_LEASE_STATES;
    // Live leases are in memory; ended ones are history (leases.history), except those just ended.
    return [...this.leases.values()]
      .filter((l) => states.includes(l.state) && (!p.os || l.os === p.os) && (!p.owner || l.owner === p.owner) && (!p.username || l.username === p.username))
      .sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name))
      .map(publicLease);
  }

  private record(id: string, owner?: string): LeaseRecord {
    const r = this.leases.get(id);
    if (!r || (owner !== undefined && r.owner !== owner)) throw refuse('NOT_FOUND', 'leases.err.noLease', { id }, `No lease ${id}`);
    return r;
  }

  get(id: string, owner?: string): Promise<Lease> {
    return this.getAny(id, owner);
  }

  async getAny(id: string, owner?: string): Promise<Lease> {
    const r = this.leases.get(id) ?? (await this.d.repo.lease(id));
    if (!r || (owner !== undefined && r.owner !== owner)) throw refuse('NOT_FOUND', 'leases.err.noLease', { id }, `No lease ${id}`);
    return publicLease(r);
  }

  async history(input: z.input<typeof LeaseHistoryParams>): Promise<LeaseHistoryRecord[]> {
    const p = LeaseHistoryParams.parse(input);
    return (await this.d.repo.history(p)).map(historyRecord);
  }

  async extend(input: z.input<typeof ExtendLeaseParams>): Promise<Lease> {
    const p = ExtendLeaseParams.parse(input);
    const r = this.record(p.id, p.owner);
    if (r.state === 'releasing') throw refuse('CONFLICT', 'leases.err.releasing', { name: r.name }, `${r.name} is being released`);
    const pool = this.pools.get(r.os);
    const now = Date.now();
    const cap = now + (pool?.maxExpiryMinutes ?? 525_600) * MIN;
    const expiresAt = Math.min(Math.max(r.expiresAt, now) + p.minutes * MIN, cap);
    const next = await this.patch(r.id, (x) => ({ ...x, expiresAt }));
    return publicLease(next!);
  }

  /**
   * Checks and places the request at once (all or nothing), then provisions in a parent job.
   * Refusals change nothing: unknown pool, expiry above the maximum, a name in use, no capacity.
   */
  async acquire(input: z.input<typeof AcquireLeasesParams>): Promise<AcquireLeasesResult> {
    const p = AcquireLeasesParams.parse(input);
    const pool = this.poolOf(p.os);
    const minutes = p.expiresInMinutes ?? pool.defaultExpiryMinutes;
    if (minutes > pool.maxExpiryMinutes) {
      throw refuse('INVALID_PARAMS', 'leases.err.expiryAboveMax', { minutes, max: pool.maxExpiryMinutes }, `Expiry ${minutes} min is above the pool's maximum (${pool.maxExpiryMinutes} min)`, { field: 'expiresInMinutes' });
    }
    if (p.hostId && !pool.baseImages.some((b) => b.hostId === p.hostId)) {
      throw refuse('INVALID_PARAMS', 'leases.err.hostNoBase', { os: p.os, hostId: p.hostId }, `Host ${p.hostId} has no base image of ${p.os}`, { field: 'hostId' });
    }
    const cpus = p.cpus ?? pool.cpus;
    const memoryMiB = p.memoryMiB ?? pool.memoryMiB;
    return this.serial(async () => {
      if (p.idempotencyKey) {
        const again = await this.d.repo.byIdempotencyKey(p.owner, p.idempotencyKey);
        if (again.length) return { jobId: again[0]!.jobId ?? '', leases: again.map(publicLease) };
      }
      const names = leaseNames(p.username, p.count);
      const taken = names.filter((n) => [...this.leases.values()].some((l) => l.name === n || l.vmName === n) || this.d.inventory.vms.values().some((v) => v.name === n));
      if (taken.length) throw refuse('CONFLICT', 'leases.err.nameTaken', { names: taken.join(', ') }, `In use already: ${taken.join(', ')}`, { field: 'username' });

      // Placement, VM by VM, within what each host can still give (addresses and disk here,
      // memory and vCPUs in placement's reservations): the request gets all its VMs or none.
      const { hosts, baseBytes } = await this.resources(pool);
      const left = new Map(hosts.map((h) => [h.hostId, hostCount(h, this.needs(pool, cpus, memoryMiB, baseBytes.get(h.hostId) ?? null))]));
      const held: Placed[] = [];
      const now = Date.now();
      const records: LeaseRecord[] = [];
      try {
        for (const name of names) {
          const eligible = [...left.values()].filter((c) => c.available > 0 && (!p.hostId || c.hostId === p.hostId)).map((c) => c.hostId);
          if (!eligible.length) throw this.noCapacity(pool, names.length, [...left.values()]);
          let placed: Placed;
          try {
            placed = await this.d.placement.place({ memoryMiB, vcpus: cpus, network: pool.network, onlyHostIds: eligible }, name);
          } catch (err) {
            const e = HangarError.from(err);
            if (e.code === 'CONFLICT') throw this.noCapacity(pool, names.length, [...left.values()], e);
            throw e;
          }
          held.push(placed);
          const c = left.get(placed.host.id)!;
          left.set(placed.host.id, { ...c, available: c.available - 1 });
          const base = pool.baseImages.find((b) => b.hostId === placed.host.id)!;
          const bb = baseBytes.get(placed.host.id) ?? null;
          const id = crypto.randomUUID();
          this.placed.set(id, placed);
          records.push({
            id,
            name,
            os: pool.os,
            username: p.username,
            owner: p.owner,
            state: 'provisioning',
            hostId: placed.host.id,
            hostName: placed.host.name,
            vmUuid: null,
            vmName: name,
            ipaddr: null,
            cpus,
            memoryMiB,
            diskBytes: pool.diskGiB !== null ? Math.max(pool.diskGiB * GiB, bb ?? 0) : bb,
            createdAt: now,
            readyAt: null,
            expiresAt: now + minutes * MIN,
            endedAt: null,
            fromSpare: false,
            attempts: 0,
            jobId: null,
            error: null,
            storagePool: base.pool,
            network: pool.network,
            sshAuthorizedKeys: p.sshAuthorizedKeys,
            guestUser: pool.guestUser,
            idempotencyKey: p.idempotencyKey ?? null,
            deletingAt: null,
            endReason: null,
            triedHostIds: [],
          });
        }
        // In memory and in SQLite before the job starts: its first step reads them.
        await this.d.repo.saveLeases(records);
        for (const r of records) this.leases.set(r.id, r);
        const ref = await this.d.jobs.start(
          { kind: 'lease.acquire', title: { key: 'job.lease.acquire', args: { os: pool.os, count: names.length, username: p.username } }, target: { kind: 'lease', id: `request:${records[0]!.id}` }, cancellable: true, stepState: { leaseIds: records.map((r) => r.id) } },
          (ctx) => this.runAcquire(records.map((r) => r.id), ctx),
        );
        for (const r of records) await this.patch(r.id, (x) => ({ ...x, jobId: ref.jobId }));
        return { jobId: ref.jobId, leases: records.map(publicLease) };
      } catch (err) {
        for (const h of held) await h.release().catch(() => undefined);
        for (const r of records) {
          this.placed.delete(r.id);
          if (this.leases.delete(r.id)) await this.d.repo.saveLease({ ...r, state: 'failed', endedAt: Date.now(), endReason: 'failed', error: HangarError.from(err).toData() }).catch(() => undefined);
        }
        throw err;
      }
    });
  }

  private noCapacity(pool: LeasePool, asked: number, per: PoolHostCapacity[], cause?: HangarError): HangarError {
    const available = per.reduce((s, h) => s + Math.max(0, h.available), 0);
    return refuse('CONFLICT', 'leases.err.noCapacity', { os: pool.os, asked, available }, `Not enough capacity for ${asked} ${pool.os} VM(s): ${available} available now${cause ? ` (${cause.message})` : ''}`, { capacity: per });
  }

  /**
   * The parent job: one child per lease, in parallel. A lease that fails fails the request: the
   * others are deleted too (all or nothing). A lease released meanwhile just drops out.
   */
  private async runAcquire(leaseIds: string[], ctx: JobContext): Promise<{ leases: Lease[] }> {
    const children = await Promise.all(leaseIds.map((id) => this.startProvision(id, ctx)));
    await Promise.all(children.map((c) => (c ? ctx.finished(c) : Promise.resolve(null))));
    // The engine is stopping (or the request was cancelled): the leases stay as they are, for the resume.
    if (ctx.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
    const now = (await Promise.all(leaseIds.map(async (id) => this.leases.get(id) ?? (await this.d.repo.lease(id))))).filter((r): r is LeaseRecord => !!r);
    const failed = now.find((r) => r.state === 'failed');
    if (failed) {
      const err = failed.error ? HangarError.fromData(failed.error) : new HangarError('INTERNAL', `${failed.name} failed`);
      const rest = now.filter((r) => r.state === 'ready' || r.state === 'provisioning');
      if (rest.length) await this.deleteNow(rest, 'failed', err).catch(() => undefined);
      throw err;
    }
    const ready = now.filter((r) => r.state === 'ready');
    if (!ready.length) throw new HangarError('CANCELLED', 'Every lease of this request was released before it was ready');
    return { leases: ready.map(publicLease) };
  }

  /** After a restart: leases still provisioning start over (their leftovers deleted first), ready ones are kept. */
  private async resumeAcquire(job: Job, ctx: JobContext): Promise<{ leases: Lease[] }> {
    const st = AcquireState.safeParse(ctx.state);
    const ids = st.success ? st.data.leaseIds : [];
    this.d.logger.info('leases: resuming provisioning', { jobId: job.id, leases: ids.length });
    return this.runAcquire(ids, ctx);
  }

  private async startProvision(id: string, ctx: JobContext): Promise<string | null> {
    const r = this.leases.get(id);
    if (!r || r.state !== 'provisioning') return null;
    const ref = await ctx.child(
      { kind: 'lease.provision', title: { key: 'job.lease.provision', args: { name: r.name } }, target: { kind: 'lease', id }, ...(r.hostId ? { hostId: r.hostId } : {}), cancellable: true },
      (c) => this.provision(id, c),
    );
    this.provisionJobs.set(id, ref.jobId);
    await this.placed.get(id)?.bind(ref.jobId);
    return ref.jobId;
  }

  private host(hostId: string): Host {
    const h = this.d.fleet.hosts.get(hostId);
    if (!h) throw new HangarError('NOT_FOUND', `No host ${hostId}`);
    return h;
  }

  /** Waits (bounded) for a host to be connected: after a restart, hosts connect in the background. */
  private async connected(hostId: string, signal: AbortSignal, ms = 60_000): Promise<LibvirtConnection> {
    const deadline = Date.now() + ms;
    for (;;) {
      signal.throwIfAborted();
      const h = this.d.fleet.hosts.get(hostId);
      if (h?.state === 'connected') return this.d.fleet.libvirt(hostId);
      if (Date.now() > deadline || !h) throw new HangarError('UNREACHABLE', `${h?.name ?? hostId} is not connected`);
      await new Promise((res) => setTimeout(res, 500));
    }
  }

  /**
   * One lease's VM: linked clone, seed, start, address; on timeout, delete and try again on
   * another host (at most the pool's retries), then fail with nothing left.
   */
  private async provision(id: string, ctx: JobContext): Promise<{ lease: Lease }> {
    let r = this.leases.get(id);
    if (!r) throw new HangarError('NOT_FOUND', `No lease ${id}`);
    const pool = this.pools.get(r.os) ?? null;
    const retries = pool?.retries ?? 0;
    const timeoutMs = (pool?.networkTimeoutSecs ?? 400) * 1000;
    // Left by a run the engine did not finish: deleted before starting over.
    if (r.vmUuid || r.attempts > 0) await this.deleteVm(r).catch(() => undefined);
    let lastError: HangarError | null = null;
    for (let attempt = 0; attempt <= retries; attempt++) {
      ctx.signal.throwIfAborted();
      r = this.leases.get(id);
      if (!r || r.state !== 'provisioning') throw new HangarError('CANCELLED', 'The lease was released while it was provisioned');
      // The first attempt uses the request's placement; a retry asks placement again, elsewhere if it can.
      if (attempt > 0 || !r.hostId) {
        const placedHost = await this.replace(r, pool, ctx.signal);
        r = (await this.patch(id, (x) => ({ ...x, hostId: placedHost.hostId, hostName: placedHost.hostName, storagePool: placedHost.storagePool })))!;
      }
      r = (await this.patch(id, (x) => ({ ...x, attempts: x.attempts + 1, vmUuid: null, ipaddr: null })))!;
      const outcome = await this.attempt(r, pool, timeoutMs, ctx).catch((err: unknown) => HangarError.from(err));
      if (outcome instanceof HangarError) {
        if (outcome.code === 'CANCELLED' || ctx.signal.aborted) throw outcome;
        lastError = outcome;
      } else if (outcome) {
        const ready = await this.patch(id, (x) => (x.state === 'provisioning' ? { ...x, state: 'ready', ipaddr: outcome, readyAt: Date.now() } : x));
        await this.placed.get(id)?.release().catch(() => undefined);
        this.placed.delete(id);
        return { lease: publicLease(ready!) };
      } else {
        lastError = refuse('CONFLICT', 'leases.err.noAddress', { name: r.name, host: r.hostName ?? '', seconds: timeoutMs / 1000 }, `${r.name} got no network address on ${r.hostName} within ${timeoutMs / 1000} s`);
      }
      this.d.logger.warn('leases: attempt failed', { lease: r.name, host: r.hostName, attempt: attempt + 1, error: lastError.message });
      const cur = this.leases.get(id)!;
      await this.patch(id, (x) => ({ ...x, triedHostIds: [...new Set([...x.triedHostIds, ...(cur.hostId ? [cur.hostId] : [])])] }));
      await this.placed.get(id)?.release().catch(() => undefined);
      this.placed.delete(id);
    }
    const attempts = this.leases.get(id)?.attempts ?? retries + 1;
    const e = lastError ?? new HangarError('INTERNAL', 'Provisioning failed');
    const final = refuse('CONFLICT', 'leases.err.gaveUp', { name: r.name, attempts, reason: e.message }, `${r.name}: no VM with a network address after ${attempts} attempt(s): ${e.message}`, { cause: e.toData() });
    await this.patch(id, (x) => (x.state === 'provisioning' ? { ...x, state: 'failed', endedAt: Date.now(), endReason: 'failed', error: final.toData() } : x));
    throw final;
  }

  /** A new host for a retry: placement among the pool's hosts, those tried already left out when another can take it. */
  private async replace(r: LeaseRecord, pool: LeasePool | null, signal: AbortSignal): Promise<{ hostId: string; hostName: string; storagePool: string }> {
    signal.throwIfAborted();
    if (!pool) throw refuse('NOT_FOUND', 'leases.err.noPool', { os: r.os }, `No pool for OS ${r.os}`);
    return this.serial(async () => {
      const hostIds = pool.baseImages.map((b) => b.hostId);
      const fresh = hostIds.filter((h) => !r.triedHostIds.includes(h));
      let placed: Placed | null = null;
      for (const only of fresh.length ? [fresh, hostIds] : [hostIds]) {
        try {
          placed = await this.d.placement.place({ memoryMiB: r.memoryMiB, vcpus: r.cpus, network: pool.network, onlyHostIds: only }, r.name);
          break;
        } catch (err) {
          if (only === hostIds) throw err;
        }
      }
      this.placed.set(r.id, placed!);
      const jobId = this.provisionJobs.get(r.id);
      if (jobId) await placed!.bind(jobId);
      const base = pool.baseImages.find((b) => b.hostId === placed!.host.id)!;
      return { hostId: placed!.host.id, hostName: placed!.host.name, storagePool: base.pool };
    });
  }

  /** One try: the VM made and started; its address, or null on timeout (the VM is deleted again either way but success). */
  private async attempt(r: LeaseRecord, pool: LeasePool | null, timeoutMs: number, ctx: JobContext): Promise<string | null> {
    const hostId = r.hostId!;
    const conn = await this.connected(hostId, ctx.signal);
    const host = this.host(hostId);
    const base = pool?.baseImages.find((b) => b.hostId === hostId);
    if (!base) throw refuse('NOT_FOUND', 'leases.err.hostNoBase', { os: r.os, hostId }, `${host.name} has no base image of ${r.os}`);
    const handles: ArtifactHandle[] = [];
    const journal = {
      artifact: async (spec: Parameters<JobContext['journal']['artifact']>[0]) => {
        const h = await ctx.journal.artifact(spec);
        handles.push(h);
        return h;
      },
    };
    const { handler } = createVmJob(
      {
        name: r.vmName ?? r.name,
        hostTags: [],
        affinityGroupIds: [],
        osProfile: 'linux',
        vcpus: r.cpus,
        memoryMiB: r.memoryMiB,
        firmware: 'bios',
        accel: 'auto',
        source: { kind: 'clone', base: { pool: base.pool, volume: base.volume }, mode: 'overlay' },
        diskPool: base.pool,
        // The overlay is as large as the base unless the pool asks for more.
        diskSizeGiB: pool?.diskGiB ?? 0.01,
        network: r.network,
        cloudInit: { hostname: r.name, user: r.guestUser, sshAuthorizedKeys: r.sshAuthorizedKeys },
        description: `Hangar lease ${r.name} (${r.os}) for ${r.username}`,
        labels: { 'hangar.lease': r.id, 'hangar.lease.os': r.os },
        start: true,
      },
      host,
      () => this.d.fleet.libvirt(hostId),
    );
    let made: { uuid: string };
    try {
      made = (await handler({ ...ctx, journal, progress: (p, step) => ctx.progress(p === null ? null : p * 0.3, step) })) as { uuid: string };
    } catch (err) {
      // create-vm rolled back what it made; what it could not is in its error.
      throw HangarError.from(err);
    }
    await this.patch(r.id, (x) => ({ ...x, vmUuid: made.uuid }));
    await this.d.inventory.refresh(hostId, made.uuid).catch(() => undefined);
    ctx.progress(0.3, { key: 'job.lease.waitAddress', args: { name: r.name } });
    let ip: string | null = null;
    try {
      const dom = await conn.domainLookupByUuid(made.uuid);
      ip = await waitForAddress(conn, dom, timeoutMs, ctx.signal, this.d.addressPollMs ?? 1000);
    } catch (err) {
      ip = null;
      if (!ctx.signal.aborted) this.d.logger.warn('leases: address wait failed', { lease: r.name, error: String(err) });
    }
    if (ip && !ctx.signal.aborted) return ip;
    // No address (or cancelled): the VM and its disks go now.
    const cur = this.leases.get(r.id) ?? r;
    await this.deleteVm({ ...cur, vmUuid: made.uuid });
    for (const h of handles) await h.removed().catch(() => undefined);
    await this.patch(r.id, (x) => ({ ...x, vmUuid: null }));
    if (ctx.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
    return null;
  }

  /** Deletes a lease's VM and its disks (overlay and seed): force off, undefine, delete volumes. Absent things are fine. */
  private async deleteVm(r: LeaseRecord): Promise<void> {
    if (!r.hostId) return;
    const conn = await this.connected(r.hostId, new AbortController().signal, 30_000);
    const vmName = r.vmName ?? r.name;
    let dom = null;
    try {
      dom = r.vmUuid ? await conn.domainLookupByUuid(r.vmUuid) : await conn.domainLookupByName(vmName);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (dom) {
      // Only a domain that is this lease's (by UUID, or by name with our label) is deleted.
      await conn.domainDestroy(dom, 0).catch((err: unknown) => {
        if (!/not running|not found/i.test(String((err as Error).message ?? err))) throw err;
      });
      await conn.domainUndefine(dom, UndefineFlag.MANAGED_SAVE | UndefineFlag.SNAPSHOTS_METADATA | UndefineFlag.NVRAM).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    if (r.storagePool) {
      const sp = await conn.storagePoolLookupByName(r.storagePool);
      for (const v of [diskVolume(vmName), seedVolume(vmName)]) {
        try {
          await conn.storageVolDelete(await conn.storageVolLookupByName(sp, v), 0);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    if (r.vmUuid) await this.d.inventory.refresh(r.hostId, r.vmUuid).catch(() => undefined);
  }

  /** Releases by id or name; `owner` limits to that owner's leases (another's is NOT_FOUND). */
  async release(input: z.input<typeof ReleaseLeasesParams>): Promise<{ jobId: string; leases: Lease[] }> {
    const p = ReleaseLeasesParams.parse(input);
    if (!p.ids?.length && !p.names?.length) throw refuse('INVALID_PARAMS', 'leases.err.releaseWhat', {}, 'Give the leases to release (ids or names)', { field: 'names' });
    const live = [...this.leases.values()].filter((l) => p.owner === undefined || l.owner === p.owner);
    const chosen: LeaseRecord[] = [];
    for (const id of p.ids ?? []) {
      const r = live.find((l) => l.id === id);
      if (!r) throw refuse('NOT_FOUND', 'leases.err.noLease', { id }, `No lease ${id}`);
      chosen.push(r);
    }
    for (const n of p.names ?? []) {
      const r = live.find((l) => l.name === n);
      if (!r) throw refuse('NOT_FOUND', 'leases.err.noLeaseNamed', { name: n }, `No lease named ${n}`);
      if (!chosen.includes(r)) chosen.push(r);
    }
    return this.releaseRecords(chosen, 'released');
  }

  private async releaseRecords(chosen: LeaseRecord[], reason: 'released' | 'expired'): Promise<{ jobId: string; leases: Lease[] }> {
    const now = Date.now();
    const marked: LeaseRecord[] = [];
    for (const r of chosen) {
      const next = await this.patch(r.id, (x) => (x.state === 'releasing' ? x : { ...x, state: 'releasing', deletingAt: now, endReason: reason }));
      if (next) marked.push(next);
    }
    for (const m of marked) this.deleting.add(m.id);
    const ref = await this.d.jobs.start(
      { kind: 'lease.release', title: { key: reason === 'expired' ? 'job.lease.expire' : 'job.lease.release', args: { names: marked.map((m) => m.name).join(', '), count: marked.length } }, cancellable: false },
      async (ctx) => {
        const out = await this.deleteNow(marked, reason, null, ctx);
        return { leases: out };
      },
    );
    return { jobId: ref.jobId, leases: marked.map(publicLease) };
  }

  /**
   * Deletes the leases' VMs and disks in parallel; a provisioning one has its job cancelled first
   * (it deletes what it made). Each lease ends released/expired, or failed for a provisioning failure.
   */
  private async deleteNow(rs: LeaseRecord[], reason: 'released' | 'expired' | 'failed', error: HangarError | null, ctx?: JobContext): Promise<Lease[]> {
    let done = 0;
    const failures: string[] = [];
    const out = await Promise.all(
      rs.map(async (r0) => {
        this.deleting.add(r0.id);
        try {
          return await this.deleteOne(r0, reason, error, failures, () => ctx?.progress(++done / rs.length));
        } finally {
          this.deleting.delete(r0.id);
        }
      }),
    );
    if (failures.length) throw new HangarError('LIBVIRT_ERROR', `Some leases could not be deleted (they stay, and are tried again): ${failures.join('; ')}`);
    return out;
  }

  private async deleteOne(r0: LeaseRecord, reason: 'released' | 'expired' | 'failed', error: HangarError | null, failures: string[], step: () => void): Promise<Lease> {
        const deletingAt = r0.deletingAt ?? Date.now();
        if (r0.state !== 'releasing') await this.patch(r0.id, (x) => ({ ...x, state: 'releasing', deletingAt, endReason: reason }));
        const job = this.provisionJobs.get(r0.id);
        if (job && !FINAL_JOB_STATES.includes(this.d.jobs.jobs.get(job)?.state ?? 'succeeded')) {
          await this.d.jobs.cancel(job).catch(() => undefined);
          await this.d.jobs.finished(job).catch(() => undefined);
        }
        const r = this.leases.get(r0.id) ?? r0;
        try {
          await this.deleteVm(r);
        } catch (err) {
          failures.push(`${r.name}: ${HangarError.from(err).message}`);
          // Still releasing: the reaper tries again.
          return publicLease(this.leases.get(r.id) ?? r);
        }
        const state = reason === 'failed' ? 'failed' : reason === 'expired' ? 'expired' : 'released';
        const ended = await this.patch(r.id, (x) => ({ ...x, state, endedAt: Date.now(), endReason: reason, ...(error ? { error: error.toData() } : {}) }));
        step();
        return publicLease(ended!);
  }

  /** Waits until each lease is ready; fails with its error when one fails or ends. */
  waitReady(leaseIds: string[], signal?: AbortSignal): Promise<Lease[]> {
    return new Promise<Lease[]>((resolve, reject) => {
      const check = async (): Promise<boolean> => {
        const all = await Promise.all(leaseIds.map((id) => this.getAny(id).catch(() => null)));
        const missing = all.findIndex((l) => !l);
        if (missing >= 0) {
          reject(refuse('NOT_FOUND', 'leases.err.noLease', { id: leaseIds[missing]! }, `No lease ${leaseIds[missing]}`));
          return true;
        }
        const leases = all as Lease[];
        const bad = leases.find((l) => l.state !== 'ready' && l.state !== 'provisioning');
        if (bad) {
          reject(bad.error ? HangarError.fromData(bad.error) : refuse('CONFLICT', 'leases.err.ended', { name: bad.name, state: bad.state }, `${bad.name} is ${bad.state}`));
          return true;
        }
        if (leases.every((l) => l.state === 'ready')) {
          resolve(leases);
          return true;
        }
        return false;
      };
      let off = () => {};
      let busy = false;
      const onAbort = () => {
        off();
        reject(new HangarError('CANCELLED', 'Cancelled'));
      };
      const recheck = () => {
        if (busy) return;
        busy = true;
        void check()
          .then((finished) => {
            busy = false;
            if (finished) {
              off();
              signal?.removeEventListener('abort', onAbort);
            }
          })
          .catch(() => (busy = false));
      };
      off = this.onChange((l) => {
        if (leaseIds.includes(l.id)) recheck();
      });
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      recheck();
      // A change that landed while a check ran is seen by this slower look.
      const t = setInterval(recheck, 2000);
      const prevOff = off;
      off = () => {
        prevOff();
        clearInterval(t);
      };
    });
  }

  /** Releases every expired lease whose host is connected (the others wait for the next sweep). */
  async reap(): Promise<number> {
    const now = Date.now();
    const reachable = (l: LeaseRecord) => !l.hostId || this.d.fleet.hosts.get(l.hostId)?.state === 'connected';
    const due = [...this.leases.values()].filter((l) => l.expiresAt <= now && (l.state === 'ready' || l.state === 'provisioning') && reachable(l));
    // A release a stopped engine did not finish (or that failed on the host) is done again.
    const stuck = [...this.leases.values()].filter((l) => l.state === 'releasing' && !this.deleting.has(l.id) && reachable(l));
    // Provisioning whose job is over (a job that could not resume): deleted, and the lease failed, not left hanging.
    const jobOver = (id: string | null) => !id || FINAL_JOB_STATES.includes(this.d.jobs.jobs.get(id)?.state ?? 'interrupted');
    const orphans = [...this.leases.values()].filter((l) => l.state === 'provisioning' && !due.includes(l) && jobOver(l.jobId) && jobOver(this.provisionJobs.get(l.id) ?? null) && reachable(l));
    if (orphans.length) {
      this.d.logger.warn('leases: provisioning left by a job that ended', { names: orphans.map((o) => o.name) });
      await this.deleteNow(orphans, 'failed', new HangarError('CANCELLED', 'Its provisioning task ended before the VM was ready')).catch(() => undefined);
    }
    if (due.length) {
      this.d.logger.info('leases: reaping expired', { names: due.map((d) => d.name) });
      await this.releaseRecords(due, 'expired');
    }
    for (const reason of ['released', 'expired'] as const) {
      const again = stuck.filter((l) => (l.endReason ?? 'released') === reason);
      if (again.length) await this.releaseRecords(again, reason);
    }
    return due.length + stuck.length;
  }
}

/** Free bytes of a storage pool on the host; null when it cannot tell. */
async function freeDisk(conn: LibvirtConnection, pool: string): Promise<number | null> {
  try {
    const info = await conn.storagePoolGetInfo(await conn.storagePoolLookupByName(pool));
    return info.available;
  } catch {
    return null;
  }
}

/**
 * Free DHCP addresses of a network on the host: the size of its IPv4 ranges less its unexpired
 * leases; null when it has no DHCP range (nothing to count: not a limit) or cannot be read.
 */
async function freeAddresses(conn: LibvirtConnection, network: string): Promise<number | null> {
  try {
    const net = await conn.networkLookupByName(network);
    const info = readNetworkXml(await conn.networkGetXmlDesc(net, 0));
    const size = dhcpRangeSize(info.ips.filter((i) => i.family === 'ipv4').flatMap((i) => i.dhcpRanges));
    if (size === 0) return null;
    const leases = await conn.networkGetDhcpLeases(net);
    const used = [...leasesByMac(leases, Date.now() / 1000).values()].flat().filter((ip) => !ip.includes(':')).length;
    return Math.max(0, size - used);
  } catch {
    return null;
  }
}

