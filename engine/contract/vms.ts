import { PlacementStrategy } from './placement';
import { z } from 'zod';

/** DESIGN §5: the states a person sees, the same everywhere. */
export const DISPLAY_STATES = [
  'running',
  'stopped',
  'paused',
  'suspended',
  'starting',
  'stopping',
  'migrating',
  'crashed',
  'error',
  'unknown',
] as const;
export const DisplayState = z.enum(DISPLAY_STATES);
export type DisplayState = z.infer<typeof DisplayState>;

/** DESIGN §8: a VM is its libvirt UUID across the fleet, whichever host it runs on. */
export const VmId = z.string().min(1).max(128);

/** Another host's definition of the same UUID: an inactive copy a migration left, or one that runs too. */
export const VmCopy = z.object({ hostId: z.string(), state: DisplayState });
export type VmCopy = z.infer<typeof VmCopy>;

export const Vm = z.object({
  /** The libvirt UUID (the same as `uuid`): it stays when the VM moves between hosts. */
  id: VmId,
  /**
   * The host of the copy shown: where it runs; when no copy runs, where it last ran as this engine
   * saw it, else the copy on the first host in id order (engine/inventory/merge-copies.ts).
   */
  hostId: z.string(),
  uuid: z.string(),
  /** The definitions on other hosts. Two running copies at once is split brain: the VM page warns. */
  otherCopies: z.array(VmCopy),
  name: z.string(),
  title: z.string().nullable(),
  /** The domain's <description>, shown on hover in the list. */
  description: z.string().nullable(),
  state: DisplayState,
  /** Why, when libvirt says (e.g. "shut off: crashed"), or the error for `error`. */
  stateReason: z.string().nullable(),
  /** The fix Hangar offers for `stateReason`: a start that failed because KVM does not work here. */
  stateFix: z.enum(['useSoftwareEmulation']).nullable().optional(),
  /** libvirt's own reason for the state in `virsh domstate --reason` words (booted, destroyed, user…). */
  libvirtReason: z.string().nullable(),
  vcpus: z.number().int(),
  memoryKiB: z.number(),
  osType: z.string().nullable(),
  /** The OS profile Hangar created it with; null for VMs other tools made. */
  os: z.string().nullable(),
  arch: z.string().nullable(),
  disks: z.number().int(),
  nics: z.number().int(),
  hasGraphics: z.boolean(),
  labels: z.record(z.string(), z.string()),
  group: z.string().nullable(),
  origin: z.string().nullable(),
  /** True when Hangar's metadata is on it; false for domains other tools made. */
  managedByHangar: z.boolean(),
  /**
   * The guest's IP addresses, primary first: from the guest agent when it answers, else the
   * libvirt network's DHCP leases. Refreshed with the metrics round, never per view.
   */
  addresses: z.array(z.string()),
  /**
   * Not live (warm start, engine/inventory/warm-start.ts): this entry is the VM as Hangar last saw it
   * (`at`, ms since epoch, and its state then), from the inventory kept in SQLite or from before its
   * host was lost; `state` is then `unknown`. Absent or null: live from its host.
   */
  lastSeen: z.object({ at: z.number(), state: DisplayState }).nullable().optional(),
});
export type Vm = z.infer<typeof Vm>;

/** States in which a copy's guest runs, for "two copies run at once". */
const RUNS: ReadonlySet<DisplayState> = new Set(['running', 'paused', 'stopping']);

/**
 * The hosts where copies of this VM run at the same time (split brain: two guests writing the same
 * disks), or [] when at most one runs. A migration's incoming copy ("migrating") runs nothing yet.
 */
export function hostsRunningTwice(vm: Pick<Vm, 'hostId' | 'state' | 'otherCopies'>): string[] {
  const hosts = [...(RUNS.has(vm.state) ? [vm.hostId] : []), ...vm.otherCopies.filter((c) => RUNS.has(c.state)).map((c) => c.hostId)];
  return hosts.length > 1 ? hosts : [];
}

/** `save` writes the memory to disk and stops (managed save); `start` restores it. */
export const VM_ACTIONS = ['start', 'startPaused', 'shutdown', 'forceOff', 'reboot', 'reset', 'pause', 'resume', 'save', 'autostartOn', 'autostartOff'] as const;
export const VmAction = z.enum(VM_ACTIONS);
export type VmAction = z.infer<typeof VmAction>;

/** A name libvirt, a file system and DNS all accept: it becomes the guest's host name too. */
export const VmName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/, 'use letters, digits and "-" (up to 63, starting with a letter or digit)');

