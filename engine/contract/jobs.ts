import { z } from 'zod';
import { ErrorData } from './errors';
import { Message } from './message';
import { MigrationStats } from './migration';

/** `interrupted`: the engine stopped (crash, kill, power) while the job ran; it is over, not resumed. */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export const JobState = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobState>;

export const FINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export const JobId = z.string().min(1).max(64);

/** What a job acts on: a typed reference, never a free record (DESIGN §2). */
export const TARGET_KINDS = ['vm', 'host', 'pool', 'volume', 'template', 'network', 'lease'] as const;
export const JobTarget = z.object({ kind: z.enum(TARGET_KINDS), id: z.string().min(1).max(512) }).strict();
export type JobTarget = z.infer<typeof JobTarget>;

/**
 * How a kind behaves around others. `mutating`: it changes its target, so it takes the target's
 * lock; a second mutating job on a busy target waits, queued, saying for what (`busy: 'queue'`),
 * or is refused with CONFLICT naming the job that holds it (`busy: 'conflict'`). `duplicate:
 * 'conflict'`: the same kind asked again on a target where it is already running or waiting is
 * refused (a double-click on Start), whatever `busy` says. `limits`: at most this many jobs of the
 * kind run at once on one host (the job's `hostId`) and in the whole fleet; the rest wait as
 * queued. `resumable`: the job persists its step state and an engine restart continues it.
 * `preempts`: what the kind overrides on a busy target (Force off ends a Shut down that waits).
 */
export interface JobKindPolicy {
  mutating: boolean;
  busy: 'queue' | 'conflict';
  duplicate?: 'conflict';
  /** Running jobs of these kinds on the target are cancelled, and this one waits for them to end. */
  preempts?: readonly string[];
  limits?: { perHost?: number; fleet?: number };
  resumable?: boolean;
}

/** A person's power actions run in the order asked (Start right after Shut down waits for it); the same one twice is refused. */
const power: JobKindPolicy = { mutating: true, busy: 'queue', duplicate: 'conflict' };
/** Edits of a configuration are short and independent: the second waits for the first. */
const edit: JobKindPolicy = { mutating: true, busy: 'queue' };
const hostOp: JobKindPolicy = { mutating: true, busy: 'queue' };

/** The closed set of job kinds, with what each declares. */
export const JOB_KINDS = {
  'engine.selfTest': { mutating: true, busy: 'queue' },
  /** The self-test that survives a restart: proves resumable jobs without a host. */
  'engine.selfTestResumable': { mutating: true, busy: 'queue', resumable: true },
  'jobs.cleanup': { mutating: true, busy: 'conflict' },
  'diagnostics.gather': { mutating: false, busy: 'queue' },
  'vm.create': { mutating: true, busy: 'conflict' },
  'vm.delete': power,
  'vm.start': power,
  'vm.startPaused': power,
  'vm.shutdown': power,
  /** A person who forces off while a shutdown waits for the guest means it: the wait ends. */
  'vm.forceOff': { ...power, preempts: ['vm.shutdown', 'vm.reboot'] },
  'vm.reboot': power,
  'vm.reset': power,
  'vm.pause': power,
  'vm.resume': power,
  'vm.save': power,
  'vm.autostartOn': edit,
  'vm.autostartOff': edit,
  'vm.update': edit,
  'vm.addNic': edit,
  'vm.addDisk': edit,
  'vm.detach': edit,
  'vm.resizeDisk': edit,
  'vm.setMedia': edit,
  'vm.setLink': edit,
  'vm.defineXml': edit,
  /**
   * A clone holds its source VM's lock: the source is not started, edited or deleted while its
   * disks are read; a busy source refuses the clone, naming its task. Copies are heavy: two per host.
   */
  'vm.clone': { mutating: true, busy: 'conflict', limits: { perHost: 2, fleet: 6 } },
  /** One snapshot operation per VM at a time: a second waits behind the first (and behind any other change of the VM). */
  'vm.snapshotCreate': edit,
  'vm.snapshotRevert': edit,
  'vm.snapshotDelete': edit,
  /** Declared ahead of the migration issue: OpenShift Virtualization's defaults (2 out per host, 5 in the fleet). */
  'vm.migrate': { mutating: true, busy: 'conflict', limits: { perHost: 2, fleet: 5 } },
  /** The parent of a host's migrations. */
  'host.evacuate': { mutating: true, busy: 'conflict', resumable: true },
  'host.update': hostOp,
  'host.connect': hostOp,
  'host.disconnect': hostOp,
  'host.remove': { mutating: true, busy: 'conflict' },
  /** Leaving maintenance waits for a cancelled evacuation to end (it holds the host). */
  'host.exitMaintenance': hostOp,
  'host.retry': hostOp,
  'host.replaceKey': hostOp,
  // storage-net: pools, volumes, networks. Start/stop/delete are like power actions (in order, the
  // same twice refused); a create is refused while the same name is being made.
  'pool.create': { mutating: true, busy: 'conflict' },
  'pool.start': power,
  'pool.stop': power,
  'pool.delete': power,
  'pool.refresh': { ...edit, duplicate: 'conflict' },
  'pool.autostart': edit,
  'volume.create': { mutating: true, busy: 'conflict' },
  'volume.resize': edit,
  'volume.wipe': power,
  'volume.delete': power,
  'network.create': { mutating: true, busy: 'conflict' },
  'network.start': power,
  'network.stop': power,
  'network.delete': power,
  'network.autostart': edit,
  // leases (issue 18): a request's provisioning is one parent job; each VM, spare refill and
  // release is a child. The parent is resumable: a restarted engine continues waiting for the
  // addresses of what was defined, or names what it left (the journalled artifacts).
  'lease.acquire': { mutating: true, busy: 'queue', resumable: true },
  'lease.provision': { mutating: true, busy: 'conflict', limits: { perHost: 4, fleet: 12 } },
  'lease.release': { mutating: true, busy: 'queue' },
  'lease.spare': { mutating: true, busy: 'conflict', limits: { perHost: 2, fleet: 6 } },
} as const satisfies Record<string, JobKindPolicy>;

