import { z } from 'zod';
import { Message } from './message';

/**
 * Placement (DESIGN §8): the one way a host is chosen. Spread puts a VM where most stays free
 * (horizontal), pack fills one host before the next (vertical, seed 000 L268).
 */
export const PLACEMENT_STRATEGIES = ['spread', 'pack'] as const;
export const PlacementStrategy = z.enum(PLACEMENT_STRATEGIES);
export type PlacementStrategy = z.infer<typeof PlacementStrategy>;

const Tag = z.string().trim().min(1).max(64).regex(/^[\p{L}\p{N}._:/-]+$/u, 'letters, digits and . _ : / - only');

/**
 * What a host offers to placement, set per host (seed 001 H-11: ratio 1 means no over-provisioning).
 * `taints` are tags that keep VMs off unless they ask for that tag (a host kept for some guests).
 */
export const HostPlacementSettings = z.object({
  hostId: z.string().min(1).max(64),
  memoryRatio: z.number().min(0.01).max(16),
  cpuRatio: z.number().min(0.01).max(64),
  /** Memory kept for the host itself, never given to guests. */
  memoryReserveMiB: z.number().int().min(0).max(16 * 1024 * 1024),
  taints: z.array(Tag).max(32),
});
export type HostPlacementSettings = z.infer<typeof HostPlacementSettings>;

/**
 * Memory is not overcommitted unless asked (seed 001 H-11: default 1); vCPUs are, 10 per CPU as
 * OpenShift Virtualization's default CPU allocation ratio, since idle guests share CPUs well.
 */
export const DEFAULT_HOST_PLACEMENT: Omit<HostPlacementSettings, 'hostId'> = { memoryRatio: 1, cpuRatio: 10, memoryReserveMiB: 0, taints: [] };

/** One resource of a host as placement counts it: allocatable = physical × ratio − host reserve. */
export const ResourceCapacity = z.object({
  physical: z.number(),
  allocatable: z.number(),
  /** Held by VMs running on the host. */
  committed: z.number(),
  /** Held for VMs whose creation (or move) is under way. */
  reserved: z.number(),
  free: z.number(),
});
export type ResourceCapacity = z.infer<typeof ResourceCapacity>;

export const HostCapacity = z.object({
  hostId: z.string(),
  hostName: z.string(),
  settings: HostPlacementSettings,
  /** MiB. */
  memory: ResourceCapacity,
  vcpus: ResourceCapacity,
});
export type HostCapacity = z.infer<typeof HostCapacity>;

/** Why one host was refused, reason by reason, as sentences a person reads in their language. */
export const HostRefusal = z.object({ hostId: z.string(), host: z.string(), reasons: z.array(Message).min(1) });
export type HostRefusal = z.infer<typeof HostRefusal>;

/** What placement decided, returned with the job: the host, and what a preferred rule could not keep. */
export const PlacementOutcome = z.object({ hostId: z.string(), host: z.string(), warnings: z.array(Message) });
export type PlacementOutcome = z.infer<typeof PlacementOutcome>;

export const AFFINITY_KINDS = ['affinity', 'antiAffinity'] as const;
export const AffinityKind = z.enum(AFFINITY_KINDS);
/** `hard`: a host that breaks the rule is refused; `soft`: the rule is a preference (a weight), broken with a warning. */
export const AffinityEnforcement = z.enum(['hard', 'soft']);

export const AffinityGroupId = z.string().min(1).max(64);

export const AffinityGroup = z.object({
  id: AffinityGroupId,
  name: z.string(),
  kind: AffinityKind,
  enforcement: AffinityEnforcement,
  description: z.string(),
  /** VMs by libvirt UUID (the id that survives a move); `name` as last seen, for a VM that is gone. */
  members: z.array(z.object({ vmUuid: z.string(), name: z.string() })),
  createdAt: z.number(),
});
export type AffinityGroup = z.infer<typeof AffinityGroup>;

const GroupName = z.string().trim().min(1).max(64);

export const CreateAffinityGroupParams = z
  .object({ name: GroupName, kind: AffinityKind, enforcement: AffinityEnforcement.default('hard'), description: z.string().max(1024).default('') })
  .strict();
export const UpdateAffinityGroupParams = z
  .object({ groupId: AffinityGroupId, name: GroupName.optional(), kind: AffinityKind.optional(), enforcement: AffinityEnforcement.optional(), description: z.string().max(1024).optional() })
  .strict();
export const AffinityMemberParams = z.object({ groupId: AffinityGroupId, vmId: z.string().min(1).max(128) }).strict();