/** Device defaults: virtio for modern guests, SATA and e1000 for old ones. */
export const OS_PROFILES = ['linux', 'windows', 'legacy'] as const;
export const OsProfile = z.enum(OS_PROFILES);
export type OsProfile = z.infer<typeof OsProfile>;

const VolumeRef = z.object({ pool: z.string().min(1).max(255), volume: z.string().min(1).max(255) }).strict();

export const VmSource = z.discriminatedUnion('kind', [
  /** Boot an installer ISO from a pool (CD-ROM first in boot order) onto a new blank disk. */
  z.object({ kind: z.literal('iso'), iso: VolumeRef }).strict(),
  /** Use an existing disk image as the VM's disk. */
  z.object({ kind: z.literal('import'), disk: VolumeRef }).strict(),
  /** A new disk from a base image: a qcow2 overlay on it (fast) or a full copy. */
  z.object({ kind: z.literal('clone'), base: VolumeRef, mode: z.enum(['overlay', 'copy']) }).strict(),
  z.object({ kind: z.literal('blank') }).strict(),
  /** A template of the library, Ready on the VM's host: a qcow2 overlay on it (a linked clone) or a full copy. */
  z.object({ kind: z.literal('library'), itemId: z.string().min(1).max(64), mode: z.enum(['overlay', 'copy']).default('copy') }).strict(),
]);
export type VmSource = z.infer<typeof VmSource>;

/** cloud-init NoCloud: a seed ISO Hangar builds and attaches as a CD-ROM. */
export const CloudInitParams = z
  .object({
    hostname: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/).optional(),
    user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a Linux user name').optional(),
    password: z.string().max(256).optional(),
    sshAuthorizedKeys: z.array(z.string().max(16_384)).max(32).optional(),
    /** A whole user-data document instead of the fields above. */
    userData: z.string().max(64 * 1024).optional(),
  })
  .strict();

export const CreateVmParams = z
  .object({
    name: VmName,
    /** A host, or none for the one placement chooses (among those with all `hostTags`). */
    hostId: z.string().optional(),
    hostTags: z.array(z.string()).max(16).default([]),
    /** Affinity groups the new VM joins; their rules hold from this placement on. */
    affinityGroupIds: z.array(z.string().min(1).max(64)).max(16).default([]),
    /** Spread or pack; the setting when absent. */
    placementStrategy: PlacementStrategy.optional(),
    osProfile: OsProfile.default('linux'),
    /**
     * An OS of the catalogue (library.osCatalogue): it decides the device defaults (over
     * `osProfile`) and is recorded in libosinfo's metadata. A library template brings its own.
     */
    osId: z.string().min(1).max(64).optional(),
    vcpus: z.number().int().min(1).max(256).default(1),
    memoryMiB: z.number().int().min(32).max(4 * 1024 * 1024).default(512),
    firmware: z.enum(['bios', 'uefi']).default('bios'),
    /** KVM when the host offers it; TCG (software emulation) when asked, e.g. where KVM is broken. */
    accel: z.enum(['auto', 'kvm', 'tcg']).default('auto'),
    source: VmSource,
    /** Where a new disk goes and its size (ignored by import). */
    diskPool: z.string().min(1).max(255).default('default'),
    diskSizeGiB: z.number().min(0.01).max(65536).default(10),
    network: z.string().min(1).max(255).nullable().default('default'),
    cloudInit: CloudInitParams.optional(),
    description: z.string().max(4096).optional(),
    labels: z.record(z.string().max(64), z.string().max(256)).default({}),
    group: z.string().max(128).optional(),
    start: z.boolean().default(false),
  })
  .strict();
export type CreateVmParams = z.input<typeof CreateVmParams>;

export const DeleteVmParams = z
  .object({
    vmId: VmId,
    /** Disk targets (vda, sdb…) whose volumes are deleted; the others are kept. */
    deleteDisks: z.array(z.string().max(32)).default([]),
    /** Needed to delete a running VM: it is forced off first. */
    force: z.boolean().default(false),
  })
  .strict();

export const UpdateVmParams = z
  .object({
    vmId: VmId,
    /** A new name (stopped VMs only). */
    name: VmName.optional(),
    memoryMiB: z.number().int().min(32).max(4 * 1024 * 1024).optional(),
    vcpus: z.number().int().min(1).max(256).optional(),
    description: z.string().max(4096).optional(),
    /** The domain's <title>: one line (libvirt refuses a newline in it); '' removes it. */
    title: z.string().max(256).regex(/^[^\r\n]*$/, 'one line').optional(),
    labels: z.record(z.string().min(1).max(64), z.string().max(256)).optional(),
    group: z.string().max(128).nullable().optional(),
    bootOrder: z.array(z.enum(['hd', 'cdrom', 'network'])).min(1).max(3).optional(),
    firmware: z.enum(['bios', 'efi']).optional(),
    /** KVM or software emulation (TCG, domain type qemu); stopped VMs only. */
    accel: z.enum(['kvm', 'tcg']).optional(),
    autostart: z.boolean().optional(),
  })
  .strict();