export type JobKind = keyof typeof JOB_KINDS;
export const JobKind = z.enum(Object.keys(JOB_KINDS) as [JobKind, ...JobKind[]]);

export function jobKindPolicy(kind: JobKind): JobKindPolicy {
  return JOB_KINDS[kind];
}

/** Why a queued job has not started. */
export const JobWait = z.discriminatedUnion('reason', [
  /** Its target is locked by this job. */
  z.object({ reason: z.literal('target'), jobId: JobId }),
  /** Its kind's limit on one host or in the fleet is reached. */
  z.object({ reason: z.literal('limit'), scope: z.enum(['host', 'fleet']), limit: z.number().int() }),
  /** The engine runs as many jobs as it allows at once. */
  z.object({ reason: z.literal('capacity') }),
]);
export type JobWait = z.infer<typeof JobWait>;

/**
 * Something a job makes on a host, journalled before the job asks for it, so that a job that
 * stops half-way can say what it left. `creating`: asked for, outcome unknown; `created`: it
 * exists and the job still owns it; `done`: the job succeeded and it is part of the result;
 * `removed`: the job (or a clean-up) deleted it, or it never came to be; `kept`: the user chose
 * to keep a leftover.
 */
export const ARTIFACT_STATES = ['creating', 'created', 'done', 'removed', 'kept'] as const;
export const JobArtifact = z.object({
  id: z.string(),
  kind: z.enum(['volume', 'domain']),
  hostId: z.string(),
  /** The storage pool, for a volume. */
  pool: z.string().optional(),
  name: z.string(),
  /** The libvirt UUID, for a domain: a clean-up never touches a namesake. */
  uuid: z.string().optional(),
  state: z.enum(ARTIFACT_STATES),
});
export type JobArtifact = z.infer<typeof JobArtifact>;

/** What a finished job left on hosts and nobody has dealt with yet. */
export function leftovers(job: Pick<Job, 'state' | 'artifacts'>): JobArtifact[] {
  if (!FINAL_JOB_STATES.includes(job.state)) return [];
  return (job.artifacts ?? []).filter((a) => a.state === 'creating' || a.state === 'created');
}

export const Job = z.object({
  id: JobId,
  kind: JobKind,
  title: Message,
  /** What the job acts on: its lock, and what the Tasks page names. */
  target: JobTarget.optional(),
  /** The host the job runs against (a VM's host, a clean-up's host): per-host limits, history. */
  hostId: z.string().optional(),
  /** The job that started this one: its progress is its children's, and cancelling it cancels them. */
  parentId: JobId.optional(),
  /** While queued: what it waits for. */
  waitingFor: JobWait.optional(),
  state: JobState,
  /** 0..1, or null when the job cannot tell. */
  progress: z.number().min(0).max(1).nullable(),
  step: Message.nullable(),
  cancellable: z.boolean(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  error: ErrorData.nullable(),
  result: z.unknown().optional(),
  /** What the job made or meant to make on hosts, in order (see JobArtifact). */
  artifacts: z.array(JobArtifact).optional(),
  /** The clean-up job started for this job's leftovers, while or after it runs. */
  cleanupJobId: JobId.optional(),
  /** A vm.migrate job's live figures from libvirt's job stats, refreshed while it runs. */
  migration: MigrationStats.optional(),
});
export type Job = z.infer<typeof Job>;

/** What a mutating method returns at once. */
export const JobRef = z.object({ jobId: JobId });
export type JobRef = z.infer<typeof JobRef>;
