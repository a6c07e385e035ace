import { z } from 'zod';
import { EngineInfo } from './engine-info';
import { EnginePerf } from './engine-perf';
import { AddHostParams, Host, HostFacts, HostId, HostTarget, ReplaceHostKeyParams, UpdateHostParams } from './hosts';
import { AddDiskParams, AddNicParams, CreateVmParams, DetachParams, ResizeDiskParams, SetLinkParams, SetMediaParams, DefineXmlParams, DeleteVmParams, UpdateVmParams, Vm, VmAction, VmDetails, VmId } from './vms';
import { ConsoleInfo, ConsoleKind, ConsoleTicket, ConsoleThumbnail, OpenConsoleParams, SshCommand } from './console';
import { HistoryEvent } from './events-history';
import { Job, JobId, JobRef, JobState, JobTarget } from './jobs';
import { Settings } from './settings';
import { Alert, BundleDomain, BundleFile, BundleId, BundleSummary, Finding, GatherParams, HealthCheck, LogMatch } from './diagnostics';
import { AffinityGroup, AffinityGroupId, AffinityMemberParams, CreateAffinityGroupParams, HostCapacity, HostPlacementSettings, PlacementOutcome, UpdateAffinityGroupParams } from './placement';
import { EnterMaintenanceParams, HostMaintenance, MaintenancePlan, MaintenancePlanParams, MigrateParams, MigrateResult, MigrationCheck } from './migration';
import { CreatePoolParams, CreateVolumeParams, Pool, PoolActionParams, ResizeVolumeParams, Volume, VolumeRef } from './storage';
import { CreateNetworkParams, DhcpLeaseInfo, Network, NetworkAction, NetworkName } from './networks';
import { CloneResult, CloneStarted, CloneVmParams } from './clone';
import { CreateSnapshotParams, DeleteSnapshotParams, SnapshotJobResult, SnapshotList, SnapshotTarget } from './snapshots';
import { AdoptVolumeParams, CopyToHostParams, DeleteCopyParams, LibraryItem, LibraryItemId, OsEntry, RegisterFromVmParams, UploadItemParams } from './library';
import { MetricsQueryParams, MetricsQueryResult, TopConsumersParams, TopConsumersResult } from './metrics';
import { DownloadBeginParams, DownloadResult, TransferJobParams, TransferTicket, UploadBeginParams, UploadResult } from './transfer';
import { AcquireLeasesParams, AcquireLeasesResult, CreateLeasePoolParams, ExtendLeaseParams, ImportIniParams, ImportIniResult, Lease, LeaseHistoryParams, LeaseHistoryRecord, LeaseId, LeasePool, ListLeasesParams, PoolCapacity, PoolOs, ReleaseLeasesParams, UpdateLeasePoolParams } from './pools';
import { ApiToken, ApiTokenId, CreateApiTokenParams, CreatedApiToken } from './api-tokens';

/**
 * Every method of the engine. `job: true` marks a mutating method: it returns a JobRef at once
 * and reports through `job.updated`; its result (when it has one) is the finished job's `result`.
 * Every method that changes a host or a VM is a job, so it takes the target's lock (DESIGN §2).
 * The exceptions answer directly, each for the reason given beside it. `jobResult`: the schema of
 * the finished job's result, where a caller uses it.
 */
