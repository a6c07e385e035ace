/**
 * Public libvirt enum and flag values (libvirt-domain.h and friends) that Hangar passes or reads.
 * Only the values in use are listed; each group keeps libvirt's names.
 */

/** virDomainState */
export const DomainState = {
  NOSTATE: 0,
  RUNNING: 1,
  BLOCKED: 2,
  PAUSED: 3,
  SHUTDOWN: 4, // being shut down
  SHUTOFF: 5,
  CRASHED: 6,
  PMSUSPENDED: 7,
} as const;

/** The domain filters both listing calls share: libvirt defines VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE… as VIR_CONNECT_LIST_DOMAINS_ACTIVE… */
const DomainFilter = {
  ACTIVE: 1 << 0,
  INACTIVE: 1 << 1,
  PERSISTENT: 1 << 2,
  TRANSIENT: 1 << 3,
  RUNNING: 1 << 4,
  PAUSED: 1 << 5,
  SHUTOFF: 1 << 6,
  OTHER: 1 << 7,
} as const;

/** virConnectListAllDomainsFlags (0 = all) */
export const ListDomainsFlag = {
  ...DomainFilter,
  MANAGEDSAVE: 1 << 8,
  NO_MANAGEDSAVE: 1 << 9,
  AUTOSTART: 1 << 10,
  NO_AUTOSTART: 1 << 11,
  HAS_SNAPSHOT: 1 << 12,
  NO_SNAPSHOT: 1 << 13,
} as const;

/** virDomainXMLFlags */
export const DomainXmlFlag = { SECURE: 1, INACTIVE: 2, UPDATE_CPU: 4, MIGRATABLE: 8 } as const;

/** virDomainStatsTypes (the `stats` argument of getAllDomainStats; 0 = everything) */
export const DomainStatsType = {
  STATE: 1 << 0,
  CPU_TOTAL: 1 << 1,
  BALLOON: 1 << 2,
  VCPU: 1 << 3,
  INTERFACE: 1 << 4,
  BLOCK: 1 << 5,
  PERF: 1 << 6,
  IOTHREAD: 1 << 7,
  MEMORY: 1 << 8,
  DIRTYRATE: 1 << 9,
  VM: 1 << 10,
} as const;

/** virConnectGetAllDomainStatsFlags */
export const GetAllDomainStatsFlag = {
  ...DomainFilter,
  NOWAIT: 1 << 29, // skip domains whose monitor is busy instead of waiting
  BACKING: 1 << 30,
  ENFORCE_STATS: 2 ** 31,
} as const;

/** virDomainUndefineFlagsValues */
export const UndefineFlag = {
  MANAGED_SAVE: 1,
  SNAPSHOTS_METADATA: 2,
  NVRAM: 4,
  KEEP_NVRAM: 8,
  CHECKPOINTS_METADATA: 16,
} as const;

/** virDomainShutdownFlagValues (0 = hypervisor's choice) */
export const ShutdownFlag = { ACPI_POWER_BTN: 1, GUEST_AGENT: 2, INITCTL: 4, SIGNAL: 8, PARAVIRT: 16 } as const;

/** virDomainDestroyFlagsValues */
export const DestroyFlag = { GRACEFUL: 1 } as const;

/** virDomainConsoleFlags */
export const ConsoleFlag = { FORCE: 1, SAFE: 2 } as const;

/** virDomainDefineFlags */
export const DefineFlag = { VALIDATE: 1 } as const;

/** virConnectFlags for connect open */
export const ConnectFlag = { RO: 1, NO_ALIASES: 2 } as const;

/** virDomainInterfaceAddressesSource */
export const InterfaceAddressesSource = { LEASE: 0, AGENT: 1, ARP: 2 } as const;

/** virDomainGuestInfoTypes (0 = all the agent supports) */
export const GuestInfoType = {
  USERS: 1 << 0,
  OS: 1 << 1,
  TIMEZONE: 1 << 2,
  HOSTNAME: 1 << 3,
  FILESYSTEM: 1 << 4,
  DISKS: 1 << 5,
  INTERFACES: 1 << 6,
} as const;