export const AddDiskParams = z
  .object({
    vmId: VmId,
    pool: z.string().min(1).max(255),
    /** A new blank qcow2 volume of this size, or… */
    sizeGiB: z.number().min(0.01).max(65536).optional(),
    /** …an existing volume of the pool. */
    volume: z.string().min(1).max(255).optional(),
    bus: z.enum(['virtio', 'sata', 'scsi', 'ide']).default('virtio'),
    live: z.boolean().default(false),
  })
  .strict()
  .refine((p) => (p.sizeGiB === undefined) !== (p.volume === undefined), 'give either sizeGiB (a new disk) or volume (an existing one)');

export const DetachParams = z
  .object({
    vmId: VmId,
    /** A disk's target (vdb…) or a NIC's MAC address. */
    device: z.string().min(1).max(64),
    live: z.boolean().default(false),
  })
  .strict();

export const AddNicParams = z
  .object({
    vmId: VmId,
    network: z.string().min(1).max(255),
    model: z.enum(['virtio', 'e1000', 'rtl8139']).default('virtio'),
    mac: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i).optional(),
    /** Also plug it into the running VM; otherwise it comes with the next power cycle. */
    live: z.boolean().default(false),
  })
  .strict();

export const VmDisk = z.object({
  device: z.string(),
  target: z.string(),
  bus: z.string().nullable(),
  format: z.string().nullable(),
  source: z.string().nullable(),
});

export const VmDetails = z.object({
  vm: Vm,
  disks: z.array(VmDisk),
  nics: z.array(z.object({ mac: z.string().nullable(), type: z.string(), source: z.string().nullable(), model: z.string().nullable(), linkUp: z.boolean() })),
  /** The configured maximum memory: a running VM's memory can change live up to it. */
  maxMemoryKiB: z.number(),
  firmware: z.enum(['bios', 'efi']),
  /** What the saved definition asks for: KVM, or software emulation (TCG). */
  accel: z.enum(['kvm', 'tcg']),
  bootOrder: z.array(z.string()),
  description: z.string().nullable(),
  autostart: z.boolean(),
  labels: z.record(z.string(), z.string()),
  group: z.string().nullable(),
  /** What the persistent configuration changes at the next power cycle, in words. */
  pendingChanges: z.array(z.string()),
  /** What the VM really runs on (the live definition when running): the Overview's facts. */
  platform: z.object({
    /** The domain type: `kvm` (hardware acceleration) or `qemu` (TCG, software emulation). */
    domainType: z.string(),
    machine: z.string().nullable(),
    emulator: z.string().nullable(),
    /** `host-passthrough`, `host-model`, or the named model (custom mode). */
    cpuModel: z.string().nullable(),
  }),
  /** Each disk's volume size and pool, by target, when the host knows its source as a volume. */
  diskVolumes: z.record(z.string(), z.object({ pool: z.string().nullable(), capacity: z.number(), allocation: z.number() })),
  /** The guest agent's OS name, when the agent answers (running VMs only). */
  guestOs: z.string().nullable(),
  /** The QEMU process's resident memory, KiB, when running: above the allocation means overhead or a leak. */
  processRssKiB: z.number().nullable(),
  liveXml: z.string(),
  persistentXml: z.string(),
});
export type VmDetails = z.infer<typeof VmDetails>;

export const DefineXmlParams = z.object({ vmId: VmId, xml: z.string().min(1).max(1024 * 1024) }).strict();

export const ResizeDiskParams = z.object({ vmId: VmId, target: z.string().min(1).max(32), sizeGiB: z.number().min(0.01).max(65536) }).strict();

/**
 * Insert a pool's ISO into a CD-ROM drive, or a library ISO (`libraryIso`, Ready where the VM is),
 * or eject with `iso: null`. `force` ejects even where the guest locks the tray.
 */
export const SetMediaParams = z
  .object({
    vmId: VmId,
    target: z.string().min(1).max(32),
    iso: z.object({ pool: z.string().min(1), volume: z.string().min(1) }).strict().nullable().optional(),
    libraryIso: z.string().min(1).max(64).optional(),
    force: z.boolean().default(false),
  })
  .strict()
  .refine((p) => (p.iso === undefined) !== (p.libraryIso === undefined), 'give either iso (a pool volume, or null to eject) or libraryIso');

export const SetLinkParams = z.object({ vmId: VmId, mac: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i), up: z.boolean() }).strict();
