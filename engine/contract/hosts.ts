import { z } from 'zod';
import { ErrorData } from './errors';
import { Message } from './message';

export const HostId = z.string().min(1).max(64);

/** How Hangar authenticates: the agent and ~/.ssh/config keys, one key file, or a password. */
export const HostAuth = z.enum(['auto', 'key', 'password']);
export type HostAuth = z.infer<typeof HostAuth>;

export const HOST_STATES = ['connecting', 'connected', 'unreachable', 'disconnected'] as const;
export const HostState = z.enum(HOST_STATES);
export type HostState = z.infer<typeof HostState>;

const Tag = z.string().trim().min(1).max(64).regex(/^[\p{L}\p{N}._:/-]+$/u, 'letters, digits and . _ : / - only');

/** What a connection test found on a host. */
/**
 * Whether guests really run under KVM here (probed), and if not why: `kvm` alone is what libvirt
 * offers, which a /dev/kvm that runs no ordinary guest (kvm_pvm) also gets.
 */
export const HostAccel = z.object({
  kvm: z.boolean(),
  reason: z.enum(['noDevKvm', 'notOffered', 'paravirtModule', 'noHardwareVirt', 'notProbed']).nullable(),
  /** e.g. the module that provides /dev/kvm. */
  detail: z.string(),
});
export type HostAccel = z.infer<typeof HostAccel>;

/**
 * Host maintenance (seed 001 L11–80): `preparing` while it is emptied, `ready` when empty, `error`
 * when some VM could not leave. Anything but `none` takes no new placements or incoming migrations.
 * Defined here, beside the host it describes; contract/migration.ts re-exports it with the plan.
 */
export const MAINTENANCE_STATES = ['none', 'preparing', 'ready', 'error'] as const;
export const MaintenanceState = z.enum(MAINTENANCE_STATES);
export type MaintenanceState = z.infer<typeof MaintenanceState>;

export const HostFacts = z.object({
  hostname: z.string(),
  libvirtVersion: z.string(),
  hypervisorVersion: z.string(),
  /** libvirt offers the kvm domain type; whether it works is `accel`. */
  kvm: z.boolean(),
  /** Absent in facts stored before the probe existed. */
  accel: HostAccel.optional(),
  cpuModel: z.string(),
  cpus: z.number().int(),
  memoryKiB: z.number(),
  pools: z.array(z.object({ name: z.string(), active: z.boolean(), capacity: z.number(), allocation: z.number(), available: z.number() })),
  networks: z.array(z.object({ name: z.string() })),
  /** The libvirt socket reached and how (stream-local forward, or an exec relay). */
  socket: z.string(),
  via: z.enum(['stream-local', 'exec', 'local']),
  /** Events the daemon refused to register (an older libvirt): changes of those kinds reach Hangar only at the next refetch. */
  unsupportedEvents: z.array(z.string()).optional(),
});
export type HostFacts = z.infer<typeof HostFacts>;

export const Host = z.object({
  id: HostId,
  /** `local`: the libvirt of the machine Hangar runs on, found by its socket (the embedded default). */
  kind: z.enum(['ssh', 'local']),
  name: z.string(),
  address: z.string(),
  port: z.number().int().nullable(),
  user: z.string().nullable(),
  auth: HostAuth,
  keyPath: z.string().nullable(),
  tags: z.array(z.string()),
  state: HostState,
  /** The technical error behind an unreachable state (for Details); `problem` says it in words. */
  lastError: ErrorData.nullable(),
  /** Why the host cannot be used, as an i18n message a person reads (null when it can). */
  problem: Message.nullable(),
  nextRetryAt: z.number().nullable(),
  /** What makes this host itself, whatever address reaches it: its libvirt host UUID and SSH host key. */
  hostUuid: z.string().nullable(),
  hostKeyFingerprint: z.string().nullable(),
  facts: HostFacts.nullable(),
  createdAt: z.number(),
  /** Its maintenance state (hosts.maintenance has the plan and the evacuation). */
  maintenance: MaintenanceState,
  /** When Hangar last had this host connected (ms since epoch), while it is not; null while connected or if never seen. */
  lastSeenAt: z.number().nullable().optional(),
});
export type Host = z.infer<typeof Host>;

const Fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/);

/** Both fingerprints as the user saw them: the pin is replaced only if the host shows exactly these. */
export const ReplaceHostKey = z.object({ previous: Fingerprint, next: Fingerprint }).strict();

export const ReplaceHostKeyParams = z.object({ hostId: HostId, previous: Fingerprint, next: Fingerprint }).strict();

/** Where and how to reach a host; shared by the connection test and add. */
export const HostTarget = z
  .object({
    /** An address, a DNS name or a ~/.ssh/config alias. */
    address: z.string().trim().min(1).max(255).regex(/^[^\s'"`$;&|<>\\]+$/, 'an address, a host name or an ~/.ssh/config alias'),
    port: z.number().int().min(1).max(65535).optional(),
    user: z.string().trim().min(1).max(64).regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'a user name').optional(),
    auth: HostAuth.default('auto'),
    keyPath: z.string().max(4096).optional(),
    /** Used for this attempt only, unless `savePassword` asks to keep it (encrypted). */
    password: z.string().max(1024).optional(),
    savePassword: z.boolean().default(false),
    /** The fingerprint the user confirmed after HOST_KEY_UNKNOWN. */
    acceptHostKey: Fingerprint.optional(),
    /** The user reviewed a changed key (HOST_KEY_CHANGED) and replaces the old one with the new one. */
    replaceHostKey: ReplaceHostKey.optional(),
  })
  .strict();
export type HostTarget = z.input<typeof HostTarget>;

export const AddHostParams = HostTarget.extend({
  name: z.string().trim().min(1).max(64).optional(),
  tags: z.array(Tag).max(32).default([]),
}).strict();

export const UpdateHostParams = z
  .object({ hostId: HostId, name: z.string().trim().min(1).max(64).optional(), tags: z.array(Tag).max(32).optional() })
  .strict();

/** Whether new guests on this host should run under KVM: the probe's answer, else libvirt's offer. */
export const kvmUsable = (f: HostFacts): boolean => f.accel?.kvm ?? f.kvm;