/** virDomainSnapshotCreateFlags */
export const SnapshotCreateFlag = {
  REDEFINE: 1 << 0,
  CURRENT: 1 << 1,
  NO_METADATA: 1 << 2,
  HALT: 1 << 3,
  DISK_ONLY: 1 << 4,
  REUSE_EXT: 1 << 5,
  QUIESCE: 1 << 6,
  ATOMIC: 1 << 7,
  LIVE: 1 << 8,
  VALIDATE: 1 << 9,
} as const;

/** virDomainSnapshotDeleteFlags */
export const SnapshotDeleteFlag = { CHILDREN: 1 << 0, METADATA_ONLY: 1 << 1, CHILDREN_ONLY: 1 << 2 } as const;

/** virDomainSnapshotRevertFlags */
export const SnapshotRevertFlag = { RUNNING: 1 << 0, PAUSED: 1 << 1, FORCE: 1 << 2, RESET_NVRAM: 1 << 3 } as const;

/** virConnectListAllStoragePoolsFlags / virConnectListAllNetworksFlags share ACTIVE/INACTIVE */
export const ListActiveFlag = { INACTIVE: 1 << 0, ACTIVE: 1 << 1 } as const;

/** virStorageVolDeleteFlags */
export const VolDeleteFlag = { ZEROED: 1, WITH_SNAPSHOTS: 2 } as const;

/** virStorageVolResizeFlags: SHRINK is never passed (Hangar only grows volumes). */
export const VolResizeFlag = { ALLOCATE: 1, DELTA: 2, SHRINK: 4 } as const;

/** virStoragePoolBuildFlags */
export const PoolBuildFlag = { NEW: 0, REPAIR: 1, RESIZE: 2, NO_OVERWRITE: 4, OVERWRITE: 8 } as const;

/** virStorageVolDownloadFlags / virStorageVolUploadFlags (the same bit) */
export const VolStreamFlag = { SPARSE_STREAM: 1 } as const;

/** virDomainModificationImpact (VIR_DOMAIN_AFFECT_*): which definition a change applies to. */
export const DomainAffect = { CURRENT: 0, LIVE: 1, CONFIG: 2 } as const;

/** virDomainDeviceModifyFlags (attach, update, detach device): the impact bits plus FORCE. */
export const DeviceModifyFlag = { ...DomainAffect, FORCE: 4 } as const;

/** virDomainMemoryModFlags (setMemoryFlags): the impact bits plus MAXIMUM. */
export const MemoryModFlag = { ...DomainAffect, MAXIMUM: 4 } as const;

/** virDomainMetadataType (the `type` of setMetadata/getMetadata). */
export const MetadataType = { DESCRIPTION: 0, TITLE: 1, ELEMENT: 2 } as const;

/** virDomainCreateFlags (start a defined domain, or create from XML). */
export const CreateFlag = { PAUSED: 1, AUTODESTROY: 2, BYPASS_CACHE: 4, FORCE_BOOT: 8, VALIDATE: 16, RESET_NVRAM: 32 } as const;

/** virDomainBlockResizeFlags */
export const BlockResizeFlag = { BYTES: 1 } as const;

/** virDomainPausedReason (the reason of a PAUSED state) — the values Hangar branches on. */
export const PausedReason = { UNKNOWN: 0, USER: 1, MIGRATION: 2 } as const;

/** virDomainShutoffReason (the reason of a SHUTOFF state). */
export const ShutoffReason = {
  UNKNOWN: 0,
  SHUTDOWN: 1,
  DESTROYED: 2,
  CRASHED: 3,
  MIGRATED: 4,
  SAVED: 5,
  FAILED: 6,
  FROM_SNAPSHOT: 7,
  DAEMON: 8,
} as const;

/** virStoragePoolState */
export const StoragePoolState = { INACTIVE: 0, BUILDING: 1, RUNNING: 2, DEGRADED: 3, INACCESSIBLE: 4 } as const;

/** virDomainGetJobStatsFlags: COMPLETED asks for the last finished job (a migration's real downtime). */
export const JobStatsFlag = { COMPLETED: 1, KEEP_COMPLETED: 2 } as const;

/** virDomainJobType (the `type` of job info/stats). */
export const DomainJobType = { NONE: 0, BOUNDED: 1, UNBOUNDED: 2, COMPLETED: 3, FAILED: 4, CANCELLED: 5 } as const;

/** virConnectDomainEventAgentLifecycleState */
export const AgentLifecycleState = { CONNECTED: 1, DISCONNECTED: 2 } as const;