export const methods = {
  'engine.info': { params: z.object({}).strict(), result: EngineInfo, job: false },
  'engine.selfTest': {
    params: z
      .object({
        steps: z.number().int().min(1).max(100).default(5),
        stepMs: z.number().int().min(0).max(60_000).default(400),
        /** Makes the job fail at this step: exercises the failure path end to end. */
        failAtStep: z.number().int().min(1).max(100).optional(),
        /** The resumable kind: it persists each step and an engine restart continues it. */
        resumable: z.boolean().default(false),
        /** A parent of this many child self-tests, whose progress is theirs. */
        children: z.number().int().min(0).max(20).default(0),
        /** Takes this target's lock as a mutating job would (it changes nothing): a second waits. */
        target: JobTarget.optional(),
      })
      .strict(),
    result: JobRef,
    job: true,
  },
  'jobs.list': {
    params: z
      .object({
        limit: z.number().int().min(1).max(1000).default(200),
        states: z.array(JobState).optional(),
      })
      .strict(),
    result: z.object({ jobs: z.array(Job) }),
    job: false,
  },
  'jobs.get': { params: z.object({ jobId: JobId }).strict(), result: Job, job: false },
  'jobs.cancel': { params: z.object({ jobId: JobId }).strict(), result: Job, job: false },
  /** Deletes what a failed or interrupted job left on hosts (its journalled artifacts), as a job. */
  'jobs.cleanup': { params: z.object({ jobId: JobId }).strict(), result: JobRef, job: true },
  /** Keeps what a failed or interrupted job left: the leftovers are no longer reported. */
  'jobs.keep': { params: z.object({ jobId: JobId }).strict(), result: Job, job: false },
  'settings.get': { params: z.object({}).strict(), result: Settings, job: false },
  /**
   * Not a job: the engine's own preferences, changed in one SQLite write on this machine; no host
   * is touched, so there is nothing to lock, wait for or cancel.
   */
  'settings.update': { params: Settings.partial().strict(), result: Settings, job: false },

  'hosts.list': { params: z.object({}).strict(), result: z.object({ hosts: z.array(Host) }), job: false },
  /**
   * The connection test: reaches the host and reports what it found; changes nothing. Not a job:
   * it is one half of the fingerprint dialogue (HOST_KEY_UNKNOWN carries the fingerprint the
   * person confirms in the same form), which needs the answer in the request.
   */
  'hosts.test': { params: HostTarget, result: HostFacts, job: false },
  /**
   * Tests, then adds and connects. HOST_KEY_UNKNOWN carries the fingerprint to confirm. Not a job,
   * for the same fingerprint dialogue as hosts.test: the form asks, and asks again with the key.
   */
  'hosts.add': { params: AddHostParams, result: Host, job: false },
  /** Job result: Host. */
  'hosts.update': { params: UpdateHostParams, result: JobRef, job: true, jobResult: Host },
  /** Job result: Host. */
  'hosts.connect': { params: z.object({ hostId: HostId }).strict(), result: JobRef, job: true, jobResult: Host },
  /** Job result: Host. */
  'hosts.disconnect': { params: z.object({ hostId: HostId }).strict(), result: JobRef, job: true, jobResult: Host },
  /** Refused while tasks run on the host. Job result: {removed: true}. */
  'hosts.remove': { params: z.object({ hostId: HostId }).strict(), result: JobRef, job: true, jobResult: z.object({ removed: z.literal(true) }) },
  /** Probes an unreachable host now instead of at its next planned try. Job result: Host. */
  'hosts.retry': { params: z.object({ hostId: HostId }).strict(), result: JobRef, job: true, jobResult: Host },
  /** After review: trusts the host's new SSH key in place of the pinned one (both fingerprints as shown). Job result: Host. */
  'hosts.replaceKey': { params: ReplaceHostKeyParams, result: JobRef, job: true, jobResult: Host },

  'vms.list': { params: z.object({ hostId: HostId.optional() }).strict(), result: z.object({ vms: z.array(Vm) }), job: false },
  /** One job per VM, so each shows its own progress and outcome. */
  'vms.action': {
    params: z.object({ vmIds: z.array(VmId).min(1).max(1000), action: VmAction }).strict(),
    result: z.object({ jobs: z.array(JobRef) }),
    job: true,
  },
  'storage.volumes': {
    params: z.object({ hostId: HostId, pool: z.string().min(1).max(255) }).strict(),
    result: z.object({ volumes: z.array(Volume) }),
    job: false,
  },
  // --- storage pools, volumes and networks (issue 17, branch storage-net) ---
  /** The pools collection, one host or all. */
  'storage.pools': { params: z.object({ hostId: HostId.optional() }).strict(), result: z.object({ pools: z.array(Pool) }), job: false },
  /** Defines, builds and starts a pool. Job result: Pool. */
  'storage.createPool': { params: CreatePoolParams, result: JobRef, job: true, jobResult: Pool },
  /** Stop and delete are refused (CONFLICT, the VMs named) while any VM definition uses the pool. */
  'storage.poolAction': { params: PoolActionParams, result: JobRef, job: true, jobResult: Pool.nullable() },
  /** With who uses each volume (VM definitions, overlays): a volume nobody uses is an orphan. */
  'storage.volumesUsage': { params: z.object({ hostId: HostId, pool: z.string().min(1).max(255) }).strict(), result: z.object({ volumes: z.array(Volume) }), job: false },
  'storage.createVolume': { params: CreateVolumeParams, result: JobRef, job: true, jobResult: Volume },
  /** Grows only: a smaller size is refused before any job. */
  'storage.resizeVolume': { params: ResizeVolumeParams, result: JobRef, job: true, jobResult: Volume },
  'storage.wipeVolume': { params: VolumeRef, result: JobRef, job: true, jobResult: z.null() },
  'storage.deleteVolume': { params: VolumeRef, result: JobRef, job: true, jobResult: z.null() },
  'networks.list': { params: z.object({ hostId: HostId.optional() }).strict(), result: z.object({ networks: z.array(Network) }), job: false },
  /** Overlapping subnets and a DHCP range outside the subnet are refused (INVALID_PARAMS at the field) before any job. Job result: Network. */
  'networks.create': { params: CreateNetworkParams, result: JobRef, job: true, jobResult: Network },
  'networks.action': { params: z.object({ hostId: HostId, network: NetworkName, action: NetworkAction }).strict(), result: JobRef, job: true, jobResult: Network.nullable() },
  /** The network's DHCP leases now (virNetworkGetDHCPLeases). */
  'networks.leases': { params: z.object({ hostId: HostId, network: NetworkName }).strict(), result: z.object({ leases: z.array(DhcpLeaseInfo) }), job: false },
  /** The persisted history of one host or one VM (newest first). */
  'events.list': {
    params: z.object({ hostId: HostId.optional(), vmId: VmId.optional(), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    result: z.object({ events: z.array(HistoryEvent) }),
    job: false,
  },
  'vms.get': { params: z.object({ vmId: VmId }).strict(), result: VmDetails, job: false },
  /** Checked before the job starts: a bad name, a taken name or too much memory is refused at once. */
  'vms.create': { params: CreateVmParams, result: JobRef.extend({ placement: PlacementOutcome.optional() }), job: true },
  'vms.delete': { params: DeleteVmParams, result: JobRef, job: true },
  /** Persistent configuration; memory and vCPUs only while stopped. The VM edits below are jobs whose result is VmDetails. */
  'vms.update': { params: UpdateVmParams, result: JobRef, job: true, jobResult: VmDetails },
  'vms.addNic': { params: AddNicParams, result: JobRef, job: true, jobResult: VmDetails },
  'vms.addDisk': { params: AddDiskParams, result: JobRef, job: true, jobResult: VmDetails },
  /** Removes a disk (by target) or a NIC (by MAC) from the configuration (and live, if asked). */
  'vms.detach': { params: DetachParams, result: JobRef, job: true, jobResult: VmDetails },
  /** Grows a disk: live on a running VM, the volume itself on a stopped one. */
  'vms.resizeDisk': { params: ResizeDiskParams, result: JobRef, job: true, jobResult: VmDetails },
  'vms.setMedia': { params: SetMediaParams, result: JobRef, job: true, jobResult: VmDetails },
  'vms.setLink': { params: SetLinkParams, result: JobRef, job: true, jobResult: VmDetails },
  /** Saves edited domain XML; libvirt validates it against its schema and its error is shown as is. */
  'vms.defineXml': { params: DefineXmlParams, result: JobRef, job: true, jobResult: VmDetails },

  /**
   * A full or linked clone (contract/clone.ts). Refusals that change nothing come back at once: a
   * running source for a full clone without `newSnapshot`, a linked clone on a disk a VM writes to,
   * a taken name, no host that reaches the source's disks.
   */
  'vms.clone': { params: CloneVmParams, result: CloneStarted, job: true, jobResult: CloneResult },

  /** Pre-flight of a move: what blocks the VM, and which hosts can take it or why not. Changes nothing. */
  'vms.migrateCheck': { params: MigrateParams, result: MigrationCheck, job: false },
  /**
   * Live migration of a running VM (client-managed flow: Hangar carries the daemons' handshake, so
   * hosts need not trust each other), or an offline move of a stopped one. Pre-flight refusals come
   * back at once, before any job. The job's `migration` field carries libvirt's job stats.
   */
  'vms.migrate': { params: MigrateParams, result: JobRef.extend({ placement: PlacementOutcome.optional() }), job: true, jobResult: MigrateResult },
  /**
   * Not a job: changes the bandwidth limit of a migration already running (its job holds the VM's
   * lock; this tunes that job, as jobs.cancel does). MiB/s, 0 = unlimited.
   */
  'vms.migrateSetSpeed': { params: z.object({ jobId: JobId, bandwidthMiBs: z.number().int().min(0).max(100_000) }).strict(), result: z.object({ bandwidthMiBs: z.number() }), job: false },
  /** The host's maintenance state, plan and evacuation job. */
  'hosts.maintenance': { params: z.object({ hostId: HostId }).strict(), result: HostMaintenance, job: false },
  /** What entering maintenance would do, VM by VM, and what cannot leave and why. Changes nothing. */
  'hosts.maintenancePlan': { params: MaintenancePlanParams, result: MaintenancePlan, job: false },
  /** Enters maintenance: no new placements or incoming migrations, then the evacuation (a resumable parent job of the moves). */
  'hosts.enterMaintenance': { params: EnterMaintenanceParams, result: JobRef, job: true, jobResult: HostMaintenance },
  /** Leaves maintenance; moves nothing back. A running evacuation is cancelled (what has moved stays moved). */
  'hosts.exitMaintenance': { params: z.object({ hostId: HostId }).strict(), result: JobRef, job: true, jobResult: HostMaintenance },

  // --- snapshots (issue 16) ---
  /** The VM's snapshots in tree order (libvirt's, including those made outside Hangar), and what each disk allows. */
  'snapshots.list': { params: z.object({ vmId: VmId }).strict(), result: SnapshotList, job: false },
  /** Refused at once: memory of a stopped VM, a raw or block disk, the maximum per VM reached, a taken name. */
  'snapshots.create': { params: CreateSnapshotParams, result: JobRef, job: true, jobResult: SnapshotJobResult },
  /** The VM returns to the snapshot; a memory snapshot of a running VM resumes running. Children stay. */
  'snapshots.revert': { params: SnapshotTarget, result: JobRef, job: true, jobResult: SnapshotJobResult },
  /** One snapshot (its children move to its parent) or its subtree; an external one is committed back (a block job). */
  'snapshots.delete': { params: DeleteSnapshotParams, result: JobRef, job: true, jobResult: SnapshotJobResult },

  /** What consoles a VM has and which are open. */
  'console.info': { params: z.object({ vmId: VmId }).strict(), result: ConsoleInfo, job: false },
  /**
   * Opens the VM's console on the host (SSH forward or libvirt stream) and returns a single-use
   * ticket for the console socket. CONFLICT when it is open elsewhere and `takeOver` is not set.
   */
  'console.open': { params: OpenConsoleParams, result: ConsoleTicket, job: false },
  /** The VM's screen now, through libvirt's screenshot (no console connection): CONFLICT when it is not running. */
  'console.thumbnail': { params: z.object({ vmId: VmId }).strict(), result: ConsoleThumbnail, job: false },
  /** Closes the VM's console bridge of that kind; with `ticket`, only the one that ticket still waits for. */
  'console.close': { params: z.object({ vmId: VmId, kind: ConsoleKind, ticket: z.string().max(128).optional() }).strict(), result: z.object({ closed: z.boolean() }), job: false },
  /** An `ssh` command line for the VM's address (guest agent or DHCP lease), through the host when needed. */
  'vms.sshCommand': { params: z.object({ vmId: VmId }).strict(), result: SshCommand, job: false },
  /** Must-gather: a job writing one .tar.gz on the engine's machine; result: GatherResult. */
  'diagnostics.gather': { params: GatherParams, result: JobRef, job: true },
  /** Bundles Hangar wrote (DATA_DIR/bundles), newest first. */
  'diagnostics.listBundles': {
    params: z.object({}).strict(),
    result: z.object({ bundles: z.array(z.object({ path: z.string(), name: z.string(), bytes: z.number(), createdAt: z.number() })) }),
    job: false,
  },
  /** Opens a bundle file (a path on the engine's machine) offline; health checks are recomputed from it. */
  'diagnostics.openBundle': { params: z.object({ path: z.string().min(1).max(4096) }).strict(), result: BundleSummary, job: false },
  'diagnostics.bundleTree': { params: z.object({ bundleId: BundleId }).strict(), result: z.object({ files: z.array(BundleFile) }), job: false },
  'diagnostics.bundleFile': {
    params: z.object({ bundleId: BundleId, path: z.string().min(1).max(4096) }).strict(),
    result: z.object({ content: z.string(), truncated: z.boolean(), binary: z.boolean() }),
    job: false,
  },
  /** Log search across hosts: plain text, case-insensitive; `from`/`to` are epoch ms. */
  'diagnostics.searchLogs': {
    params: z
      .object({ bundleId: BundleId, query: z.string().max(500), from: z.number().optional(), to: z.number().optional(), hosts: z.array(z.string()).max(200).optional(), limit: z.number().int().min(1).max(5000).default(500) })
      .strict(),
    result: z.object({ matches: z.array(LogMatch), truncated: z.boolean() }),
    job: false,
  },
  'diagnostics.bundleDomains': { params: z.object({ bundleId: BundleId }).strict(), result: z.object({ domains: z.array(BundleDomain) }), job: false },
  'diagnostics.closeBundle': { params: z.object({ bundleId: BundleId }).strict(), result: z.object({ closed: z.literal(true) }), job: false },
  /** The health-check catalogue (resources/health-checks.json), texts in English and Korean. */
  'health.catalogue': { params: z.object({}).strict(), result: z.object({ checks: z.array(HealthCheck) }), job: false },
  /** Runs every check now on live data; the alerts collection follows. */
  'health.run': { params: z.object({}).strict(), result: z.object({ findings: z.array(Finding) }), job: false },
  'alerts.list': {
    params: z.object({ hostId: z.string().optional(), vmId: z.string().optional() }).strict(),
    result: z.object({ alerts: z.array(Alert) }),
    job: false,
  },
  // --- metrics (issue 8) ---
  /** A chart's data: the resolution follows the range (raw ≤ 3 h, 1 min ≤ 2 days, else 1 h). */
  'metrics.query': { params: MetricsQueryParams, result: MetricsQueryResult, job: false },
  /** VMs ranked by a metric averaged over the period. */
  'metrics.top': { params: TopConsumersParams, result: TopConsumersResult, job: false },
  // --- placement: quick SQLite changes, answered directly like settings.update ---
  /** Every host's memory and vCPUs as placement counts them (physical × ratio − reserve − committed − reserved). */
  'placement.capacity': { params: z.object({}).strict(), result: z.object({ hosts: z.array(HostCapacity) }), job: false },
  /** A host's overcommit ratios, memory reserve and taints. */
  'placement.setHostSettings': { params: HostPlacementSettings.partial().required({ hostId: true }).strict(), result: HostPlacementSettings, job: false },
  'placement.groups.list': { params: z.object({}).strict(), result: z.object({ groups: z.array(AffinityGroup) }), job: false },
  'placement.groups.create': { params: CreateAffinityGroupParams, result: AffinityGroup, job: false },
  'placement.groups.update': { params: UpdateAffinityGroupParams, result: AffinityGroup, job: false },
  /** Members are let go and keep running where they are (seed 000 L329). */
  'placement.groups.delete': { params: z.object({ groupId: AffinityGroupId }).strict(), result: z.object({ deleted: z.literal(true) }), job: false },
  /** The rule applies from the VM's next placement (start, move); it does not move the VM now. */
  'placement.groups.addVm': { params: AffinityMemberParams, result: AffinityGroup, job: false },
  'placement.groups.removeVm': { params: AffinityMemberParams, result: AffinityGroup, job: false },
  // --- library: templates and ISOs (issue 17, engine/library) ---
  /** Every item with its copies per host and where it is Ready (the `library` topic has the same, live). */
  'library.list': { params: z.object({}).strict(), result: z.object({ items: z.array(LibraryItem) }), job: false },
  /** The OS types: device defaults, firmware, minimum sizes and libosinfo ids. */
  'library.osCatalogue': { params: z.object({}).strict(), result: z.object({ entries: z.array(OsEntry) }), job: false },
  /** A template from a stopped VM's root disk (a running one is refused at once); listed at once, usable once Ready. */
  'library.registerFromVm': { params: RegisterFromVmParams, result: JobRef.extend({ itemId: LibraryItemId }), job: true, jobResult: z.object({ itemId: LibraryItemId, sha256: z.string() }) },
  /** Takes a volume a host already has (an ISO in the shared pool…) into the library; Ready once hashed there. */
  'library.adopt': { params: AdoptVolumeParams, result: JobRef.extend({ itemId: LibraryItemId }), job: true, jobResult: z.object({ itemId: LibraryItemId, sha256: z.string() }) },
  /**
   * A new item from a file on the person's machine: answers the upload's ticket at once (the bytes
   * go to its URL, contract/transfer.ts); the item shows Uploading n%, Verifying, then Ready.
   */
  'library.upload': { params: UploadItemParams, result: z.object({ itemId: LibraryItemId, jobId: JobId, ticket: TransferTicket.nullable() }), job: true },
  /** Copies an item to another host through the engine (its download as a volume.upload's stream source), sha256 checked on the target. */
  'library.copyToHost': { params: CopyToHostParams, result: JobRef, job: true, jobResult: UploadResult },
  /** Deletes one host's copy; the others stay. Refused, naming them, while linked clones use it. */
  'library.deleteCopy': { params: DeleteCopyParams, result: JobRef, job: true, jobResult: z.null() },
  /** Deletes the item and all its copies. Refused, naming them, while linked clones use any copy. */
  'library.delete': { params: z.object({ itemId: LibraryItemId }).strict(), result: JobRef, job: true, jobResult: z.object({ leftBehind: z.array(z.string()) }) },
  // --- volume upload/download (issue 17, branch upload; engine/storage/transfer) ---
  /** Checks free space, creates the volume and starts a `volume.upload` job that waits for the PUT. Job result: UploadResult. */
  'storage.uploadBegin': { params: UploadBeginParams, result: TransferTicket, job: true, jobResult: UploadResult },
  /** After a broken link: a new ticket and the offset the host verified (the body starts there). */
  'storage.uploadResume': { params: TransferJobParams, result: TransferTicket, job: false },
  /** Ends the upload and deletes its volume (a job's cancel does the same). */
  'storage.uploadCancel': { params: TransferJobParams, result: z.object({ cancelled: z.boolean() }), job: false },
  /** A `volume.download` job and a ticket to GET the volume's bytes. Job result: DownloadResult. */
  'storage.downloadBegin': { params: DownloadBeginParams, result: TransferTicket, job: true, jobResult: DownloadResult },
  /** The engine thread's event-loop delay and the engine's memory (Diagnostics, live): reads only. */
  'engine.perf': { params: z.object({}).strict(), result: EnginePerf, job: false },
  // --- disposable VM pools and leases (issue 18, branch leases; contract/pools.ts) ---
  /** Pool edits are SQLite changes, answered directly like settings.update; they take effect at once. */
  'pools.list': { params: z.object({}).strict(), result: z.object({ pools: z.array(LeasePool) }), job: false },
  'pools.create': { params: CreateLeasePoolParams, result: LeasePool, job: false },
  'pools.update': { params: UpdateLeasePoolParams, result: LeasePool, job: false },
  /** Refused (CONFLICT, the leases named) while leases of the pool live; its spares are deleted in the background. */
  'pools.delete': { params: z.object({ os: PoolOs }).strict(), result: z.object({ deleted: z.literal(true) }), job: false },
  /** The seed's `.dynvmservice.ini`: [xenhostN] sections mapped to hosts by address, `<os>.template=` lines as base images. */
  'pools.importIni': { params: ImportIniParams, result: ImportIniResult, job: false },
  /** How many leases the pool can give now, host by host and what bounds each. */
  'pools.capacity': { params: z.object({ os: PoolOs }).strict(), result: PoolCapacity, job: false },
  /**
   * Leases `count` VMs: answered at once with the leases (provisioning, or ready from spares) and
   * the provisioning job; its result is every lease ready, or the error after the retries (nothing
   * left behind). Refused at once: unknown OS, expiry above the pool's maximum, no capacity.
   */
  'leases.acquire': { params: AcquireLeasesParams, result: AcquireLeasesResult, job: true, jobResult: z.object({ leases: z.array(Lease) }) },
  'leases.list': { params: ListLeasesParams, result: z.object({ leases: z.array(Lease) }), job: false },
  'leases.get': { params: z.object({ id: LeaseId, owner: z.string().max(128).optional() }).strict(), result: Lease, job: false },
  /** Deletes the VMs and their disks at once (a job); answered with the leases now releasing. */
  'leases.release': { params: ReleaseLeasesParams, result: JobRef.extend({ leases: z.array(Lease) }), job: true, jobResult: z.object({ leases: z.array(Lease) }) },
  /** Not a job: moves the expiry stored in SQLite (the reaper reads it). */
  'leases.extend': { params: ExtendLeaseParams, result: Lease, job: false },
  /** The seed's history records, newest first. */
  'leases.history': { params: LeaseHistoryParams, result: z.object({ records: z.array(LeaseHistoryRecord) }), job: false },
  // --- pools REST API tokens (issue 18, poolapi): one SQLite write on this machine, answered directly ---
  'apiTokens.list': { params: z.object({}).strict(), result: z.object({ tokens: z.array(ApiToken) }), job: false },
  /** The secret is in this answer only; the engine keeps its SHA-256. */
  'apiTokens.create': { params: CreateApiTokenParams, result: CreatedApiToken, job: false },
  'apiTokens.revoke': { params: z.object({ id: ApiTokenId }).strict(), result: z.object({ revoked: z.literal(true) }), job: false },
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type MethodParams<M extends MethodName> = z.input<Methods[M]['params']>;
export type MethodParamsParsed<M extends MethodName> = z.output<Methods[M]['params']>;
export type MethodResult<M extends MethodName> = z.output<Methods[M]['result']>;

/** The methods whose job ends with a typed result (`jobResult`), and that result. */
export type JobMethodName = { [M in MethodName]: Methods[M] extends { jobResult: z.ZodTypeAny } ? M : never }[MethodName];
export type JobResult<M extends JobMethodName> = Methods[M] extends { jobResult: infer S extends z.ZodTypeAny } ? z.output<S> : never;

export function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
